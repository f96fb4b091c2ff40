"""Scans and remediations as procrastinate jobs over one PostgreSQL (issue 9, SPEC §9).

Real workers in subprocesses, real ExifTool, a fresh PostgreSQL database per test; skipped when
WIREFIX_TEST_PG_URL is unset (CI sets it).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES, Cli, pg_database
from storegen import news_photo

from wirefix.flows import jobs, queue
from wirefix.settings import load_settings
from wirefix.storage import Database

NOTICE = SAMPLES / "notices" / "afp-daraa-correction.txt"
DARAA = SAMPLES / "store" / "afp" / "2017" / "02" / "20" / "SYRIA-CONFLICT-000_NG3LP.jpg"
# The samples the notice concerns (the photo, its re-sent copy and its web rendition) are left out.
OTHERS = [
    p
    for p in sorted((SAMPLES / "store").rglob("*.jpg"))
    if "NG3LP" not in p.name and "w240" not in p.name
]


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A copy of the session's migrated database (skipped without WIREFIX_TEST_PG_URL)."""
    yield from pg_database(pg_template)


def make_store(root: Path, affected: int, unrelated: int) -> set[str]:
    """`affected` copies of the Daraa photo among the other samples and unrelated photos."""
    wanted = set()
    for i in range(affected):
        rel = f"desk{i % 3}/2017/02/20/daraa-{i:03d}.jpg"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DARAA, root / rel)
        wanted.add(rel)
    for i, path in enumerate(OTHERS):
        rel = f"archive/{i:02d}-{path.name}"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, root / rel)
    for i in range(unrelated):
        news_photo(
            root / f"desk{i % 5}/2016/{i % 12 + 1:02d}/photo-{i:04d}.jpg",
            byline=f"PHOTOGRAPHER {i % 40}",
            credit=f"PHOTOGRAPHER {i % 40}/AGENCY",
            caption=f"Street scene number {i} in a city somewhere.",
            date=f"2016-{i % 12 + 1:02d}-{i % 27 + 1:02d}",
            city=f"City{i % 30}",
            country="Country",
            ref=f"000_X{i:05d}",
        )
    return wanted


def hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.jpg"))
    }


class Host:
    """One "host": its own config file mapping the store root name to its mount point."""

    def __init__(self, url: str, home: Path, mount: Path, root_name: str = "store") -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.config = home / "config.toml"
        self.config.write_text(f'[store.roots]\n{root_name} = "{mount}"\n', encoding="utf-8")
        self.cli = Cli(url, home)
        self.cli.env["WIREFIX_CONFIG"] = str(self.config)
        self.env = self.cli.env

    def worker(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "wirefix", "worker", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def enqueue(self, url: str, shards: int = 2) -> dict:
        """What `wirefix run --enqueue` does, with a chosen shard count."""
        settings = load_settings(str(self.config), db_url=url)
        db = Database(url)
        try:
            return jobs.enqueue_run(db, settings, shards=shards).to_dict()
        finally:
            db.close()


def finish(proc: subprocess.Popen[str], timeout: float = 240) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def audit_by_file(url: str) -> dict[str, list[dict]]:
    db = Database(url)
    try:
        entries = [json.loads(row.payload) for row in db.audit_entries()]
    finally:
        db.close()
    by_file: dict[str, list[dict]] = {}
    for e in entries:
        by_file.setdefault(e["rel_path"], []).append(e)
    return by_file


def test_two_workers_fix_every_affected_file_exactly_once(pg_url: str, tmp_path: Path) -> None:
    store = tmp_path / "store"
    affected = make_store(store, affected=30, unrelated=260)
    host = Host(pg_url, tmp_path / "home", store)
    host.cli("db", "upgrade")
    host.cli("ingest", str(NOTICE))
    before = hashes(store)
    assert len(before) >= 290

    queued = host.cli.json("run", "--enqueue")["queued"]
    assert queued["scan_jobs"] == queue.DEFAULT_SHARDS and queued["dispatch_jobs"] == 1
    again = host.cli.json("run", "--enqueue")["queued"]  # before any worker: nothing piles up
    assert again["scan_jobs"] == 0 and again["already_waiting"] == queue.DEFAULT_SHARDS + 1

    workers = [host.worker("--one-shot", "--stall-timeout", "5") for _ in range(2)]
    for w in workers:
        finish(w)

    after = hashes(store)
    changed = {rel for rel in before if before[rel] != after[rel]}
    assert changed == affected
    state = host.cli.json("queue")
    assert state["counts"]["failed"] == 0 and state["counts"]["todo"] == 0
    assert state["by_task"]["apply_file"]["succeeded"] == len(affected)
    by_file = {rel: entries for rel, entries in audit_by_file(pg_url).items() if rel in affected}
    assert set(by_file) == affected
    assert all(len(e) == 1 and e[0]["outcome"] == "ok" for e in by_file.values())
    host.cli("audit", "verify")


def test_enqueue_on_sqlite_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wirefix.db'}"
    db = Database(url)
    db.ensure_schema()
    with pytest.raises(queue.QueueError, match="needs PostgreSQL"):
        jobs.enqueue_run(db, load_settings(None, db_url=url))
    db.close()
    cli = Cli(url, tmp_path / "home")
    cli.env["WIREFIX_STORE_ROOTS"] = f"store={tmp_path}"
    for args in (["run", "--enqueue"], ["queue"], ["worker", "--one-shot"]):
        proc = cli(*args, check=1)
        assert "needs PostgreSQL" in proc.stderr


@pytest.mark.parametrize("crash_at", ["journaled", "replaced"])
def test_killed_worker_job_runs_again_after_stall_timeout(
    pg_url: str, tmp_path: Path, crash_at: str
) -> None:
    """SIGKILL mid-job (after the intent is journaled / after the file is replaced, before its
    audit entry): after the stall timeout another worker runs the job again; the file ends
    remediated once, with one audit entry."""
    store = tmp_path / "store"
    affected = make_store(store, affected=8, unrelated=20)
    host = Host(pg_url, tmp_path / "home", store)
    host.cli("db", "upgrade")
    host.cli("ingest", str(NOTICE))
    before = hashes(store)
    host.enqueue(pg_url, shards=1)

    # The worker that dies: it SIGKILLs itself the 3rd time it passes the crash point.
    env = {**host.env, "WIREFIX_CRASH_AT": f"{crash_at}:3"}
    dying = subprocess.Popen(
        [sys.executable, "-m", "wirefix", "worker", "--one-shot", "--stall-timeout", "3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    dying.communicate(timeout=240)
    assert dying.returncode == -signal.SIGKILL
    state = host.cli.json("queue", check=False)
    assert state["counts"]["doing"] == 1  # the job the dead worker held

    out = finish(host.worker("--one-shot", "--stall-timeout", "3"))
    assert "job of a stalled worker queued again" in out

    after = hashes(store)
    assert {rel for rel in before if before[rel] != after[rel]} == affected
    by_file = audit_by_file(pg_url)
    assert {rel for rel in by_file if rel in affected} == affected
    assert all(len(by_file[rel]) == 1 and by_file[rel][0]["outcome"] == "ok" for rel in affected)
    state = host.cli.json("queue")
    assert state["counts"]["failed"] == 0 and state["counts"]["doing"] == 0
    host.cli("audit", "verify")


def test_hosts_map_one_store_root_to_their_own_mount_points(pg_url: str, tmp_path: Path) -> None:
    """Host A mounts the store at mnt-a, host B at mnt-b (two symlinks to one folder, like two
    NFS mounts). A scans and matches; then A's mount goes away and B applies through its own."""
    real = tmp_path / "nfs-export"
    affected = make_store(real, affected=6, unrelated=10)
    mnt_a, mnt_b = tmp_path / "mnt-a", tmp_path / "mnt-b"
    mnt_a.symlink_to(real, target_is_directory=True)
    mnt_b.symlink_to(real, target_is_directory=True)
    host_a = Host(pg_url, tmp_path / "host-a", mnt_a, root_name="photos")
    host_b = Host(pg_url, tmp_path / "host-b", mnt_b, root_name="photos")
    host_a.cli("db", "upgrade")
    host_a.cli("ingest", str(NOTICE))
    before = hashes(real)
    host_a.enqueue(pg_url, shards=2)

    finish(host_a.worker("--one-shot", "--queue", "scan", "--queue", "match"))
    state = host_a.cli.json("queue")
    assert state["by_task"].get("apply_file", {}).get("todo") == len(affected), state
    mnt_a.unlink()  # host A is gone: only B's mapping can reach the files now

    finish(host_b.worker("--one-shot", "--queue", "apply", "--concurrency", "2"))
    after = hashes(real)
    assert {rel for rel in before if before[rel] != after[rel]} == affected
    by_file = audit_by_file(pg_url)
    for rel in affected:
        (entry,) = by_file[rel]
        assert entry["root"] == "photos" and entry["rel_path"] == rel
        assert entry["path"] == f"{mnt_b}/{rel}" and entry["outcome"] == "ok"
    host_b.cli("audit", "verify")


def test_periodic_runs_and_sigterm_drains_the_worker(pg_url: str, tmp_path: Path) -> None:
    """`--schedule` queues runs through procrastinate's periodic tasks; SIGTERM lets the worker
    finish what it holds and exit 0."""
    store = tmp_path / "store"
    affected = make_store(store, affected=3, unrelated=5)
    host = Host(pg_url, tmp_path / "home", store)
    host.cli("db", "upgrade")
    host.cli("ingest", str(NOTICE))
    before = hashes(store)
    worker = host.worker("--schedule", "* * * * * */2", "--stall-timeout", "5")
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = audit_by_file(pg_url)
            if affected <= set(done):
                break
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, out
    assert "Stop requested" in out
    after = hashes(store)
    assert {rel for rel in before if before[rel] != after[rel]} == affected
    state = host.cli.json("queue")
    assert state["by_task"]["periodic_run"]["succeeded"] >= 1
    assert state["counts"]["failed"] == 0
    assert all(len(audit_by_file(pg_url)[rel]) == 1 for rel in affected)
