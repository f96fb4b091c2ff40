"""Stage 2a, scan: index the media store's matching-relevant metadata, incrementally (SPEC §4, §9).

The walk goes folder by folder; each batch of folders is compared with the index in one query, so
memory stays flat however large the store. An unchanged file (same size, mtime_ns and inode) is
not read again; a file no longer on disk is marked gone once the whole root has been walked, and
only if the root still looks like itself (`GoneGuard`): a root that is missing, holds none of
its indexed files, or would lose most of them at once is what an unmounted share looks like, and
its files are left as they were unless the caller allows it. Files to read go in batches to a worker
per core (`readers.read_batch`: fast JPEG path, ExifTool for the rest), and every batch of results
is committed as it arrives: an interrupted scan (Ctrl-C, SIGKILL) keeps everything committed and
the next scan resumes where it stopped, because those files are then unchanged.
"""

from __future__ import annotations

import os
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirefix.index.leftovers import judge_all
from wirefix.index.refusals import GoneGuard, Refusal, ScanRefused
from wirefix.index.summary import READ_BATCH, Progress, ScanSummary, _RootWatch
from wirefix.index.walk import _bad_name, _transient, _utf8_name, in_shard, walk
from wirefix.index.workers import _Readers, _Writer
from wirefix.storage import Database

PLAN_BATCH = 5000  # files compared with the index per query round


def scan(
    db: Database,
    roots: dict[str, Path],
    workers: int | None = None,
    shard: tuple[int, int] | None = None,
    progress: Progress | None = None,
    allow_gone: bool = False,
    guard: GoneGuard | None = None,
) -> ScanSummary:
    """Index every root (name -> folder) with `workers` processes (default: one per core).

    A root `guard` refuses keeps its files as they were, and the other roots are still
    scanned; then `ScanRefused` is raised with the summary. `allow_gone` accepts the loss.
    """
    workers = workers or os.cpu_count() or 1
    guard = guard or GoneGuard()
    summary = ScanSummary()
    with _Readers(workers) as pool:
        for name, folder in roots.items():
            folder = folder.resolve()
            missing = not folder.is_dir()
            if missing:
                tally = _missing_root(db, name, folder, shard, summary)
            else:
                tally = _scan_root(db, name, folder, pool, shard, summary, progress)
            if tally is None:
                continue
            if not allow_gone:
                refusal = guard.judge(name, folder, tally.found, tally.lost, missing)
                if refusal is not None:
                    summary.refused.append(refusal)
                    continue
            db.mark_gone(tally.gone)
            summary.gone += len(tally.gone)
            if not missing:
                db.ensure_root(name, str(folder))  # the root's path moves only once accepted
    if summary.refused:
        raise ScanRefused(summary)
    return summary


@dataclass
class _Tally:
    """One root's live index rows as the walk found them. `found` and `lost` count every
    shard's files (a shard's walk lists the whole root anyway), so every shard judges the root
    alike; `gone` holds this shard's lost rows, marked only once the whole root was seen."""

    found: int = 0
    lost: int = 0
    gone: array[int] = field(default_factory=lambda: array("q"))

    def lose(self, file_id: int, rel_path: str, shard: tuple[int, int] | None) -> None:
        self.lost += 1
        if in_shard(rel_path, shard):
            self.gone.append(file_id)


def _missing_root(
    db: Database, name: str, folder: Path, shard: tuple[int, int] | None, summary: ScanSummary
) -> _Tally | None:
    """A root folder that is not there: all its indexed files would be gone."""
    tally = _Tally()
    for fid, rel in db.files_in_dirs(name, db.known_dirs(name)):
        tally.lose(fid, rel, shard)
    if not tally.lost:  # nothing to protect, but still not a store root
        summary.refused.append(Refusal(name, str(folder), "not a folder", 0, 0))
        return None
    return tally


def _scan_root(
    db: Database,
    name: str,
    folder: Path,
    pool: _Readers,
    shard: tuple[int, int] | None,
    summary: ScanSummary,
    progress: Progress | None,
) -> _Tally | None:
    db.ensure_root(name, str(folder), move=False)
    unreadable: list[str] = []
    leftovers: list[str] = []
    visited: set[str] = set()
    watch = _RootWatch(folder)
    writer = _Writer(db, name, summary, progress, watch)
    tally = _Tally()
    batch: list[tuple[str, list[tuple[str, Any]]]] = []
    size = 0
    for rel_dir, files in walk(folder, unreadable, leftovers):
        if watch.replaced():
            break
        visited.add(rel_dir)
        batch.append((rel_dir, files))
        size += len(files) + 1
        if size >= PLAN_BATCH:
            _plan(db, name, str(folder), batch, pool, writer, shard, summary, tally, progress)
            batch, size = [], 0
    if not watch.replaced():
        _plan(db, name, str(folder), batch, pool, writer, shard, summary, tally, progress)
    for rows in pool.drain():
        writer.add(rows)
    writer.flush()
    summary.leftovers += judge_all(name, folder, leftovers)  # reported; `backups prune` removes
    if watch.replaced():
        # What was walked after the swap is another folder's: no file is marked gone, and the
        # reads that failed because of it were not recorded (`_Writer.add`).
        summary.refused.append(Refusal(name, str(folder), "changed", 0, 0))
        return None
    # Folders removed as a whole: their files are gone (unless we could not look inside).
    vanished = [
        d
        for d in db.known_dirs(name) - visited
        if not any(d == u or d.startswith(u + "/") or not u for u in unreadable)
    ]
    for fid, rel in db.files_in_dirs(name, vanished):
        tally.lose(fid, rel, shard)
    return tally


def _plan(
    db: Database,
    root: str,
    folder: str,
    batch: list[tuple[str, list[tuple[str, Any]]]],
    pool: _Readers,
    writer: _Writer,
    shard: tuple[int, int] | None,
    summary: ScanSummary,
    tally: _Tally,
    progress: Progress | None,
) -> None:
    """Compare one batch of folders with the index; queue what changed, tally what went."""
    if not batch:
        return
    known = {s.rel_path: s for s in db.file_states(root, [d for d, _ in batch])}
    todo: list[tuple[str, int, int, int]] = []
    seen = unchanged = found = 0
    for _, files in batch:
        for rel, st in files:  # the other hot loop of a rescan
            old = known.pop(rel, None)
            bad_name = old is None and not _utf8_name(rel)
            if bad_name:
                shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                old = known.pop(shown, None)
            if old is not None and old.state != "gone":
                found += 1
            if shard and not in_shard(rel, shard):
                continue  # another shard's file: counted for the guard, not read here
            seen += 1
            if bad_name:
                rel = shown
            if old is not None and old.state != "gone":
                if (old.size, old.mtime_ns, old.inode) == (
                    st.st_size,
                    st.st_mtime_ns,
                    st.st_ino,
                ) and not _transient(old):
                    unchanged += 1
                    if old.state == "failed":
                        summary.known_failed += 1
                    continue
                summary.changed += 1
            else:
                summary.new += 1
            if old is not None and old.state == "failed":
                writer.known_failures[rel] = old.error or ""
            if bad_name:
                writer.add([_bad_name(rel, st)])
                continue
            todo.append((rel, st.st_size, st.st_mtime_ns, st.st_ino))
    summary.seen += seen
    summary.unchanged += unchanged
    tally.found += found
    for s in known.values():
        if s.state != "gone":
            tally.lose(s.id, s.rel_path, shard)
    if progress:
        progress("seen", seen)
        progress("queued", len(todo))
    for start in range(0, len(todo), READ_BATCH):
        for rows in pool.submit(folder, todo[start : start + READ_BATCH]):
            writer.add(rows)
