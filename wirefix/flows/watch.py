"""`wirefix watch`: a long-lived service that handles each notice the moment it arrives.

A notice file landing in an inbox (inotify through watchdog; a polling observer for network
mounts) or a new feed item is ingested, matched against the existing index and applied at once,
without waiting for a full rescan. The service survives bad notices, database restarts and feed
outages: it logs, backs off and carries on; it stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.flows.run import (
    FAILED,
    PROCESSED,
    RunSettings,
    RunSummary,
    handle_notice,
    inbox_files,
    ingest_inbox_file,
    ingest_into,
)
from wirefix.storage import Database, DatabaseError
from wirefix.storage.runs import finish_run, start_run

log = logging.getLogger("wirefix.flows.watch")

#: A file is handled once its size has not changed for this long (it may still be copying).
SETTLE_SECONDS = 0.3
MAX_BACKOFF = 60.0


class _InboxHandler(FileSystemEventHandler):
    def __init__(self, inbox: Path, arrivals: queue.Queue[tuple[Path, Path]]) -> None:
        self.inbox = inbox
        self.arrivals = arrivals

    def _offer(self, raw: str | bytes) -> None:
        path = Path(raw.decode() if isinstance(raw, bytes) else raw)
        if path.name.startswith(".") or any(
            parent in (self.inbox / PROCESSED, self.inbox / FAILED) for parent in path.parents
        ):
            return
        self.arrivals.put((self.inbox, path))

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._offer(event.src_path)

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._offer(event.dest_path)

    def on_closed(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._offer(event.src_path)


class Watcher:
    """The service loop. `stop()` (or SIGTERM) ends it after the notice in hand."""

    def __init__(
        self,
        db: Database,
        settings: RunSettings,
        poll: bool = False,
        feed_interval: float = 60.0,
    ) -> None:
        self.db = db
        self.settings = settings
        self.poll = poll
        self.feed_interval = feed_interval
        self.arrivals: queue.Queue[tuple[Path, Path]] = queue.Queue()
        self.stopping = threading.Event()
        self.handled = 0

    def stop(self, *_: object) -> None:
        self.stopping.set()

    def serve(self, install_signals: bool = True) -> None:
        if install_signals:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        observer = PollingObserver(timeout=1.0) if self.poll else Observer()
        for inbox in self.settings.inboxes:
            inbox.mkdir(parents=True, exist_ok=True)
            observer.schedule(_InboxHandler(inbox, self.arrivals), str(inbox), recursive=True)
            for path in inbox_files(inbox):  # what arrived while the service was down
                self.arrivals.put((inbox, path))
        observer.start()
        log.info("watching", extra={"inboxes": [str(i) for i in self.settings.inboxes]})
        next_feed = 0.0
        backoff = 1.0
        with ExifTool() as exiftool:
            try:
                while not self.stopping.is_set():
                    arrival: tuple[Path, Path] | None = None  # the notice in hand, if any
                    try:
                        if self.settings.feeds and time.monotonic() >= next_feed:
                            self._poll_feeds(exiftool)
                            next_feed = time.monotonic() + self.feed_interval
                        try:
                            arrival = inbox, path = self.arrivals.get(timeout=0.5)
                        except queue.Empty:
                            continue
                        if path.is_file():
                            self._settle(path)
                            self._handle_file(inbox, path, exiftool)
                        backoff = 1.0
                    except (OperationalError, DBAPIError, DatabaseError, ExifToolError) as exc:
                        log.warning(
                            "transient failure, backing off",
                            extra={"error": str(exc).splitlines()[0], "seconds": backoff},
                        )
                        self.stopping.wait(backoff)
                        backoff = min(backoff * 2, MAX_BACKOFF)
                        if arrival is not None and arrival[1].is_file():
                            self.arrivals.put(arrival)  # try that notice again
            finally:
                observer.stop()
                observer.join(timeout=5)
        log.info("stopped", extra={"handled": self.handled})

    def _settle(self, path: Path) -> None:
        last = -1
        while not self.stopping.is_set():
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                return
            if size == last:
                return
            last = size
            time.sleep(SETTLE_SECONDS)

    def _handle_file(self, inbox: Path, path: Path, exiftool: ExifTool) -> None:
        started = time.monotonic()
        run_id = start_run(self.db, "watch", self.settings.operator)
        summary = RunSummary()
        try:
            ids = ingest_inbox_file(self.db, inbox, path, exiftool, summary, self.settings.config)
            for notice_id in ids:
                if notice_id in summary.notices_attention:
                    continue
                handle_notice(self.db, notice_id, self.settings, exiftool, summary)
        except Exception as exc:
            finish_run(self.db, run_id, "error", summary.to_dict(), f"{type(exc).__name__}: {exc}")
            raise
        finish_run(
            self.db,
            run_id,
            summary.outcome,
            summary.to_dict(),
            "; ".join(summary.source_errors + summary.files_failed) or None,
        )
        self.handled += 1
        log.info(
            "notice handled",
            extra={
                "file": path.name,
                "notices": ids,
                "changed": summary.files_changed,
                "killed": summary.files_killed,
                "failed": len(summary.files_failed),
                "open_cases": [case["notice"] for case in summary.open_cases],
                "seconds": round(time.monotonic() - started, 3),
                "timings": summary.timings,
            },
        )

    def _poll_feeds(self, exiftool: ExifTool) -> None:
        summary = RunSummary()
        ids = ingest_into(
            self.db, list(self.settings.feeds), exiftool, summary, self.settings.config
        )
        for message in summary.source_errors:
            log.warning("feed unavailable", extra={"error": message})
        for notice_id in ids:
            if notice_id in summary.notices_new and notice_id not in summary.notices_attention:
                handle_notice(self.db, notice_id, self.settings, exiftool, summary)
