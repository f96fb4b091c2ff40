"""Deliveries, notifications, their messages and acknowledgement tokens, behind small typed
methods over `Database` (issue 17). Stages see `wirefix.deliveries` data only."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import cast

from sqlalchemy import select, update

from wirefix.deliveries import Channel, Delivery, Message, MessageState, Notification
from wirefix.model import canonical_json
from wirefix.storage.database import Database, as_utc, utcnow
from wirefix.storage.schema import (
    AckTokenRow,
    DeliveryRow,
    NotificationMessageRow,
    NotificationRow,
    rows_changed,
)


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def dedupe_key(d: Delivery) -> str:
    """The same delivery imported twice (the export read again) is stored once."""
    parts = [d.recipient, d.root, d.rel_path, d.file_name, d.sha256, list(d.identifiers), d.uri]
    parts.append(as_utc(d.delivered_at).isoformat())
    return hashlib.sha256(canonical_json(parts).encode("utf-8")).hexdigest()


class RecipientStore:
    """The third-party tables of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- deliveries -----------------------------------------------------------------------

    def add_deliveries(self, deliveries: list[Delivery]) -> tuple[int, int]:
        """Store all of them in one transaction; returns (added, already there)."""
        now, added, known = utcnow(), 0, 0
        with self.db.session() as s:
            seen: set[str] = set()
            for d in deliveries:
                key = dedupe_key(d)
                exists = s.scalar(select(DeliveryRow.id).where(DeliveryRow.dedupe_key == key))
                if exists is not None or key in seen:
                    known += 1
                    continue
                seen.add(key)
                s.add(
                    DeliveryRow(
                        recipient=d.recipient,
                        root=d.root,
                        rel_path=d.rel_path,
                        file_name=d.file_name,
                        sha256=d.sha256,
                        identifiers=list(d.identifiers),
                        uri=d.uri,
                        version=d.version,
                        destination=d.destination,
                        delivered_at=d.delivered_at,
                        source=d.source,
                        imported_at=now,
                        dedupe_key=key,
                    )
                )
                added += 1
        return added, known

    def deliveries(self) -> list[Delivery]:
        with self.db.session() as s:
            rows = s.scalars(select(DeliveryRow).order_by(DeliveryRow.id)).all()
            return [
                Delivery(
                    id=r.id,
                    recipient=r.recipient,
                    delivered_at=as_utc(r.delivered_at),
                    source=r.source,
                    root=r.root,
                    rel_path=r.rel_path,
                    file_name=r.file_name,
                    sha256=r.sha256,
                    identifiers=tuple(r.identifiers or ()),
                    uri=r.uri,
                    version=r.version,
                    destination=r.destination,
                )
                for r in rows
            ]

    # -- notifications --------------------------------------------------------------------

    def ensure_notification(
        self, notice_id: int, recipient: str, delivery_ids: list[int], now: datetime
    ) -> tuple[Notification, bool]:
        """The notification of (notice, recipient), created if new; returns (it, is_new)."""
        with self.db.session() as s:
            row = s.scalar(
                select(NotificationRow).where(
                    NotificationRow.notice_id == notice_id, NotificationRow.recipient == recipient
                )
            )
            new = row is None
            if row is None:
                row = NotificationRow(
                    notice_id=notice_id,
                    recipient=recipient,
                    deliveries=sorted(delivery_ids),
                    created_at=now,
                    reminders=0,
                )
                s.add(row)
                s.flush()
            elif sorted(set(row.deliveries) | set(delivery_ids)) != sorted(row.deliveries):
                row.deliveries = sorted(set(row.deliveries) | set(delivery_ids))
            return _notification(row), new

    def notifications(self, notice_id: int | None = None) -> list[Notification]:
        with self.db.session() as s:
            query = select(NotificationRow).order_by(NotificationRow.id)
            if notice_id is not None:
                query = query.where(NotificationRow.notice_id == notice_id)
            return [_notification(r) for r in s.scalars(query)]

    def notification(self, notification_id: int) -> Notification | None:
        with self.db.session() as s:
            row = s.get(NotificationRow, notification_id)
            return _notification(row) if row else None

    def acknowledge(self, notification_id: int, by: str, via: str, now: datetime) -> bool:
        """Record the acknowledgement unless one is recorded already (two clicks at once: one
        wins); True when this call recorded it."""
        with self.db.session() as s:
            done = s.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.id == notification_id,
                    NotificationRow.acknowledged_at.is_(None),
                )
                .values(acknowledged_at=now, acknowledged_by=by[:256], acknowledged_via=via)
            )
            return rows_changed(done) == 1

    def escalate(self, notification_id: int, now: datetime) -> bool:
        with self.db.session() as s:
            done = s.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.id == notification_id, NotificationRow.escalated_at.is_(None)
                )
                .values(escalated_at=now)
            )
            return rows_changed(done) == 1

    # -- messages -------------------------------------------------------------------------

    def add_message(self, notification_id: int, round_: int, channel: str, now: datetime) -> None:
        with self.db.session() as s:
            exists = s.scalar(
                select(NotificationMessageRow.id).where(
                    NotificationMessageRow.notification_id == notification_id,
                    NotificationMessageRow.round == round_,
                    NotificationMessageRow.channel == channel,
                )
            )
            if exists is None:
                s.add(
                    NotificationMessageRow(
                        notification_id=notification_id,
                        round=round_,
                        channel=channel,
                        state="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )

    def messages(self, notification_id: int | None = None) -> list[Message]:
        with self.db.session() as s:
            query = select(NotificationMessageRow).order_by(NotificationMessageRow.id)
            if notification_id is not None:
                query = query.where(NotificationMessageRow.notification_id == notification_id)
            return [_message(r) for r in s.scalars(query)]

    def message_sent(self, message_id: int, detail: str, now: datetime) -> None:
        """The server took it: the message is sent, the notification told (or reminded)."""
        with self.db.session() as s:
            msg = s.get(NotificationMessageRow, message_id)
            assert msg is not None
            msg.state, msg.sent_at, msg.detail, msg.attempts = "sent", now, detail, msg.attempts + 1
            msg.last_error = None
            row = s.get(NotificationRow, msg.notification_id)
            assert row is not None
            if row.told_at is None:
                row.told_at = now
            row.last_sent_at = now
            row.reminders = max(row.reminders, msg.round)

    def message_failed(self, message_id: int, error: str, retry_at: datetime) -> int:
        """The server was down or refused: stays pending, tried again at `retry_at`; returns
        the attempts so far."""
        with self.db.session() as s:
            msg = s.get(NotificationMessageRow, message_id)
            assert msg is not None
            msg.attempts += 1
            msg.last_error, msg.next_attempt_at = error[:2000], retry_at
            return msg.attempts

    # -- tokens ---------------------------------------------------------------------------

    def add_token(self, notification_id: int, token_hash: str, now: datetime) -> None:
        with self.db.session() as s:
            s.add(
                AckTokenRow(token_hash=token_hash, notification_id=notification_id, issued_at=now)
            )

    def token_notification(self, token_hash: str) -> Notification | None:
        with self.db.session() as s:
            row = s.get(AckTokenRow, token_hash)
            if row is None:
                return None
            return _notification(s.get(NotificationRow, row.notification_id))


def _notification(r: NotificationRow | None) -> Notification:
    assert r is not None
    return Notification(
        id=r.id,
        notice_id=r.notice_id,
        recipient=r.recipient,
        deliveries=list(r.deliveries or []),
        created_at=as_utc(r.created_at),
        told_at=_utc(r.told_at),
        last_sent_at=_utc(r.last_sent_at),
        reminders=r.reminders,
        escalated_at=_utc(r.escalated_at),
        acknowledged_at=_utc(r.acknowledged_at),
        acknowledged_by=r.acknowledged_by,
        acknowledged_via=r.acknowledged_via,
    )


def _message(r: NotificationMessageRow) -> Message:
    return Message(
        id=r.id,
        notification_id=r.notification_id,
        round=r.round,
        channel=cast(Channel, r.channel),  # only ever written from a Message
        state=cast(MessageState, r.state),
        attempts=r.attempts,
        next_attempt_at=as_utc(r.next_attempt_at),
        sent_at=_utc(r.sent_at),
        detail=r.detail,
        last_error=r.last_error,
    )


def file_identifiers(
    db: Database, files: list[tuple[str, str]], normalise: bool = True
) -> set[str]:
    """Transmission references and agency ids of store files (root, rel_path), normalised as
    the index keys them unless asked; gone ones too (a killed file's row keeps its fields)."""
    from wirefix.storage.schema import FileRow
    from wirefix.tagmap import norm_key

    out: set[str] = set()
    if not files:
        return out
    with db.session() as s:
        for root, rel in files:
            row = s.scalar(select(FileRow).where(FileRow.root == root, FileRow.rel_path == rel))
            if row is None:
                continue
            for name in ("transmission_ref", "image_id"):
                values = [v for v in (row.fields or {}).get(name, []) if v]
                out.update(norm_key(v) for v in values) if normalise else out.update(values)
    return out
