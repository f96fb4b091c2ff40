"""Scan: incremental, gone, failed-with-reason, shards, and a scan killed mid-way that resumes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import storegen as g
from conftest import Cli

from wirefix.storage import Database


def _photos(folder: Path, count: int, per_dir: int = 50) -> list[Path]:
    return [
        g.news_photo(
            folder / f"d{i // per_dir:03d}" / f"photo-{i:05d}.jpg",
            byline=f"Photographer {i % 7}",
            credit="AFP",
            caption=f"Caption number {i}",
            date=f"2017-02-{1 + i % 28:02d}",
            city="Daraa",
            ref=f"REF{i:05d}",
        )
        for i in range(count)
    ]


def _rows(url: str) -> dict[str, tuple[str, str | None, str | None]]:
    """rel_path -> (state, reader, error) as the index holds them."""
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT rel_path, state, reader, error FROM files").all()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}
    finally:
        db.close()


def test_scan_records_odd_files_and_rescans_incrementally(cli: Cli, tmp_path: Path) -> None:
    store = tmp_path / "store"
    _photos(store, 120)
    odd = store / "odd"
    odd.mkdir()
    good = (store / "d000" / "photo-00000.jpg").read_bytes()
    (odd / "zero.jpg").write_bytes(b"")
    (odd / "truncated.jpg").write_bytes(good[:200])
    (odd / "rubbish.jpg").write_bytes(b"this is not an image at all" * 10)
    from PIL import Image

    Image.new("RGB", (8, 8)).save(odd / "png-named.jpg", "PNG")
    (odd / "Ünïcødé 写真.jpg").write_bytes(good)
    (odd / "-n.jpg").write_bytes(good)
    (odd / "--help.jpg").write_bytes(good[:200])  # falls back to ExifTool: must not be an option
    (odd / "line\nbreak.jpg").write_bytes(good[:200])
    (odd / b"latin1-\xe9.jpg".decode("utf-8", "surrogateescape")).write_bytes(good)

    proc = cli("scan", str(store), "--json", check=1)  # new failures: exit 1, named on stderr
    summary = json.loads(proc.stdout)
    assert summary == {
        "seen": 129,
        "new": 129,
        "changed": 0,
        "unchanged": 0,
        "gone": 0,
        "failed": 4,
        "new_failed": 4,
        "known_failed": 0,
    }
    named = proc.stderr.strip().splitlines()
    assert len(named) == 4 and all(line.startswith("error: odd/") for line in named), named
    rows = _rows(cli.env["WIREFIX_DB_URL"])
    failed = {rel: err for rel, (state, _, err) in rows.items() if state == "failed"}
    assert failed["odd/zero.jpg"].startswith("zero-byte file")
    assert failed["odd/rubbish.jpg"] == "not an image: ExifTool reads it as TXT"
    assert "line break" in failed["odd/line\nbreak.jpg"]
    assert "not valid UTF-8" in failed["odd/latin1-\\xe9.jpg"]
    assert rows["odd/--help.jpg"] == ("indexed", "exiftool", "ExifTool warning: JPEG format error")
    assert rows["odd/truncated.jpg"] == rows["odd/--help.jpg"]
    assert rows["odd/png-named.jpg"][:2] == ("indexed", "exiftool")
    assert rows["odd/Ünïcødé 写真.jpg"][:2] == ("indexed", "fast")
    assert rows["odd/-n.jpg"][:2] == ("indexed", "fast")
    assert rows["d000/photo-00001.jpg"][:2] == ("indexed", "fast")
    db = Database(cli.env["WIREFIX_DB_URL"])
    assert {(rel, why) for _, rel, why in db.failed_files()} == set(failed.items())
    db.close()
    table = cli("scan", str(tmp_path / "store" / "odd"), check=1).stdout  # another root, table
    assert "not indexed" in table and "zero-byte file" in table

    # Known broken files are counted, not named again: exit 0.
    again = cli.json("scan", str(store))
    assert again == {**summary, "new": 0, "unchanged": 129, "failed": 0, "new_failed": 0,
                     "known_failed": 4}  # fmt: skip

    # One file rewritten, one deleted, a folder removed as a whole.
    g.news_photo(store / "d000" / "photo-00002.jpg", byline="Someone Else", ref="NEW")
    (store / "d000" / "photo-00003.jpg").unlink()
    shutil.rmtree(store / "d001")
    third = cli.json("scan", str(store))
    assert third["changed"] == 1
    assert third["gone"] == 1 + 50
    assert third["seen"] == 129 - 51
    rows = _rows(cli.env["WIREFIX_DB_URL"])
    assert rows["d001/photo-00050.jpg"][0] == "gone"
    assert rows["d000/photo-00003.jpg"][0] == "gone"


def test_shards_split_the_store_without_overlap(cli: Cli, tmp_path: Path) -> None:
    store = tmp_path / "store"
    _photos(store, 90, per_dir=10)
    first = cli.json("scan", str(store), "--shard", "1/2")
    second = cli.json("scan", str(store), "--shard", "2/2")
    assert first["seen"] + second["seen"] == 90
    assert 20 < first["seen"] < 70, "CRC-32 of the path spreads files over both shards"
    assert first["gone"] == second["gone"] == 0, "a shard never marks another shard's files gone"
    rows = _rows(cli.env["WIREFIX_DB_URL"])
    assert len(rows) == 90 and {r[0] for r in rows.values()} == {"indexed"}
    assert cli.json("scan", str(store), "--shard", "1/2")["unchanged"] == first["seen"]
    assert cli("scan", str(store), "--shard", "3/2", check=2).stderr.startswith("error:")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "Ctrl-C"])
def test_a_killed_scan_keeps_its_work_and_resumes(
    sqlite_url: str, tmp_path: Path, sig: signal.Signals
) -> None:
    store = tmp_path / "store"
    total = 3000
    _photos(store, total, per_dir=100)
    cli = Cli(sqlite_url, tmp_path / "home")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wirefix", "scan", str(store), "--workers", "2", "--json"],
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            committed = len(_rows(sqlite_url))
        except Exception:  # schema not there yet
            continue
        if committed >= 1000:
            break
    if proc.poll() is not None:
        pytest.skip("the scan finished before it could be killed")
    os.kill(proc.pid, sig)
    code = proc.wait(timeout=60)
    assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 130)
    kept = len(_rows(sqlite_url))
    assert 1000 <= kept < total
    orphans = ["?"]
    for _ in range(100):  # workers get SIGTERM from the kernel; their ExifTool then sees EOF
        orphans = subprocess.run(
            ["pgrep", "-s", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        if not orphans:
            break
        time.sleep(0.1)
    assert orphans == [], "workers and their ExifTool die with the scan"

    resumed = cli.json("scan", str(store))
    assert resumed["unchanged"] == kept
    assert resumed["new"] == total - kept
    rows = _rows(sqlite_url)
    assert len(rows) == total and {r[0] for r in rows.values()} == {"indexed"}


def test_transient_failures_are_retried_broken_files_are_not(
    sqlite_url: str, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    _photos(store, 3)
    (store / "zero.jpg").write_bytes(b"")
    cli = Cli(sqlite_url, tmp_path / "home")
    assert cli.json("scan", str(store), check=1)["failed"] == 1
    db = Database(sqlite_url)
    with db.engine.begin() as conn:  # as if the NFS mount had hiccupped during the last scan
        conn.exec_driver_sql(
            "UPDATE files SET state = 'failed', error = 'unreadable: Input/output error' "
            "WHERE rel_path = 'd000/photo-00001.jpg'"
        )
    db.close()
    again = cli.json("scan", str(store))
    assert (again["changed"], again["unchanged"], again["failed"]) == (1, 3, 0)
    assert _rows(sqlite_url)["d000/photo-00001.jpg"][:2] == ("indexed", "fast")
    assert _rows(sqlite_url)["zero.jpg"][0] == "failed"
