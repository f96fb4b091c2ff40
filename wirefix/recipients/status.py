"""Per notice, per recipient: told (when, channel, message id or HTTP status), acknowledged
(when, by whom, how), reminders, escalation, overdue. The `recipients` section of `report`
and the counts of `status`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wirefix.deliveries import NotificationState
from wirefix.recipients.config import Policy
from wirefix.recipients.notify import overdue
from wirefix.storage.database import Database, utcnow
from wirefix.storage.deliveries import RecipientStore


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def section(
    db: Database, notice_id: int, pol: Policy | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """One entry per recipient the notice concerns."""
    pol, now = pol or Policy(), now or utcnow()  # the caller passes the configured one
    store = RecipientStore(db)
    out = []
    for n in store.notifications(notice_id):
        messages = store.messages(n.id)
        late = overdue(n, pol.remind_after_hours, now)
        state: NotificationState
        if n.acknowledged_at:
            state = "acknowledged"
        elif late:
            state = "overdue"
        elif n.told_at:
            state = "told"
        else:
            state = "pending"
        out.append(
            {
                "recipient": n.recipient,
                "state": state,
                "told_at": _iso(n.told_at),
                "messages": [
                    {
                        "channel": m.channel,
                        "round": m.round,
                        "state": m.state,
                        "sent_at": _iso(m.sent_at),
                        "detail": m.detail,
                        "attempts": m.attempts,
                        "last_error": m.last_error,
                    }
                    for m in messages
                ],
                "reminders": n.reminders,
                "escalated_at": _iso(n.escalated_at),
                "acknowledged_at": _iso(n.acknowledged_at),
                "acknowledged_by": n.acknowledged_by,
                "acknowledged_via": n.acknowledged_via,
                "overdue": late,
                "deliveries": n.deliveries,
            }
        )
    return out


def counts(db: Database, pol: Policy | None = None, now: datetime | None = None) -> dict[str, int]:
    pol, now = pol or Policy(), now or utcnow()  # the caller passes the configured one
    store = RecipientStore(db)
    ns = store.notifications()
    return {
        "notifications": len(ns),
        "told": sum(1 for n in ns if n.told_at),
        "acknowledged": sum(1 for n in ns if n.acknowledged_at),
        "acks_overdue": sum(1 for n in ns if overdue(n, pol.remind_after_hours, now)),
        "escalated": sum(1 for n in ns if n.escalated_at and not n.acknowledged_at),
        "messages_pending": sum(1 for m in store.messages() if m.state == "pending"),
    }


def csv_rows(notice: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for report's CSV: action `notify`, file = recipient, tag = channel (docs)."""
    rows = []
    for r in notice.get("recipients") or []:
        for m in r["messages"] or [{}]:
            rows.append(
                {
                    "file": r["recipient"],
                    "action": "notify" if not m.get("round") else f"remind {m['round']}",
                    "outcome": r["state"],
                    "operator": r["acknowledged_by"] or "",
                    "remediated_at": m.get("sent_at") or "",
                    "tag": m.get("channel", ""),
                    "before": m.get("detail") or "",
                    "after": r["acknowledged_at"] or "",
                    "error": m.get("last_error") or "",
                }
            )
    return rows
