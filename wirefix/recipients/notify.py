"""Tell every recipient who got a photo a notice in force concerns, once; remind; escalate.

A delivery is tied to a notice when (docs/recipients.md):

- its sha256 is the `sha256_before` of a file wirefix remediated for the notice (they got the
  erroneous bytes), or
- it is that store file (root, rel_path), delivered before the remediation, or
- one of its identifiers is the notice's, or a transmission reference / agency id of a file
  wirefix remediated for the notice (the photo named by id, not by path).

Each (notice, recipient) gets one notification; each of the recipient's channels one message
per round (0: the notice, n: reminder n). A message stays pending until the server takes it,
and is retried with a growing delay; sent, it becomes an audit entry. Nothing already sent is
sent again, so a second run sends nothing new.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypedDict

from wirefix import __version__
from wirefix.config import ConfigError, HttpSettings
from wirefix.decide import cases
from wirefix.deliveries import Channel, Delivery, Message, Notification, Outgoing, OutgoingPhoto
from wirefix.model import Notice
from wirefix.recipients import mail, webhook
from wirefix.recipients.config import Recipient, RecipientsConfig
from wirefix.storage.database import Database, utcnow
from wirefix.storage.deliveries import RecipientStore, file_identifiers
from wirefix.tagmap import file_stem, norm_key

Clock = Callable[[], datetime]
#: Audit actions of this module: report.py keeps them out of the files' remediation list.
ACTIONS = {"notify", "remind", "escalate", "ack"}


class Planned(TypedDict):
    """A message `--dry-run` would send."""

    notice: int
    recipient: str
    channel: Channel
    round: int


class Sent(Planned):
    """A message the server took: `detail` is the e-mail's Message-ID or "HTTP 200"."""

    detail: str
    sent_at: str


class Pending(Planned):
    """A message the server did not take, tried again from `next_attempt_at`."""

    attempts: int
    error: str
    next_attempt_at: str


class Escalated(TypedDict):
    notice: int
    recipient: str
    reminders: int


@dataclass
class NotifyResult:
    """What one `notify` did; the lists are the `--json` output as they stand."""

    told: list[Sent] = field(default_factory=list)
    reminded: list[Sent] = field(default_factory=list)
    escalated: list[Escalated] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)  # not taken by the server
    planned: list[Planned] = field(default_factory=list)  # --dry-run
    errors: list[str] = field(default_factory=list)
    overdue: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "told": self.told,
            "reminded": self.reminded,
            "escalated": self.escalated,
            "pending": self.pending,
            "planned": self.planned,
            "errors": self.errors,
            "overdue": self.overdue,
        }


def token_hash(token: str) -> str:
    """Tokens are kept only as their sha256: 256 random bits need no slow hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def overdue(n: Notification, hours: float, now: datetime) -> bool:
    """Told, not acknowledged, and the acknowledgement is `hours` late."""
    return (
        n.told_at is not None
        and n.acknowledged_at is None
        and now - n.told_at >= timedelta(hours=hours)
    )


# -- which recipients a notice concerns ---------------------------------------------------


def link(db: Database, deliveries: list[Delivery]) -> dict[tuple[int, str], list[Delivery]]:
    """(notice id, recipient) -> the deliveries that tie them, for every notice in force."""
    out: dict[tuple[int, str], list[Delivery]] = {}
    if not deliveries:
        return out
    for notice_id, notice, _ in db.notices():
        if notice.status != "parsed" or notice.kind not in ("correction", "kill"):
            continue
        tied = _ties(db, notice_id, notice)
        for d in deliveries:
            if tied(d):
                out.setdefault((notice_id, d.recipient), []).append(d)
    return out


def _ties(db: Database, notice_id: int, notice: Notice) -> Callable[[Delivery], bool]:
    payloads = [json.loads(r.payload) for r in db.audit_entries(notice_id)]
    ok_paths, _ = cases.remediated(payloads)
    fixed_at: dict[tuple[str, str], datetime] = {}
    before: set[str] = set()
    for p in payloads:
        if p["action"] in cases.REMEDIATIONS and p["outcome"] == "ok" and p["path"] in ok_paths:
            key = (p.get("root"), p.get("rel_path"))
            when = datetime.fromisoformat(p["remediated_at"])
            if key[0] and key[1]:
                fixed_at[key] = min(when, fixed_at.get(key, when))
            if p.get("sha256_before"):
                before.add(p["sha256_before"])
    ids = {norm_key(v) for k, v in notice.identifiers.items() if v and k != "object_name"}
    stems = {file_stem(v) for k, v in notice.identifiers.items() if v and k != "object_name"}
    ids |= file_identifiers(db, list(fixed_at))

    def tied(d: Delivery) -> bool:
        if d.sha256 and d.sha256 in before:
            return True
        when = fixed_at.get((d.root, d.rel_path))  # type: ignore[arg-type]
        if when is not None and d.delivered_at <= when:
            return True
        if ids & set(d.identifiers):
            return True
        return bool(d.file_name and file_stem(d.file_name) in stems)

    return tied


# -- telling --------------------------------------------------------------------------------


def notify(
    db: Database,
    cfg: RecipientsConfig,
    operator: str,
    http: HttpSettings | None = None,
    clock: Clock = utcnow,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> NotifyResult:
    """Create what is due (notifications, reminders, escalations) and send what is pending."""
    store = RecipientStore(db)
    result = NotifyResult()
    http = http or HttpSettings()
    now = clock()
    deliveries = store.deliveries()
    known = {(n.notice_id, n.recipient): n for n in store.notifications()}
    for (notice_id, name), ds in link(db, deliveries).items():
        recipient = cfg.get(name)
        if recipient is None:
            result.errors.append(
                f"notice {notice_id}: recipient {name} received the photo but is not in "
                "[[recipients]] any more: nobody can be told"
            )
            continue
        if dry_run:
            if (notice_id, name) not in known:
                for channel in recipient.channels:
                    result.planned.append(
                        {"notice": notice_id, "recipient": name, "channel": channel, "round": 0}
                    )
            continue
        n, new = store.ensure_notification(notice_id, name, [d.id for d in ds if d.id], now)
        if new:
            for channel in recipient.channels:
                store.add_message(n.id, 0, channel, now)
    if dry_run:
        return result
    _reminders(db, store, cfg, operator, now, result)
    by_id = {d.id: d for d in deliveries}
    notices: dict[int, Notice] = {}
    for m in store.messages():
        if m.state != "pending" or m.next_attempt_at > now:
            continue
        due = store.notification(m.notification_id)
        if due is None or due.acknowledged_at is not None:
            continue
        recipient = cfg.get(due.recipient)
        if recipient is None or m.channel not in recipient.channels:
            continue
        if due.notice_id not in notices:
            notices[due.notice_id] = db.notice(due.notice_id)[0]
        _send(db, store, cfg, recipient, due, m, notices[due.notice_id], by_id, operator, http,
              clock, sleep, result)  # fmt: skip
    result.overdue = sum(
        1 for n in store.notifications() if overdue(n, cfg.policy.remind_after_hours, clock())
    )
    return result


def _reminders(
    db: Database,
    store: RecipientStore,
    cfg: RecipientsConfig,
    operator: str,
    now: datetime,
    result: NotifyResult,
) -> None:
    wait = timedelta(hours=cfg.policy.remind_after_hours)
    for n in store.notifications():
        recipient = cfg.get(n.recipient)
        if recipient is None or n.acknowledged_at or n.last_sent_at is None:
            continue
        if now - n.last_sent_at < wait:
            continue
        if n.reminders < cfg.policy.max_reminders:
            for channel in recipient.channels:
                store.add_message(n.id, n.reminders + 1, channel, now)
        elif n.escalated_at is None and store.escalate(n.id, now):
            result.escalated.append(
                {"notice": n.notice_id, "recipient": n.recipient, "reminders": n.reminders}
            )
            _audit(db, n, "escalate", operator, now, reminders=n.reminders,
                   reason=f"no acknowledgement after {n.reminders} reminder(s)")  # fmt: skip


def new_token() -> str:
    """An acknowledgement token: 256 random bits, URL-safe, and never starting with "-", which
    `wirefix ack TOKEN` would read as an option (one token in 64 did)."""
    return "a" + secrets.token_urlsafe(32)


def outgoing(
    notice_id: int, notice: Notice, n: Notification, deliveries: list[Delivery], round_: int,
    ack_url: str,
) -> Outgoing:  # fmt: skip
    corrections = [(c.field, c.erroneous, c.corrected) for c in notice.corrections]
    byline = next((right for f, _, right in corrections if f == "byline"), None)
    caption = next((right for f, _, right in corrections if f == "caption"), None)
    default = (
        "Remove this photo from all your online services and delete it from your servers."
        if notice.kind == "kill"
        else "Correct the photo's metadata everywhere you published or stored it."
    )
    return Outgoing(
        notice_id=notice_id,
        recipient=n.recipient,
        round=round_,
        ack_url=ack_url,
        kind=notice.kind,
        agency=notice.agency,
        instruction=(notice.urgency or default).strip().rstrip(".") + ".",
        corrections=corrections,
        photos=[photo(d) for d in deliveries],
        caption=caption or (notice.caption if notice.kind == "correction" else None),
        byline=byline,
    )


def photo(d: Delivery) -> OutgoingPhoto:
    return OutgoingPhoto(
        file_name=d.file_name or (d.rel_path or "").rsplit("/", 1)[-1] or None,
        identifiers=list(d.identifiers),
        delivered_at=d.delivered_at.isoformat(),
        uri=d.uri,
        version=d.version,
        sha256=d.sha256,
    )


def _send(
    db: Database,
    store: RecipientStore,
    cfg: RecipientsConfig,
    recipient: Recipient,
    n: Notification,
    m: Message,
    notice: Notice,
    by_id: dict[int | None, Delivery],
    operator: str,
    http: HttpSettings,
    clock: Clock,
    sleep: Callable[[float], None],
    result: NotifyResult,
) -> None:
    token = new_token()
    store.add_token(n.id, token_hash(token), clock())  # before it leaves: a crash loses nothing
    deliveries = [by_id[i] for i in n.deliveries if i in by_id]
    out = outgoing(n.notice_id, notice, n, deliveries, m.round, cfg.ack_url(token))
    for p, d in zip(out.photos, deliveries, strict=True):  # the store file's own identifiers
        if d.root and d.rel_path:
            known = file_identifiers(db, [(d.root, d.rel_path)], normalise=False)
            p.identifiers = sorted(known) + [i for i in d.identifiers if i not in known]
    try:
        if m.channel == "email":
            assert cfg.smtp is not None and recipient.email
            detail = mail.send(mail.build(out, recipient.email, cfg.smtp, clock()), cfg.smtp)
        else:
            assert recipient.webhook
            secret = recipient.secret()
            statuses = [
                webhook.post(
                    recipient.webhook,
                    webhook.ninjs(out, p, clock()),
                    secret,
                    http,
                    f"{n.id}-{m.round}-{i}",
                    sleep,
                )
                for i, p in enumerate(out.photos)
            ]
            detail = ", ".join(f"HTTP {s}" for s in statuses)
    except (mail.SendError, ConfigError) as exc:
        wait = timedelta(minutes=cfg.policy.retry_minutes * 2 ** min(m.attempts, 6))
        attempts = store.message_failed(m.id, str(exc), clock() + wait)
        result.pending.append(
            {
                "notice": n.notice_id,
                "recipient": n.recipient,
                "channel": m.channel,
                "round": m.round,
                "attempts": attempts,
                "error": str(exc),
                "next_attempt_at": (clock() + wait).isoformat(),
            }
        )
        return
    sent_at = clock()
    store.message_sent(m.id, detail, sent_at)
    entry: Sent = {
        "notice": n.notice_id,
        "recipient": n.recipient,
        "channel": m.channel,
        "round": m.round,
        "detail": detail,
        "sent_at": sent_at.isoformat(),
    }
    (result.reminded if m.round else result.told).append(entry)
    _audit(
        db, n, "remind" if m.round else "notify", operator, sent_at,
        channel=m.channel, round=m.round, detail=detail,
        address=recipient.email if m.channel == "email" else recipient.webhook,
        photos=[p.record() for p in out.photos], notice_hash=notice.content_hash,
    )  # fmt: skip


def _audit(
    db: Database, n: Notification, action: str, operator: str, when: datetime, **extra: Any
) -> int:
    """One entry in the remediation hash chain, `path` naming the recipient."""
    body = {
        "notice_id": n.notice_id,
        "path": f"recipient:{n.recipient}",
        "root": None,
        "rel_path": None,
        "action": action,
        "outcome": extra.pop("outcome", "ok"),
        "error": extra.pop("error", None),
        "recipient": n.recipient,
        "notification": n.id,
        "deliveries": n.deliveries,
        "operator": operator,
        "wirefix_version": __version__,
        "remediated_at": when.isoformat(),
        **extra,
    }
    return db.append_audit(body)[0]
