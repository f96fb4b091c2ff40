"""The job queue's database and host: PostgreSQL only, procrastinate's schema, the database as
this host sees the store's roots, and the queue's state for `wirefix queue`."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from wirefix.errors import WirefixError
from wirefix.exiftool import ExifTool
from wirefix.model import IndexedFile
from wirefix.settings import Settings
from wirefix.storage import Database, DatabaseError

QUEUE_SCHEMA = "procrastinate"  # created by migration 0005


DEFAULT_SHARDS = 4


STALL_TIMEOUT = 30.0  # seconds without a worker heartbeat before its jobs run again


DISPATCH_POLL = 2.0  # seconds between dispatch's checks for unfinished scans


STATUSES = ("todo", "doing", "failed", "succeeded", "cancelled", "aborted")


class QueueError(DatabaseError):
    """The queue cannot be used as asked; the message says what to do."""


class FileFailed(WirefixError):
    """An apply job could not remediate its file; retrying will not help (the file is the cause)."""


def require_postgresql(db: Database) -> None:
    if db.is_sqlite:
        raise QueueError(
            "the job queue needs PostgreSQL (procrastinate keeps its jobs there); with SQLite "
            "run the pipeline in-process (`wirefix run` without --enqueue), or point --db at "
            "postgresql://user@host/dbname"
        )


def conninfo(db_url: str) -> str:
    """libpq form of wirefix's URL: `postgresql://...` as written, driver suffix dropped."""
    url = make_url(pipeline_url(db_url)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def pipeline_url(db_url: str) -> str:
    from wirefix.storage.database import normalise_url

    return normalise_url(db_url)


class HostDatabase(Database):
    """The database as this host sees the store: root names map to this host's mount points.

    The index keeps (root name, relative path); `store_roots` remembers where the last scan
    found each root, which is another host's path in a multi-host deployment, so a worker's
    settings win.
    """

    def __init__(self, url: str) -> None:
        super().__init__(url)  # `wirefix.settings.open_db(settings, HostDatabase)` maps the roots
        self._focus: set[int] | None = None

    @contextlib.contextmanager
    def focus(self, file_ids: set[int]) -> Iterator[None]:
        """Load only these files while one apply job runs: `apply_notice` reads a notice's
        candidates to pick its file, and loading every candidate file for every job made a
        run quadratic in the number of affected files. One job at a time per process."""
        self._focus = file_ids
        try:
            yield
        finally:
            self._focus = None

    def files_by_id(self, ids: Iterable[int]) -> dict[int, IndexedFile]:
        focus = self._focus
        return super().files_by_id(i for i in ids if focus is None or i in focus)


@dataclass
class Host:
    """What the jobs of one worker process share: database, settings, one ExifTool."""

    db: HostDatabase
    settings: Settings
    _exiftool: ExifTool | None = None

    @property
    def exiftool(self) -> ExifTool:
        if self._exiftool is None:
            self._exiftool = ExifTool()
        return self._exiftool

    def root_path(self, name: str) -> Path:
        path = self.db.roots().get(name)
        if not path or not Path(path).is_dir():
            raise FileFailed(
                f"store root {name!r} is not mounted on {socket.gethostname()} (looked for "
                f"{path or 'no path'}): map it in [store.roots] or WIREFIX_STORE_ROOTS"
            )
        return Path(path)

    def close(self) -> None:
        if self._exiftool is not None:
            self._exiftool.close()
        self.db.close()


_host: Host | None = None


def bind_host(h: Host | None) -> None:
    """Set (or clear) what this process's jobs work with; `wirefix.flows.worker` does it."""
    global _host
    _host = h


def host() -> Host:
    if _host is None:
        raise RuntimeError("wirefix jobs run inside `wirefix worker`, which sets up the host")
    return _host


def _unfinished(db: Database, task: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(
            text(
                f"SELECT count(*) FROM {QUEUE_SCHEMA}.procrastinate_jobs "
                "WHERE task_name = :task AND status IN ('todo', 'doing')"
            ),
            {"task": task},
        ).scalar_one()


def queue_status(db: Database, failed_limit: int = 50) -> dict[str, Any]:
    """Job counts by status and task, the failed jobs with their last error, the workers.

    A stable shape for `wirefix queue --json`, `wirefix status` and the report.
    """
    require_postgresql(db)
    q = QUEUE_SCHEMA
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT task_name, status, count(*) FROM {q}.procrastinate_jobs GROUP BY 1, 2")
        ).all()
        failed = conn.execute(
            text(
                f"SELECT j.id, j.task_name, j.args, j.attempts, e.error, e.host, e.failed_at "
                f"FROM {q}.procrastinate_jobs j LEFT JOIN {q}.job_errors e ON e.job_id = j.id "
                "WHERE j.status = 'failed' ORDER BY j.id DESC LIMIT :limit"
            ),
            {"limit": failed_limit},
        ).all()
        workers = conn.execute(
            text(
                f"SELECT id, EXTRACT(EPOCH FROM now() - last_heartbeat) "
                f"FROM {q}.procrastinate_workers ORDER BY id"
            )
        ).all()
    counts = dict.fromkeys(STATUSES, 0)
    by_task: dict[str, dict[str, int]] = {}
    for task, status, count in rows:
        counts[status] = counts.get(status, 0) + count
        by_task.setdefault(task.removeprefix("wirefix:"), dict.fromkeys(STATUSES, 0))[status] = (
            count
        )
    return {
        "counts": counts,
        "by_task": by_task,
        "failed": [
            {
                "job": r[0],
                "task": r[1].removeprefix("wirefix:"),
                "args": r[2],
                "attempts": r[3],
                "error": r[4],
                "host": r[5],
                "failed_at": r[6].isoformat() if r[6] else None,
            }
            for r in failed
        ],
        "workers": [
            {"id": w[0], "seconds_since_heartbeat": round(float(w[1]), 1)} for w in workers
        ],
    }
