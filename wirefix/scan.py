"""Stage 2a, scan: index the media store's matching-relevant metadata, incrementally (SPEC §4, §9).

The walk goes folder by folder; each batch of folders is compared with the index in one query, so
memory stays flat however large the store. An unchanged file (same size, mtime_ns and inode) is
not read again; a file no longer on disk is marked gone. Files to read go in batches to a worker
per core (`readers.read_batch`: fast JPEG path, ExifTool for the rest), and every batch of results
is committed as it arrives: an interrupted scan (Ctrl-C, SIGKILL) keeps everything committed and
the next scan resumes where it stopped, because those files are then unchanged.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wirefix import readers
from wirefix.storage import Database
from wirefix.storage.files import FileState

IMAGE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".jpe",
    ".tif",
    ".tiff",
    ".png",
    ".heic",
    ".heif",
    ".webp",
    ".dng",
    ".psd",
}
PLAN_BATCH = 5000  # files compared with the index per query round
READ_BATCH = 100  # files per worker task
WRITE_BATCH = 1000  # rows per transaction

Progress = Callable[[str, int], None]  # ("seen" | "queued" | "read", count)


@dataclass
class ScanSummary:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    failed: int = 0
    #: (rel_path, reason) of the first files that failed in this scan, for the table view.
    failures: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, int]:
        data = asdict(self)
        del data["failures"]
        return data


def root_name(path: str | Path) -> str:
    """A store root is named after its folder unless the caller names it."""
    return Path(path).resolve().name or "root"


def parse_shard(text: str) -> tuple[int, int]:
    """ "2/4" -> (2, 4): this host scans the second of four parts (1-based)."""
    index, _, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise ValueError(f"--shard wants i/n such as 1/4, not {text!r}") from None
    if not 1 <= i <= n:
        raise ValueError(f"--shard {text}: i must be between 1 and n")
    return i, n


def in_shard(rel_path: str, shard: tuple[int, int] | None) -> bool:
    """Deterministic on every host: CRC-32 of the path relative to the store root."""
    if shard is None:
        return True
    return zlib.crc32(rel_path.encode("utf-8", "surrogateescape")) % shard[1] == shard[0] - 1


def walk(root: Path, unreadable: list[str]) -> Iterator[tuple[str, list[tuple[str, Any]]]]:
    """(folder relative to root, [(rel_path, stat)]) for every folder, depth first.

    ExifTool's temporary files (`*_exiftool_tmp`, `*_original`) have no image suffix and ours
    start with `.wirefix-`: both are skipped, being half-written. A folder that cannot be
    listed is reported in `unreadable` (its files are then not marked gone).
    """
    stack = [""]
    base = str(root)
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(base, rel_dir) if rel_dir else base) as it:
                entries = list(it)  # unsorted: each folder is compared as a whole anyway
        except OSError:
            unreadable.append(rel_dir)
            continue
        files, subdirs = [], []
        prefix = f"{rel_dir}/" if rel_dir else ""
        for entry in entries:  # the hot loop of a rescan: cheapest test first
            name = entry.name
            dot = name.rfind(".")
            try:
                if (
                    dot > 0
                    and name[dot:].lower() in IMAGE_SUFFIXES
                    and entry.is_file(follow_symlinks=False)
                ):
                    if not name.startswith(".wirefix-"):  # our half-written temporary files
                        files.append((prefix + name, entry.stat(follow_symlinks=False)))
                elif entry.is_dir(follow_symlinks=False):
                    subdirs.append(prefix + name)
            except OSError:
                continue  # vanished while we looked
        yield rel_dir, files
        stack.extend(reversed(subdirs))


def scan(
    db: Database,
    roots: dict[str, Path],
    workers: int | None = None,
    shard: tuple[int, int] | None = None,
    progress: Progress | None = None,
) -> ScanSummary:
    """Index every root (name -> folder) with `workers` processes (default: one per core)."""
    workers = workers or os.cpu_count() or 1
    summary = ScanSummary()
    with _Readers(workers) as pool:
        for name, folder in roots.items():
            _scan_root(db, name, folder.resolve(), pool, shard, summary, progress)
    return summary


def _scan_root(
    db: Database,
    name: str,
    folder: Path,
    pool: _Readers,
    shard: tuple[int, int] | None,
    summary: ScanSummary,
    progress: Progress | None,
) -> None:
    db.ensure_root(name, str(folder))
    unreadable: list[str] = []
    visited: set[str] = set()
    writer = _Writer(db, name, summary, progress)
    batch: list[tuple[str, list[tuple[str, Any]]]] = []
    size = 0
    for rel_dir, files in walk(folder, unreadable):
        visited.add(rel_dir)
        batch.append((rel_dir, [f for f in files if in_shard(f[0], shard)] if shard else files))
        size += len(files) + 1
        if size >= PLAN_BATCH:
            _plan(db, name, str(folder), batch, pool, writer, shard, summary, progress)
            batch, size = [], 0
    _plan(db, name, str(folder), batch, pool, writer, shard, summary, progress)
    for rows in pool.drain():
        writer.add(rows)
    writer.flush()
    # Folders removed as a whole: their files are gone (unless we could not look inside).
    vanished = [
        d
        for d in db.known_dirs(name) - visited
        if not any(d == u or d.startswith(u + "/") or not u for u in unreadable)
    ]
    gone = [fid for fid, rel in db.files_in_dirs(name, vanished) if in_shard(rel, shard)]
    db.mark_gone(gone)
    summary.gone += len(gone)


def _plan(
    db: Database,
    root: str,
    folder: str,
    batch: list[tuple[str, list[tuple[str, Any]]]],
    pool: _Readers,
    writer: _Writer,
    shard: tuple[int, int] | None,
    summary: ScanSummary,
    progress: Progress | None,
) -> None:
    """Compare one batch of folders with the index; queue what changed, mark what went."""
    if not batch:
        return
    known = {s.rel_path: s for s in db.file_states(root, [d for d, _ in batch])}
    todo: list[tuple[str, int, int, int]] = []
    seen = unchanged = 0
    for _, files in batch:
        seen += len(files)
        for rel, st in files:  # the other hot loop of a rescan
            old = known.pop(rel, None)
            bad_name = old is None and not _utf8_name(rel)
            if bad_name:
                rel = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                old = known.pop(rel, None)
            if old is not None and old.state != "gone":
                if (old.size, old.mtime_ns, old.inode) == (
                    st.st_size,
                    st.st_mtime_ns,
                    st.st_ino,
                ) and not _transient(old):
                    unchanged += 1
                    continue
                summary.changed += 1
            else:
                summary.new += 1
            if bad_name:
                writer.add([_bad_name(rel, st)])
                continue
            todo.append((rel, st.st_size, st.st_mtime_ns, st.st_ino))
    summary.seen += seen
    summary.unchanged += unchanged
    gone = [s.id for s in known.values() if s.state != "gone" and in_shard(s.rel_path, shard)]
    if gone:
        db.mark_gone(gone)
        summary.gone += len(gone)
    if progress:
        progress("seen", seen)
        progress("queued", len(todo))
    for start in range(0, len(todo), READ_BATCH):
        for rows in pool.submit(folder, todo[start : start + READ_BATCH]):
            writer.add(rows)


def _transient(state: FileState) -> bool:
    """Failures that may clear without the file changing (permissions, network mounts, an
    ExifTool hang) are tried again on every scan; a broken file is not."""
    return state.state == "failed" and (state.error or "").startswith(
        ("unreadable", "ExifTool: ExifTool did not answer", "ExifTool: ExifTool exited")
    )


def _utf8_name(rel: str) -> bool:
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_name(shown: str, st: Any) -> dict[str, Any]:
    """A name that is not UTF-8 cannot be stored or handed on; it is listed as failed."""
    return {
        "rel_path": shown,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "inode": st.st_ino,
        "state": "failed",
        "error": "file name is not valid UTF-8: rename it to index it",
        "fields": {},
    }


class _Writer:
    """Buffers result rows and commits them in batches."""

    def __init__(self, db: Database, root: str, summary: ScanSummary, progress: Progress | None):
        self.db, self.root, self.summary, self.progress = db, root, summary, progress
        self.rows: list[dict[str, Any]] = []

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)
        for row in rows:
            if row["state"] == "failed":
                self.summary.failed += 1
                if len(self.summary.failures) < 20:
                    self.summary.failures.append((row["rel_path"], row["error"]))
        if self.progress:
            self.progress("read", len(rows))
        if len(self.rows) >= WRITE_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.db.save_files(self.root, self.rows)
            self.rows = []


class _Readers:
    """A worker per core reading batches, at most a few batches in flight (flat memory).

    Workers ignore Ctrl-C (the scan stops them) and die with the scan if it is killed, so no
    worker or ExifTool outlives an interrupted scan.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: Any = None
        self.inflight: deque[Any] = deque()

    def __enter__(self) -> _Readers:
        return self

    def submit(self, folder: str, items: list[tuple[str, int, int, int]]) -> Iterator[Any]:
        """Queue one batch; yields the results of batches that are done, oldest first."""
        if self.workers == 1:
            yield readers.read_batch(folder, items)
            return
        if self.pool is None:  # started on first use: a rescan of an unchanged store forks nothing
            ctx = multiprocessing.get_context("fork")
            self.pool = ctx.Pool(self.workers, initializer=_init_worker)
        self.inflight.append(self.pool.apply_async(readers.read_batch, (folder, items)))
        while len(self.inflight) > 2 * self.workers or (self.inflight and self.inflight[0].ready()):
            yield self.inflight.popleft().get()

    def drain(self) -> Iterator[Any]:
        while self.inflight:
            yield self.inflight.popleft().get()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self.pool is None:
            readers.close_worker_exiftool()
            return
        if exc_type is None:
            self.pool.close()
        else:
            self.pool.terminate()
        self.pool.join()


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):  # Linux: die with the parent, no orphans after SIGKILL
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    multiprocessing.util.Finalize(None, readers.close_worker_exiftool, exitpriority=10)
