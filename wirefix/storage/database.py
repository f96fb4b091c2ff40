"""The database behind a small interface: stages call these methods with plain data.

SQLite by default (one file, zero set-up), PostgreSQL for shared deployments; the same code runs
on both. Schema changes go through Alembic (`wirefix db upgrade`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, event, inspect, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from wirefix.errors import WirefixError
from wirefix.model import Notice, canonical_json
from wirefix.storage.files import FileIndex, FileState, norm_name
from wirefix.storage.schema import (
    AuditHeadRow,
    AuditRow,
    JournalRow,
    NoticeRow,
    StoreRootRow,
    rows_changed,
)

__all__ = ["Database", "DatabaseError", "FileState", "norm_name"]

GENESIS_HASH = "0" * 64

#: The newest migration in migrations/versions; tests/test_scan_schema.py holds it equal to
#: Alembic's head, so a new migration cannot be forgotten here.
SCHEMA_HEAD = "0008"


class DatabaseError(WirefixError):
    """The database cannot be used as asked; the message says what to do."""


class JournalClaimed(DatabaseError):
    """The intent was logged by someone else (a concurrent recovery); nothing was appended."""


def normalise_url(url: str) -> str:
    """Accept `postgresql://...` as written: SQLAlchemy would pick psycopg2, we ship psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Database(FileIndex):
    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.local_roots: dict[str, str] = {}
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise DatabaseError(f"not a database URL: {url!r}") from exc
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                _database_folder(Path(parsed.database).expanduser())
            kwargs["connect_args"] = {"timeout": 60}
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except Exception as exc:  # unknown driver names and the like
            raise DatabaseError(f"cannot use database {url!r}: {exc}") from exc
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # -- schema ---------------------------------------------------------------------------

    def upgrade(self, revision: str = "head") -> None:
        from wirefix.storage.migrate import upgrade

        try:
            upgrade(self.engine, revision)
        except OperationalError as exc:
            raise DatabaseError(f"cannot reach the database: {exc.orig}") from exc

    def ensure_schema(self) -> None:
        """Create a brand-new database at once; refuse to run on an out-of-date one.

        A database already at `SCHEMA_HEAD` costs one query: loading Alembic to find out would
        be a third of an unchanged rescan's start-up."""
        if self._schema_version() == SCHEMA_HEAD:
            return
        from wirefix.storage.migrate import current_revision, head_revision

        try:
            current = current_revision(self.engine)
        except OperationalError as exc:
            raise DatabaseError(f"cannot reach the database: {exc.orig}") from exc
        if current is None:
            if inspect(self.engine).get_table_names():
                raise DatabaseError(
                    "the database holds tables but no wirefix schema version; point --db at "
                    "an empty database or a wirefix one"
                )
            self.upgrade()
        elif current != head_revision():
            raise DatabaseError(
                f"the database schema is at {current}, this wirefix needs {head_revision()}: "
                "run `wirefix db upgrade`"
            )

    def _schema_version(self) -> str | None:
        """The one revision recorded in `alembic_version`, or None (none, several, no table,
        no database: `ensure_schema`'s full check then says what is wrong)."""
        try:
            with self.engine.connect() as conn:
                rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        except DBAPIError:
            return None
        return rows[0][0] if len(rows) == 1 else None

    # -- notices --------------------------------------------------------------------------

    def add_notice(self, notice: Notice) -> tuple[int, bool]:
        """Store `notice` unless the same words are already stored; returns (id, is_new)."""
        digest = notice.content_hash
        with self.session() as s:
            existing = s.scalar(select(NoticeRow.id).where(NoticeRow.content_hash == digest))
            if existing is not None:
                return existing, False
            row = NoticeRow(
                content_hash=digest,
                agency=notice.agency,
                distributors=list(notice.distributors),
                kind=notice.kind,
                status=notice.status,
                source=notice.source,
                received_at=utcnow(),
                data=notice.to_dict(),
            )
            s.add(row)
            s.flush()
            return row.id, True

    def notice(self, notice_id: int) -> tuple[Notice, datetime]:
        with self.session() as s:
            row = s.get(NoticeRow, notice_id)
            if row is None:
                raise DatabaseError(f"no notice {notice_id}: `wirefix report` lists the notices")
            return Notice.from_dict(row.data), as_utc(row.received_at)

    def notices(self) -> list[tuple[int, Notice, datetime]]:
        with self.session() as s:
            rows = s.scalars(select(NoticeRow).order_by(NoticeRow.id)).all()
            return [(r.id, Notice.from_dict(r.data), as_utc(r.received_at)) for r in rows]

    # -- store roots and files ------------------------------------------------------------

    def ensure_root(self, name: str, path: str, move: bool = True) -> None:
        """Name a store root; shards starting at once on several hosts may race to create it.

        `move=False` only creates it: a scan repoints a known root once it has judged the
        folder to be that root (`scan.GoneGuard`), not before.
        """
        with self.engine.connect() as conn:  # the usual case, read-only: nothing to write
            known = conn.execute(
                select(StoreRootRow.path).where(StoreRootRow.name == name)
            ).scalar_one_or_none()
        if known == path or (known is not None and not move):
            return
        for attempt in range(2):
            try:
                with self.session() as s:
                    row = s.get(StoreRootRow, name)
                    if row is None:
                        s.add(StoreRootRow(name=name, path=path))
                    elif row.path != path:
                        row.path = path
                return
            except IntegrityError:
                if attempt:
                    raise

    def roots(self) -> dict[str, str]:
        """Store root name -> folder on this host: where the last scan found each root, unless
        this host's configuration maps the name to its own mount point (`local_roots`)."""
        with self.session() as s:
            found = {r.name: r.path for r in s.scalars(select(StoreRootRow))}
        return {**found, **self.local_roots}

    # -- audit ----------------------------------------------------------------------------

    def append_audit(
        self, payload: dict[str, Any], journal_id: int | None = None
    ) -> tuple[int, str]:
        """Append one entry to the hash chain; returns (seq, entry_hash)."""
        return self.append_audit_many([(payload, journal_id)])[0]

    def append_audit_many(
        self, entries: list[tuple[dict[str, Any], int | None]]
    ) -> list[tuple[int, str]]:
        """Append entries to the hash chain in one transaction (one durable commit for a batch
        of files); returns (seq, entry_hash) for each, in order.

        The head row is updated first: on SQLite that takes the write lock, on PostgreSQL the
        row lock, so concurrent writers queue up and the chain stays one line. Each entry's
        journal intent is removed in the same transaction, so a file change is never both
        logged and still pending, nor neither; if another process logged one of them first,
        nothing of the batch is written (`JournalClaimed`).
        """
        if not entries:
            return []
        with self.session() as s:
            locked = s.execute(
                update(AuditHeadRow)
                .where(AuditHeadRow.id == 1)
                .values(seq=AuditHeadRow.seq + len(entries))
            )
            if rows_changed(locked) != 1:
                raise DatabaseError("the audit chain head is missing: run `wirefix db upgrade`")
            head = s.get(AuditHeadRow, 1, populate_existing=True)
            assert head is not None
            seq, prev = head.seq - len(entries), head.entry_hash
            out: list[tuple[int, str]] = []
            for payload, _ in entries:
                seq += 1
                body = dict(payload, seq=seq, prev_hash=prev)
                text = canonical_json(body)
                entry_hash = chain_hash(prev, text)
                s.add(
                    AuditRow(
                        seq=seq,
                        notice_id=payload.get("notice_id"),
                        path=payload["path"],
                        action=payload["action"],
                        outcome=payload["outcome"],
                        operator=payload["operator"],
                        remediated_at=datetime.fromisoformat(payload["remediated_at"]),
                        payload=text,
                        prev_hash=prev,
                        entry_hash=entry_hash,
                    )
                )
                out.append((seq, entry_hash))
                prev = entry_hash
            settled = [journal_id for _, journal_id in entries if journal_id is not None]
            if settled:
                gone = s.execute(delete(JournalRow).where(JournalRow.id.in_(settled)))
                if rows_changed(gone) != len(settled):  # another process logged one: roll back
                    raise JournalClaimed(f"journal intents {settled} were already logged")
            head.entry_hash = prev
            return out

    # -- journal: intents between a file change and its audit entry --------------------------

    def journal_open(self, path: str, action: str, payload: dict[str, Any]) -> int:
        """Record that `path` is about to change; committed (and on SQLite fsynced) on return."""
        return self.journal_open_many([(path, action, payload)])[0]

    def journal_open_many(self, intents: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
        """Record (path, action, payload) intents in one commit; their ids, in order."""
        with self.session() as s:
            now = utcnow()
            rows = [JournalRow(path=p, action=a, payload=b, created_at=now) for p, a, b in intents]
            s.add_all(rows)
            s.flush()
            return [row.id for row in rows]

    def journal_drop_many(self, journal_ids: list[int]) -> None:
        if journal_ids:
            with self.session() as s:
                s.execute(delete(JournalRow).where(JournalRow.id.in_(journal_ids)))

    def journal_pending(self) -> list[tuple[int, str, str, dict[str, Any]]]:
        """(id, path, action, payload) of every intent not yet logged, oldest first."""
        with self.session() as s:
            rows = s.scalars(select(JournalRow).order_by(JournalRow.id)).all()
            return [(r.id, r.path, r.action, dict(r.payload)) for r in rows]

    def journal_drop(self, journal_id: int) -> None:
        with self.session() as s:
            s.execute(delete(JournalRow).where(JournalRow.id == journal_id))

    def audit_entry(self, seq: int) -> AuditRow | None:
        with self.session() as s:
            return s.get(AuditRow, seq)

    def audit_entries_for(self, path: str) -> list[AuditRow]:
        with self.session() as s:
            query = select(AuditRow).where(AuditRow.path == path).order_by(AuditRow.seq)
            return list(s.scalars(query).all())

    def audit_entries(self, notice_id: int | None = None) -> list[AuditRow]:
        with self.session() as s:
            query = select(AuditRow).order_by(AuditRow.seq)
            if notice_id is not None:
                query = query.where(AuditRow.notice_id == notice_id)
            return list(s.scalars(query).all())

    def audit_entries_of(self, actions: tuple[str, ...]) -> list[AuditRow]:
        """The entries of these actions, in chain order (holds, purges: a few among many)."""
        with self.session() as s:
            query = select(AuditRow).where(AuditRow.action.in_(actions)).order_by(AuditRow.seq)
            return list(s.scalars(query).all())

    def audit_head(self) -> tuple[int, str]:
        with self.session() as s:
            head = s.get(AuditHeadRow, 1)
            return (head.seq, head.entry_hash) if head else (0, GENESIS_HASH)


def _database_folder(path: Path) -> None:
    """The default location (the data folder) is created on first use; any other folder must
    exist: a mistyped --db would otherwise start a new, empty database and report nothing to
    do, as if the real one were empty."""
    from wirefix.config import data_dir

    folder = Path(os.path.abspath(path)).parent
    if folder.is_dir():
        return
    if folder == Path(os.path.abspath(data_dir())):
        folder.mkdir(parents=True, exist_ok=True)
        return
    raise DatabaseError(f"database folder {folder} does not exist (create it, or check --db)")


def chain_hash(prev_hash: str, canonical_payload: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical_payload).encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything wirefix stores is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")  # an audit row that was reported must survive a crash
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.close()
