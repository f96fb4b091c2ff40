"""A scan does not hide its failures (issue 14): a root replaced while it is walked stops that
root's scan with an error, and files that newly cannot be indexed are named and exit 1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import storegen as g

import wirefix.index.scan as scan_module
from wirefix.index.refusals import ScanRefused
from wirefix.index.scan import scan
from wirefix.storage import Database


def _photos(folder: Path, count: int, per_dir: int = 10) -> None:
    for i in range(count):
        g.news_photo(folder / f"d{i // per_dir:03d}" / f"p{i:04d}.jpg", byline="ANN", ref=f"R{i}")


def test_a_root_swapped_during_the_scan_stops_that_root(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The swap happens at a known point of the walk (after the first batch of folders is
    planned), not after a sleep: the test does not depend on timing."""
    store = tmp_path / "store"
    _photos(store, 60)
    db = Database(sqlite_url)
    db.ensure_schema()
    assert scan(db, {"store": store}, workers=1).new == 60
    for path in store.rglob("*.jpg"):  # every file changed: the next scan must read them all
        os.utime(path, ns=(1, 1))
    monkeypatch.setattr(scan_module, "PLAN_BATCH", 12)
    swapped = []

    def swap_after_first_batch(kind: str, n: int) -> None:
        if kind == "seen" and not swapped:
            swapped.append(True)
            store.rename(tmp_path / "store-real")
            _photos(store, 3)  # another folder now stands at the root's path

    with pytest.raises(ScanRefused) as refused:
        scan(db, {"store": store}, workers=1, progress=swap_after_first_batch)
    [message] = refused.value.messages
    assert "replaced during the scan" in message and "nothing marked gone" in message
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT state, COUNT(*) FROM files GROUP BY state").all()
    states = {state: count for state, count in rows}
    db.close()
    assert states == {"indexed": 60}, "no file marked gone or failed because of the swap"


def test_only_new_failures_are_named(sqlite_url: str, tmp_path: Path) -> None:
    store = tmp_path / "store"
    _photos(store, 4)
    for n in range(7):
        (store / f"broken-{n}.jpg").write_bytes(b"not a photo" * 10)
    db = Database(sqlite_url)
    db.ensure_schema()
    first = scan(db, {"store": store}, workers=1)
    assert (first.failed, first.new_failed, first.known_failed) == (7, 7, 0)
    lines = first.new_failure_lines()
    assert len(lines) == 6 and lines[-1].startswith("2 more files could not be indexed")
    assert all("not indexed (not an image" in line for line in lines[:5])
    second = scan(db, {"store": store}, workers=1)
    assert (second.failed, second.new_failed, second.known_failed) == (0, 0, 7)
    assert second.new_failure_lines() == []
    (store / "broken-0.jpg").write_bytes(b"")  # broken anew, for another reason
    third = scan(db, {"store": store}, workers=1)
    db.close()
    assert (third.failed, third.new_failed, third.known_failed) == (1, 1, 6)
    assert third.new_failures[0][1].startswith("zero-byte file")
