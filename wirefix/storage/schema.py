"""SQLAlchemy 2 models. They stay in the storage layer; stages see plain `wirefix.model` data.

The migration in `migrations/versions/` creates exactly these tables; a test compares the two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Result,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def table_of(row: type[Base]) -> Table:
    """A model's Core table, for bulk statements (executemany) that skip the ORM's bulk path.

    Declarative types `__table__` as any FromClause; a mapped class's is always a Table.
    """
    return cast(Table, row.__table__)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed.

    `Session.execute` is typed to return a plain Result; for DML it is a CursorResult.
    """
    return cast(CursorResult[Any], result).rowcount


class NoticeRow(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agency: Mapped[str | None] = mapped_column(String(64))  # the photo's originator
    # The agencies that carried the photo (Getty Images for "X/AFP/Getty Images").
    distributors: Mapped[list | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict] = mapped_column(JSON)  # the whole `Notice` as parsed


class StoreRootRow(Base):
    """A named store root: the index keeps paths relative to it, so hosts can mount it anywhere."""

    __tablename__ = "store_roots"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    path: Mapped[str] = mapped_column(Text)


class FileRow(Base):
    __tablename__ = "files"
    __table_args__ = (
        UniqueConstraint("root", "rel_path", name="uq_files_root_path"),
        Index("ix_files_byline_norm", "byline_norm"),
        Index("ix_files_transmission_ref", "transmission_ref"),
        Index("ix_files_object_name", "object_name"),
        Index("ix_files_date_created", "date_created"),
        Index("ix_files_root_dir", "root", "dir"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    root: Mapped[str] = mapped_column(String(128), ForeignKey("store_roots.name"))
    rel_path: Mapped[str] = mapped_column(Text)
    # The folder part of rel_path: a rescan compares one folder batch at a time (flat memory).
    dir: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    inode: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))  # indexed, failed, gone
    error: Mapped[str | None] = mapped_column(Text)
    reader: Mapped[str | None] = mapped_column(String(32))  # which reader produced the fields
    byline_norm: Mapped[str | None] = mapped_column(String(256))
    transmission_ref: Mapped[str | None] = mapped_column(String(256))
    object_name: Mapped[str | None] = mapped_column(String(256))
    date_created: Mapped[str | None] = mapped_column(String(10))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[dict] = mapped_column(JSON)  # field name -> list of distinct values
    indexed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FileKeyRow(Base):
    """Every normalised identifier, name and date of a file, one row each, for the match prefilter.

    kind: `id` (transmission reference, supplier / Getty image id, document id), `slug` (object
    name: shared by many photos), `fname` (original file name stem), `name` (byline, credit
    parts), `date` (ISO date).
    """

    __tablename__ = "file_keys"
    __table_args__ = (Index("ix_file_keys_kind_value", "kind", "value"),)

    file_id: Mapped[int] = mapped_column(
        ForeignKey("files.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)


class CandidateRow(Base):
    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("notice_id", "file_id", name="uq_candidates_notice_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"))
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(8))
    evidence: Mapped[list] = mapped_column(JSON)
    rendition_of: Mapped[int | None] = mapped_column(Integer)
    capped_by: Mapped[str | None] = mapped_column(Text)
    matched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """One remediation. Append-only: `payload` is exactly what `entry_hash` covers."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(8))
    operator: Mapped[str] = mapped_column(String(256))
    remediated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHeadRow(Base):
    """The chain's head, one row; writers lock it so the chain stays one line under concurrency."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))


class RunRow(Base):
    """One `wirefix run` (or one notice handled by `wirefix watch`), for `wirefix status`."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # run, watch
    operator: Mapped[str] = mapped_column(String(256))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16))  # running, ok, attention, error
    summary: Mapped[dict] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class ReviewRow(Base):
    """An editor's decision on a `review` candidate; the latest one for a file counts."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"))
    decision: Mapped[str] = mapped_column(String(16))  # approved, rejected
    operator: Mapped[str] = mapped_column(String(256))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JournalRow(Base):
    """An intent written before a file is replaced, moved or deleted, removed in the same
    transaction that appends its audit entry; one left behind means a run died in between and
    the next run reconciles it against the file (wirefix.rewrite.journal)."""

    __tablename__ = "audit_journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(JSON)  # the audit payload to append once it is done
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OnlineCopyRow(Base):
    """A copy of a notice's photo on a site (media item, post or page), or a site that could not
    be searched (`kind` "site"): open until its change was made, purged and verified."""

    __tablename__ = "online_copies"
    __table_args__ = (UniqueConstraint("notice_id", "site", "kind", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    site: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # media, posts, pages, site
    object_id: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    found_by: Mapped[list] = mapped_column(JSON)
    action: Mapped[str | None] = mapped_column(String(16))  # rewrite, replace, kill, unlink
    state: Mapped[str] = mapped_column(String(16), index=True)  # open, done
    error: Mapped[str | None] = mapped_column(Text)
    audit_seq: Mapped[int | None] = mapped_column(Integer)
    replaced_by: Mapped[int | None] = mapped_column(Integer)  # the corrected media item
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# -- third parties (issue 17): who received which photo, who was told, who acknowledged -------


class DeliveryRow(Base):
    """One photo sent to one recipient (imported from a CSV / JSON Lines / Superdesk export).

    The photo is named the ways the matcher names store files: the store file (root, rel_path)
    and its sha256 as sent, and normalised identifiers (transmission reference, agency id,
    Superdesk item id)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(128), index=True)
    root: Mapped[str | None] = mapped_column(String(128))
    rel_path: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    identifiers: Mapped[list] = mapped_column(JSON)
    uri: Mapped[str | None] = mapped_column(Text)  # the item's ninjs uri / Superdesk guid
    version: Mapped[int | None] = mapped_column(Integer)  # the version the recipient got
    destination: Mapped[str | None] = mapped_column(String(256))
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(Text)  # the file imported, and its line
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)


class NotificationRow(Base):
    """One recipient to be told about one notice: told once, reminded, acknowledged."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("notice_id", "recipient", name="uq_notifications_notice_recipient"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(128))
    deliveries: Mapped[list] = mapped_column(JSON)  # delivery ids that tie the recipient to it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminders: Mapped[int] = mapped_column(Integer)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(256))
    acknowledged_via: Mapped[str | None] = mapped_column(String(16))  # cli, web


class NotificationMessageRow(Base):
    """One message on one channel: round 0 is the notice, round n the n-th reminder. Pending
    until the server took it (SMTP accepted, webhook answered 2xx); retried with backoff."""

    __tablename__ = "notification_messages"
    __table_args__ = (
        UniqueConstraint(
            "notification_id", "round", "channel", name="uq_notification_messages_round"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))  # email, webhook
    state: Mapped[str] = mapped_column(String(16))  # pending, sent
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str | None] = mapped_column(Text)  # Message-ID, or "HTTP 200"
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AckTokenRow(Base):
    """An acknowledgement token sent to a recipient, kept only as its sha256."""

    __tablename__ = "ack_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
