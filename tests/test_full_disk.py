"""A full disk fails cleanly and leaves nothing behind (issue 14, item 4).

The store and the backup folder live on a real small filesystem (tmpfs, mounted here as root;
skipped with the reason where mounting is not allowed). Every temporary wirefix makes (backup
temporaries, new files beside the photos) is removed when its write fails, and those of a run
that was killed are cleared by the next one; the error names the folder that is full.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES, exiftool_tags

from wirefix.rewrite.backups import BackupStore, _host_tag

DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
COPIES = 20
PAD = 60_000  # bytes of comment per copy: 20 distinct ~70 kB photos, so 20 distinct backups


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(store: Path) -> dict[str, str]:
    return {str(p.relative_to(store)): sha(p) for p in sorted(store.rglob("*")) if p.is_file()}


def leftovers(*folders: Path) -> list[str]:
    return [
        str(p)
        for folder in folders
        for p in folder.rglob("*")
        if p.is_file() and (p.name.endswith(".tmp") or p.name.startswith(".wirefix-"))
    ]


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs; the test grows it with `grow`."""
    yield from _tmpfs(tmp_path / "small")


@pytest.fixture
def backup_fs(tmp_path: Path) -> Iterator[Path]:
    """A second 2 MB tmpfs, for the backups: on the store's own filesystem a backup is a hard
    link to the original and takes no room, so only a backup folder elsewhere (the copy
    fallback) can fill up."""
    yield from _tmpfs(tmp_path / "backup-fs")


def _tmpfs(mount: Path) -> Iterator[Path]:
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def grow(mount: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(mount)], check=True)


def distinct_copy(source: Path, target: Path, n: int) -> None:
    """The photo with a JPEG comment of its own, so that every copy has its own backup."""
    data = source.read_bytes()
    text = (f"wirefix full-disk padding {n:04d} " * (PAD // 30))[:PAD].encode()
    com = b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text
    target.write_bytes(data[:2] + com + data[2:])


def test_a_full_disk_fails_cleanly_and_the_rerun_finishes(
    cli, small_fs: Path, backup_fs: Path
) -> None:
    store, backups = small_fs / "store", backup_fs / "backups"
    shutil.copytree(SAMPLES / "store", store)
    for i in range(COPIES):
        distinct_copy(store / DARAA, store / DARAA.replace(".jpg", f"-copy{i}.jpg"), i)
    cli.env["WIREFIX_BACKUP_DIR"] = str(backups)
    notice = str(cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"])
    cli("scan", str(store))
    cli("match", notice)
    old = snapshot(store)
    used = sum((store / rel).stat().st_size for rel in old)
    grow(small_fs, str(used + 300_000))  # room for a few new files beside the photos
    grow(backup_fs, "300k")  # room for a few backups, not 23
    proc = cli("apply", notice, "--yes", "--json", check=1)
    done = json.loads(proc.stdout)
    failed = [f for f in done["files"] if f["status"] == "failed"]
    assert failed and len(done["files"]) == COPIES + 3
    for f in done["files"]:
        rel = str(Path(f["path"]).relative_to(store))
        if f["status"] == "failed":
            assert sha(Path(f["path"])) == old[rel], "a file that failed is untouched"
            assert re.search(r"folder \S+ is full \(No space left on device\)", f["message"])
        else:
            assert f["status"] == "changed", f
    assert any(f"backup folder {backups} is full" in f["message"] for f in failed)
    errors = [line for line in proc.stderr.splitlines() if "is full" in line]
    assert len(errors) == len(failed) and "Traceback" not in proc.stderr
    assert leftovers(store, backups) == [], "every temporary of a failed write is removed"
    entries = [
        json.loads(json.loads(x)["payload"]) for x in cli("audit", "export").stdout.splitlines()
    ]
    assert {e["path"] for e in entries if e["outcome"] == "failed"} == {f["path"] for f in failed}
    grow(small_fs, "64m")
    grow(backup_fs, "64m")
    again = cli.json("apply", notice, "--yes")
    assert {f["path"] for f in again["files"] if f["status"] == "changed"} == {
        f["path"] for f in failed
    }
    assert leftovers(store, backups) == []
    for f in done["files"]:
        assert exiftool_tags(Path(f["path"]))["IPTC:By-line"] == "MOHAMAD ABAZEED"
    assert cli.json("audit", "verify")["ok"] is True


def test_backup_temporaries_of_a_killed_run_are_cleared_by_the_next(
    cli, store: Path, tmp_path: Path
) -> None:
    notice = str(cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"])
    cli("scan", str(store))
    cli("match", notice)
    env = dict(cli.env, WIREFIX_CRASH_AT="backup-written:1")
    killed = subprocess.run(
        [sys.executable, "-m", "wirefix", "apply", notice, "--yes"], env=env, capture_output=True
    )
    assert killed.returncode == -signal.SIGKILL
    backups = Path(cli.env["WIREFIX_BACKUP_DIR"])
    assert [p for p in backups.rglob("*.tmp")], "the kill left a backup temporary"
    cli("apply", notice, "--yes")
    assert leftovers(store, backups) == []
    assert cli.json("audit", "verify")["ok"] is True


def test_sweep_keeps_live_runs_temporaries(tmp_path: Path) -> None:
    """Only a dead run's temporary (or an hour-old one from before owners were named) goes:
    another live run may be writing the same backup."""
    store = BackupStore(tmp_path / "b")
    data = b"original bytes"
    digest = hashlib.sha256(data).hexdigest()
    folder = store.path_for(digest).parent
    folder.mkdir(parents=True)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    dead_pid = int(gone.stdout)
    me = Path(f"/proc/{os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()[19]
    names = {
        "dead": f".{digest}.{uuid.uuid4().hex}.{_host_tag()}-{dead_pid}-1.tmp",
        "live": f".{digest}.{uuid.uuid4().hex}.{_host_tag()}-{os.getpid()}-{me}.tmp",
        "other host": f".{digest}.{uuid.uuid4().hex}.00000000-{dead_pid}-1.tmp",
        "old legacy": f".{digest}.{uuid.uuid4().hex}.tmp",
        "new legacy": f".{'a' * 64}.{uuid.uuid4().hex}.tmp",
    }
    for name in names.values():
        (folder / name).write_bytes(b"partial")
    hour_ago = os.stat(folder / names["old legacy"]).st_mtime_ns - 2 * 3600 * 10**9
    os.utime(folder / names["old legacy"], ns=(hour_ago, hour_ago))
    store.put_bytes(data, digest)
    left = {p.name for p in folder.iterdir()}
    assert names["dead"] not in left and names["old legacy"] not in left
    assert {names["live"], names["other host"], names["new legacy"]} <= left
    assert store.path_for(digest).read_bytes() == data
