"""One scheduled run at a time per store (database).

SQLite: a file lock beside the database file (filelock), so two cron jobs on one host queue up.
PostgreSQL: a session-level advisory lock held on a connection of its own for the whole run, so
runs on different hosts sharing one database exclude each other too.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock
from sqlalchemy import text
from sqlalchemy.engine import make_url

from wirefix.config import data_dir
from wirefix.errors import ExitCode, WirefixError
from wirefix.storage import Database

# A fixed 64-bit key for pg_advisory_lock: "wirefix run" hashed, so it cannot collide by chance
# with another application's locks in a shared database.
PG_LOCK_KEY = int.from_bytes(hashlib.sha256(b"wirefix run").digest()[:8], "big", signed=True)


class Busy(WirefixError):
    """Another run holds the lock; the message says which lock and how to wait instead."""

    exit_code = ExitCode.BUSY


def _sqlite_lock_path(db: Database) -> Path:
    database = make_url(db.url).database
    if database and database != ":memory:":
        return Path(database).expanduser().resolve().with_suffix(".run.lock")
    return data_dir() / "run.lock"


@contextmanager
def run_lock(db: Database, wait: float = 0.0) -> Iterator[None]:
    """Hold the run lock; wait up to `wait` seconds for it (0: fail at once), else raise Busy."""
    if db.is_sqlite:
        path = _sqlite_lock_path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(path))
        try:
            lock.acquire(timeout=wait if wait > 0 else 0.01)
        except filelock.Timeout as exc:
            raise Busy(
                f"another wirefix run holds {path}; try again later or pass --wait SECONDS"
            ) from exc
        try:
            yield
        finally:
            lock.release()
        return
    with db.engine.connect() as conn:
        deadline = time.monotonic() + wait
        while not conn.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}
        ).scalar():
            if time.monotonic() >= deadline:
                raise Busy(
                    "another wirefix run holds this database's run lock (PostgreSQL advisory "
                    "lock); try again later or pass --wait SECONDS"
                )
            time.sleep(0.5)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            conn.commit()
