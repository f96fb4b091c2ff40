"""The scan's helpers: reader processes (the fast read, ExifTool for the rest) and the batched
writer of index rows."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import signal
from collections import deque
from collections.abc import Iterator
from typing import Any

from wirefix.index import readers
from wirefix.index.summary import WRITE_BATCH, Progress, ScanSummary, _RootWatch
from wirefix.storage import Database


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
