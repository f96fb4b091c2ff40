"""A missing store is not an empty store (issue 13, item 8): a scan that finds a root missing,
empty or losing most of its files leaves the index as it was and exits 1 unless --allow-gone.

Real command, real SQLite and PostgreSQL, real files; the shard jobs run on real workers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import test_jobs
from conftest import SAMPLES, Cli
from sqlalchemy import text
from test_scan import _photos, _rows

from wirefix.index.scan import scan
from wirefix.index.walk import in_shard
from wirefix.storage import Database, DatabaseError

pg_url = test_jobs.pg_url  # the fixture: a PostgreSQL database of its own, skipped without one
NOTICE = SAMPLES / "notices" / "afp-daraa-correction.txt"
SAMPLE_FILES = 11


def _refusal_lines(proc_stderr: str) -> list[str]:
    return [line for line in proc_stderr.splitlines() if "nothing marked gone" in line]


def _states(url: str, root: str) -> set[str]:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT state FROM files WHERE root = :r"), {"r": root})
            return {r[0] for r in rows}
    finally:
        db.close()


def _unmount(store: Path, empty: bool) -> Path:
    """Take the store away as an unmounted share does: the folder gone, or an empty mount point."""
    away = store.with_name(store.name + ".unmounted")
    store.rename(away)
    if empty:
        store.mkdir()
    return away


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_an_unmounted_root_is_refused_and_the_index_kept(
    cli: Cli, store: Path, tmp_path: Path, how: str
) -> None:
    url = cli.env["WIREFIX_DB_URL"]
    other = tmp_path / "other"
    _photos(other, 5)
    cli("ingest", str(NOTICE))
    assert cli.json("scan", str(store), str(other))["new"] == SAMPLE_FILES + 5
    matched = cli.json("match", "1", "--all", check=False)
    assert matched, "the notice matches files of the sample store"

    away = _unmount(store, empty=how == "empty")
    (other / "d000" / "photo-00001.jpg").unlink()
    proc = cli("scan", str(store), str(other), "--json", check=1)
    data = json.loads(proc.stdout)
    assert data["refused"] == [
        {
            "root": "store",
            "path": str(store.resolve()),
            "reason": "missing" if how == "missing" else "none found",
            "indexed": SAMPLE_FILES,
            "found": 0,
        }
    ]
    # The other root in the same scan was scanned as usual, its deletion marked gone.
    assert (data["unchanged"], data["gone"]) == (4, 1)
    (line,) = _refusal_lines(proc.stderr)
    assert line == (
        f"error: store root 'store' at {store.resolve()}: "
        + ("not a folder; " if how == "missing" else "")
        + f"0 of {SAMPLE_FILES} indexed files found (is it mounted?); nothing marked gone; "
        "scan with --allow-gone to accept"
    )
    assert _states(url, "store") == {"indexed"}
    assert cli.json("match", "1", "--all", check=False) == matched, "the correction still matches"
    assert cli("scan", str(store), check=1).stderr.count("nothing marked gone") == 1  # table view

    # Mounted again: nothing to redo, everything unchanged.
    shutil.rmtree(store, ignore_errors=True)
    away.rename(store)
    assert cli.json("scan", str(store))["unchanged"] == SAMPLE_FILES

    # Really gone, and said so: --allow-gone marks every file gone.
    _unmount(store, empty=how == "empty")
    accepted = cli.json("scan", str(store), "--allow-gone")
    assert accepted["gone"] == SAMPLE_FILES and "refused" not in accepted
    assert _states(url, "store") == {"gone"}


def test_a_root_losing_most_files_is_refused_a_few_deletions_are_not(
    cli: Cli, tmp_path: Path
) -> None:
    url = cli.env["WIREFIX_DB_URL"]
    store = tmp_path / "store"
    photos = _photos(store, 60, per_dir=10)
    assert cli.json("scan", str(store))["new"] == 60

    for path in photos[:3]:  # an editor deletes a few photos: marked gone as always
        path.unlink()
    assert cli.json("scan", str(store))["gone"] == 3

    shutil.rmtree(store / "d001")  # 10 in a folder removed as a whole, 25 more one by one
    for path in photos[20:45]:
        path.unlink()
    proc = cli("scan", str(store), "--json", check=1)
    data = json.loads(proc.stdout)
    assert data["gone"] == 0 and data["unchanged"] == 22
    assert data["refused"] == [
        {"root": "store", "path": str(store), "reason": "most gone", "indexed": 57, "found": 22}
    ]
    assert _refusal_lines(proc.stderr) == [
        f"error: store root 'store' at {store}: 22 of 57 indexed files found, 35 would be marked "
        "gone at once (more than 50%); nothing marked gone; scan with --allow-gone to accept"
    ]
    rows = _rows(url)
    assert sum(state == "indexed" for state, _, _ in rows.values()) == 57

    # The guard is configurable ([store] gone_guard_share / gone_guard_files, or environment).
    cli.env["WIREFIX_GONE_GUARD_SHARE"] = "0.7"
    assert cli.json("scan", str(store))["gone"] == 35, "35 of 57 is under 70%"
    rows = _rows(url)
    assert sum(state == "gone" for state, _, _ in rows.values()) == 38


def test_guard_settings_are_checked(cli: Cli, tmp_path: Path) -> None:
    store = tmp_path / "store"
    _photos(store, 6)
    cli.env["WIREFIX_GONE_GUARD_SHARE"] = "1.5"
    proc = cli("scan", str(store), check=2)
    assert "gone_guard_share is a share between 0 and 1" in proc.stderr
    cli.env["WIREFIX_GONE_GUARD_SHARE"] = "0"
    cli.env["WIREFIX_GONE_GUARD_FILES"] = "2"
    assert cli.json("scan", str(store))["new"] == 6
    for path in sorted(store.rglob("*.jpg"))[:3]:
        path.unlink()
    refused = cli.json("scan", str(store), check=1)["refused"]
    assert refused[0]["reason"] == "most gone", "3 > 2 files and any share is too many"


def test_shards_judge_the_whole_root_and_mark_only_their_own(cli: Cli, tmp_path: Path) -> None:
    """A shard walks the whole root anyway, so it judges the loss on the whole root: every
    shard refuses alike, and a loss spread over four shards is not four small ones."""
    url = cli.env["WIREFIX_DB_URL"]
    store = tmp_path / "store"
    photos = _photos(store, 60, per_dir=10)
    shards = [(i, 4) for i in range(1, 5)]
    for i, n in shards:
        cli.json("scan", str(store), "--shard", f"{i}/{n}")
    assert len(_rows(url)) == 60

    def rel(p: Path) -> str:
        return str(p.relative_to(store))

    few = photos[:3]
    for path in few:
        path.unlink()
    for i, n in shards:
        gone = cli.json("scan", str(store), "--shard", f"{i}/{n}")["gone"]
        assert gone == sum(in_shard(rel(p), (i, n)) for p in few), "each shard marks its own"
    assert sum(state == "gone" for state, _, _ in _rows(url).values()) == 3

    lost = photos[10:50]  # 40 of the 57 left
    for path in lost:
        path.unlink()
    for i, n in shards:
        own = sum(in_shard(rel(p), (i, n)) for p in lost)
        assert own <= 20, "judged per shard, no shard's own loss would pass the guard's 20 files"
        proc = cli("scan", str(store), "--shard", f"{i}/{n}", "--json", check=1)
        data = json.loads(proc.stdout)
        assert data["gone"] == 0
        assert data["refused"][0] | {"path": None} == {
            "root": "store",
            "path": None,
            "reason": "most gone",
            "indexed": 57,
            "found": 17,
        }
    assert sum(state == "gone" for state, _, _ in _rows(url).values()) == 3
    total = sum(
        cli.json("scan", str(store), "--shard", f"{i}/{n}", "--allow-gone")["gone"]
        for i, n in shards
    )
    assert total == 40


def test_the_library_raises_a_typed_error_and_scans_the_other_roots(
    db_url: str, tmp_path: Path
) -> None:
    from wirefix.index.refusals import GoneGuard, ScanRefused

    a, b = tmp_path / "a", tmp_path / "b"
    _photos(a, 4)
    _photos(b, 4)
    db = Database(db_url)
    try:
        db.ensure_schema()
        assert scan(db, {"a": a, "b": b}, workers=1).new == 8
        shutil.rmtree(a)
        a.mkdir()
        (b / "d000" / "photo-00002.jpg").unlink()
        with pytest.raises(ScanRefused) as caught:
            scan(db, {"a": a, "b": b}, workers=1, guard=GoneGuard(share=0.5, files=20))
        assert isinstance(caught.value, DatabaseError)
        summary = caught.value.summary
        assert [(r.root, r.reason, r.indexed, r.found) for r in summary.refused] == [
            ("a", "none found", 4, 0)
        ]
        assert summary.gone == 1 and summary.unchanged == 3
        assert scan(db, {"a": a}, workers=1, allow_gone=True).gone == 4
    finally:
        db.close()


# -- wirefix run ---------------------------------------------------------------------------


def test_run_refuses_an_unmounted_root_and_keeps_the_review_work(
    cli: Cli, store: Path, tmp_path: Path, db_url: str
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = tmp_path / "wirefix.toml"
    config.write_text(
        f'db = "{db_url}"\n[store.roots]\nphotos = "{store}"\n[inbox]\nfolders = ["{inbox}"]\n',
        encoding="utf-8",
    )
    # Reworded caption: the matcher leaves the three Daraa files to a person (see test_run).
    text = NOTICE.read_text(encoding="utf-8").replace(
        "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
        "southern Syrian city of Daraa",
        "Smoke rises after a car bomb attack in Daraa",
    )
    (inbox / "variant.txt").write_text(text, encoding="utf-8")
    base = ["--config", str(config)]
    first = json.loads(cli("run", *base, "--json", check=3).stdout)
    assert first["review_pending"] == 3 and first["scan"]["new"] == SAMPLE_FILES

    away = _unmount(store, empty=True)
    proc = cli("run", *base, "--json", check=1)
    data = json.loads(proc.stdout)
    message = (
        f"store root 'photos' at {store.resolve()}: 0 of {SAMPLE_FILES} indexed files found "
        "(is it mounted?); nothing marked gone; scan with --allow-gone to accept"
    )
    assert data["scan_errors"] == [message] and data["exit_code"] == 1
    assert data["scan"]["gone"] == 0 and data["scan"]["refused"][0]["reason"] == "none found"
    assert data["review_pending"] == 3, "the open review work is still there"
    assert f"error: {message}" in proc.stderr.splitlines()
    status = cli.json("status", *base, check=3)  # 3: files wait for review (README, exit codes)
    assert status["files_pending_review"] == 3
    assert message in status["last_error"]["error"]
    assert _states(db_url, "photos") == {"indexed"}

    shutil.rmtree(store)
    away.rename(store)
    again = json.loads(cli("run", *base, "--json", check=3).stdout)
    assert again["scan"]["unchanged"] == SAMPLE_FILES and again["scan_errors"] == []


# -- scan-shard jobs (PostgreSQL workers) --------------------------------------------------


def test_scan_shard_jobs_refuse_an_emptied_mount(pg_url: str, tmp_path: Path) -> None:
    """The worker's mount point is there but empty (the share did not mount): every shard job
    fails with the reason, not retried, and marks nothing gone; a few deletions still are."""
    Host, finish = test_jobs.Host, test_jobs.finish

    real = tmp_path / "nfs-export"
    photos = _photos(real, 40, per_dir=10)
    mnt = tmp_path / "mnt"
    mnt.symlink_to(real, target_is_directory=True)
    host = Host(pg_url, tmp_path / "host", mnt, root_name="photos")
    host.cli("db", "upgrade")

    def scan_jobs() -> None:
        host.enqueue(pg_url, shards=2)
        finish(host.worker("--one-shot", "--queue", "scan", "--queue", "match"))

    scan_jobs()
    assert {state for state, _, _ in _rows(pg_url).values()} == {"indexed"}
    for path in photos[:3]:
        path.unlink()
    scan_jobs()
    assert sum(state == "gone" for state, _, _ in _rows(pg_url).values()) == 3

    empty = tmp_path / "empty"
    empty.mkdir()
    mnt.unlink()
    mnt.symlink_to(empty, target_is_directory=True)
    scan_jobs()
    state = host.cli.json("queue", check=1)
    failed = [f for f in state["failed"] if "scan_shard" in f["task"]]
    assert len(failed) == 2 and [f["attempts"] for f in failed] == [1, 1], "not retried"
    assert all(
        f"store root 'photos' at {empty}: 0 of 37 indexed files found (is it mounted?); "
        "nothing marked gone" in f["error"]
        for f in failed
    ), failed
    assert sum(state == "gone" for state, _, _ in _rows(pg_url).values()) == 3
