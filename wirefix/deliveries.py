"""Plain data passed between the third-party stages (import -> link -> notify -> acknowledge).

Nothing here knows about the database, SMTP or HTTP, in the manner of `wirefix.model`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

#: How a recipient is told.
Channel = Literal["email", "webhook"]
#: A message waits for the server to take it, then is sent.
MessageState = Literal["pending", "sent"]
#: Where a notification stands, as report and status show it.
NotificationState = Literal["acknowledged", "overdue", "told", "pending"]


@dataclass(frozen=True)
class Delivery:
    """One photo sent to one recipient. The photo is named as the matcher names store files:
    the store file (root, rel_path) with its sha256, and normalised identifiers."""

    recipient: str
    delivered_at: datetime
    source: str  # "FILE:LINE" it was imported from
    root: str | None = None
    rel_path: str | None = None
    file_name: str | None = None
    sha256: str | None = None
    identifiers: tuple[str, ...] = ()
    uri: str | None = None  # the item's ninjs uri / Superdesk guid, reused by the webhook
    version: int | None = None  # the item version the recipient got
    destination: str | None = None
    id: int | None = None


@dataclass
class Notification:
    """One recipient who must be told about one notice, and what became of it."""

    id: int
    notice_id: int
    recipient: str
    deliveries: list[int]
    created_at: datetime
    told_at: datetime | None = None
    last_sent_at: datetime | None = None
    reminders: int = 0
    escalated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_via: str | None = None


@dataclass
class Message:
    """One message on one channel: round 0 tells, round n is the n-th reminder."""

    id: int
    notification_id: int
    round: int
    channel: Channel
    state: MessageState
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None = None
    detail: str | None = None  # the e-mail's Message-ID, or "HTTP 200"
    last_error: str | None = None


@dataclass
class OutgoingPhoto:
    """One delivered photo as a recipient is told of it: named the way the recipient knows it."""

    file_name: str | None
    identifiers: list[str]
    delivered_at: str  # ISO 8601
    uri: str | None = None
    version: int | None = None
    sha256: str | None = None

    def record(self) -> dict[str, Any]:
        """The photo as the audit entry of a notification keeps it (hashed: keys fixed)."""
        return {
            "file_name": self.file_name,
            "identifiers": list(self.identifiers),
            "delivered_at": self.delivered_at,
            "uri": self.uri,
            "version": self.version,
            "sha256": self.sha256,
        }


@dataclass
class Outgoing:
    """What a channel needs to say to one recipient about one notice."""

    notice_id: int
    recipient: str
    round: int
    ack_url: str
    kind: str  # correction, kill
    agency: str | None
    instruction: str
    corrections: list[tuple[str, str, str]]  # (field, erroneous, corrected)
    photos: list[OutgoingPhoto] = field(default_factory=list)
    caption: str | None = None
    byline: str | None = None
