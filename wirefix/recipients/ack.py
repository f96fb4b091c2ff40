"""Acknowledgements: a recipient says they carried out the agency's instruction.

The token is the last path segment of the `Acknowledge:` URL. It is looked up by its sha256;
an unknown token (forged, mistyped) or one whose notification is already acknowledged (reused)
is refused and logged. A reuse is also an audit entry (outcome `failed`): only a holder of a
real token can cause one, so strangers cannot fill the chain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from wirefix.deliveries import Notification
from wirefix.errors import WirefixError
from wirefix.model import Notice
from wirefix.recipients.notify import Clock, _audit, token_hash
from wirefix.storage.database import Database, utcnow
from wirefix.storage.deliveries import RecipientStore

log = logging.getLogger("wirefix.recipients.ack")


class AckRefused(WirefixError):
    """The token acknowledges nothing; the message says why (one line)."""

    def __init__(self, message: str, reused: bool = False) -> None:
        super().__init__(message)
        self.reused = reused


@dataclass
class AckOutcome:
    notification: Notification
    notice: Notice
    audit_seq: int


def token_of(url_or_token: str) -> str:
    """ "https://x/ack/TOKEN?utm=..." -> "TOKEN"; a bare token is itself."""
    text = url_or_token.strip()
    if "/" in text:
        text = urlsplit(text).path.rstrip("/").rsplit("/", 1)[-1]
    return text


def lookup(db: Database, token: str) -> tuple[Notification, Notice]:
    """The notification a token belongs to, or `AckRefused` (logged)."""
    n = RecipientStore(db).token_notification(token_hash(token)) if token else None
    if n is None:
        log.warning("acknowledgement refused: unknown token %s...", token_hash(token)[:12])
        raise AckRefused("unknown acknowledgement token (forged, mistyped or not issued here)")
    return n, db.notice(n.notice_id)[0]


def acknowledge(
    db: Database,
    token: str,
    by: str | None,
    via: str,
    operator: str,
    clock: Clock = utcnow,
    client: str | None = None,
) -> AckOutcome:
    """Record the acknowledgement the token stands for, once."""
    n, notice = lookup(db, token)
    store = RecipientStore(db)
    when = clock()
    who = (by or n.recipient).strip() or n.recipient
    if n.acknowledged_at is not None or not store.acknowledge(n.id, who, via, when):
        n = store.notification(n.id) or n
        log.warning(
            "acknowledgement refused: notice %s, recipient %s already acknowledged",
            n.notice_id,
            n.recipient,
        )
        _audit(db, n, "ack", operator, when, outcome="failed", via=via, by=who, client=client,
               error="token reused: already acknowledged")  # fmt: skip
        raise AckRefused(
            f"notice {n.notice_id}, recipient {n.recipient}: already acknowledged "
            f"{n.acknowledged_at:%Y-%m-%d %H:%M} UTC by {n.acknowledged_by}",
            reused=True,
        )
    seq = _audit(db, n, "ack", operator, when, via=via, by=who, client=client)
    return AckOutcome(store.notification(n.id) or n, notice, seq)
