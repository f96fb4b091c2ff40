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

import contextlib
import ctypes
import multiprocessing
import os
import signal
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wirefix.index import readers
from wirefix.storage import Database, DatabaseError
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
    #: Of `failed`, the files that were not failing, or failing for another reason, before this
    #: scan: what a person must hear about (a file already known as broken is not re-alarmed).
    new_failed: int = 0
    #: Files known as broken from an earlier scan and unchanged since: counted, not read again.
    known_failed: int = 0
    #: (rel_path, reason) of the first files that failed in this scan, for the table view.
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: (rel_path, reason) of the first new failures, named on stderr.
    new_failures: list[tuple[str, str]] = field(default_factory=list)
    #: Roots whose files were left as they were instead of being marked gone.
    refused: list[Refusal] = field(default_factory=list)

    def new_failure_lines(self, limit: int = 5) -> list[str]:
        """One line per new failure, the first `limit` of them, then how many more."""
        lines = [f"{_shown(rel)}: not indexed ({why})" for rel, why in self.new_failures[:limit]]
        if self.new_failed > limit:
            lines.append(
                f"{self.new_failed - limit:,} more files could not be indexed in this scan "
                "(scan --json; each reason is kept in the index)"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The counts; `refused` only when a root was refused, so a normal scan's JSON is as
        it always was."""
        data: dict[str, Any] = asdict(self)
        del data["failures"], data["refused"], data["new_failures"]
        if self.refused:
            data["refused"] = [r.to_dict() for r in self.refused]
        return data


@dataclass(frozen=True)
class GoneGuard:
    """When a scan refuses to mark a root's files gone: the root is missing, none of its
    indexed files is there, or more than `share` of them and more than `files` would go at
    once. A share that is not mounted, a mirror half synced or the wrong folder mounted look
    like that; a person deleting a few photos does not (`[store]` in the configuration)."""

    share: float = 0.5
    files: int = 20

    def judge(
        self, name: str, folder: Path, found: int, lost: int, missing: bool = False
    ) -> Refusal | None:
        """`found` and `lost`: the root's live index rows whose file is (not) there."""
        indexed = found + lost
        if not lost:
            return None
        if not found:
            return Refusal(name, str(folder), "missing" if missing else "none found", indexed, 0)
        if lost > self.files and lost > self.share * indexed:
            return Refusal(name, str(folder), "most gone", indexed, found, self.share)
        return None


@dataclass(frozen=True)
class Refusal:
    """One root the scan would not mark gone, and why (`reason`: missing, none found, most
    gone, changed (the folder was replaced while it was walked), or not a folder when nothing
    is indexed there either)."""

    root: str
    path: str
    reason: str
    indexed: int
    found: int
    share: float = 0.5

    def message(self) -> str:
        where = f"store root {self.root!r} at {self.path}"
        if self.reason == "not a folder":
            return f"{where}: not a folder"
        if self.reason == "changed":
            return (
                f"{where}: the folder was replaced during the scan (another device or inode: "
                "remounted or swapped?); scan of this root stopped, nothing marked gone; "
                "scan again"
            )
        counts = f"{self.found:,} of {self.indexed:,} indexed files found"
        if self.reason == "missing":
            why = f"not a folder; {counts} (is it mounted?)"
        elif self.reason == "none found":
            why = f"{counts} (is it mounted?)"
        else:
            lost = self.indexed - self.found
            why = f"{counts}, {lost:,} would be marked gone at once (more than {self.share:.0%})"
        return f"{where}: {why}; nothing marked gone; scan with --allow-gone to accept"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["share"]
        return data


class ScanRefused(DatabaseError):
    """Some roots were left as they were rather than marked gone (`summary.refused`); every
    other root was scanned. `summary` holds the whole scan's counts, for the caller to show."""

    def __init__(self, summary: ScanSummary) -> None:
        self.summary = summary
        self.messages = [r.message() for r in summary.refused]
        super().__init__("\n".join(self.messages))


def _shown(rel: str) -> str:
    """A path on one line: control characters (a newline in a file name) escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in rel)


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


class _RootWatch:
    """A store root's identity (device, inode) when its scan began, to notice a remount or a
    swapped folder while it is walked: files read after that belong to another folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.identity = self._identity()
        self.gone = False

    def _identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.folder)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def replaced(self) -> bool:
        if not self.gone:
            self.gone = self._identity() != self.identity
        return self.gone


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
    visited: set[str] = set()
    watch = _RootWatch(folder)
    writer = _Writer(db, name, summary, progress, watch)
    tally = _Tally()
    batch: list[tuple[str, list[tuple[str, Any]]]] = []
    size = 0
    for rel_dir, files in walk(folder, unreadable):
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

    def __init__(
        self,
        db: Database,
        root: str,
        summary: ScanSummary,
        progress: Progress | None,
        watch: _RootWatch | None = None,
    ):
        self.db, self.root, self.summary, self.progress = db, root, summary, progress
        self.watch = watch
        self.rows: list[dict[str, Any]] = []
        #: rel_path -> error of files that were already failing before this scan.
        self.known_failures: dict[str, str] = {}

    def add(self, rows: list[dict[str, Any]]) -> None:
        if any(r["state"] == "failed" for r in rows) and self.watch and self.watch.replaced():
            # The root was swapped: these reads failed on another folder, and recording them
            # would overwrite what the index knows of the real files.
            rows = [r for r in rows if r["state"] != "failed"]
        self.rows.extend(rows)
        for row in rows:
            if row["state"] == "failed":
                self.summary.failed += 1
                if len(self.summary.failures) < 20:
                    self.summary.failures.append((row["rel_path"], row["error"]))
                if self.known_failures.pop(row["rel_path"], None) != row["error"]:
                    self.summary.new_failed += 1
                    if len(self.summary.new_failures) < 20:
                        self.summary.new_failures.append((row["rel_path"], row["error"]))
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
