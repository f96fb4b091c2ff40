"""Legal holds: a notice (or every notice) whose backups and quarantined copies must be kept
whatever the retention policy or a kill says, until the hold is released.

A hold is nothing but an audit entry (`action: hold`, then `release`) in the hash chain, so who
set it, when, why and who lifted it is as tamper-evident as the remediations themselves, and
no table can drift from the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wirefix import __version__
from wirefix.audit import chain as audit
from wirefix.errors import WirefixError
from wirefix.storage.database import Database, utcnow

HOLD_ACTIONS = ("hold", "release")
EVERY = "all"  # the key of a hold on every notice


class HoldError(WirefixError):
    """A hold cannot be set or released as asked; the message says why."""


@dataclass(frozen=True)
class Hold:
    """One hold in force: which notice (None: all), the entry that set it, by whom and why."""

    notice: int | None
    entry: int
    since: str
    by: str
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "notice": self.notice,
            "entry": self.entry,
            "since": self.since,
            "by": self.by,
            "reason": self.reason,
        }


def in_force(rows: list[Any]) -> dict[int | None, Hold]:
    """The holds in force after these audit rows (any rows: others are skipped), by notice."""
    held: dict[int | None, Hold] = {}
    for row in rows:
        if row.action not in HOLD_ACTIONS or row.outcome != "ok":
            continue
        body = json.loads(row.payload)
        notice = None if body.get("hold") == EVERY else body.get("notice_id")
        if row.action == "hold":
            held[notice] = Hold(notice, row.seq, body["remediated_at"], body["operator"],
                                body.get("hold_reason"))  # fmt: skip
        else:
            held.pop(notice, None)
    return held


def current(db: Database) -> dict[int | None, Hold]:
    return in_force(db.audit_entries_of(HOLD_ACTIONS))


def covers(held: dict[int | None, Hold], notices: set[int | None]) -> Hold | None:
    """The hold that keeps something these notices' entries need, if any."""
    if None in held:
        return held[None]
    for notice in notices:
        if notice is not None and notice in held:
            return held[notice]
    return None


def set_hold(
    db: Database, notice: int | None, operator: str, reason: str | None, release: bool = False
) -> tuple[int | None, Hold | None]:
    """Put `notice` (None: every notice) on hold, or release it; (new entry's seq, the hold).

    A hold already in force is not set twice (seq None, the existing hold); releasing what is
    not held is refused."""
    if notice is not None:
        db.notice(notice)  # a DatabaseError naming the notice if there is none
    held = current(db)
    what = "every notice" if notice is None else f"notice {notice}"
    if release and notice not in held:
        raise HoldError(f"no hold on {what} is in force: `wirefix hold --list` shows the holds")
    if not release and notice in held:
        return None, held[notice]
    body = {
        "notice_id": notice,
        "hold": EVERY if notice is None else "notice",
        "hold_reason": reason,
        "reason": ("release of the legal hold on " if release else "legal hold on ") + what,
        "path": what,
        "root": None,
        "rel_path": None,
        "action": "release" if release else "hold",
        "outcome": "ok",
        "error": None,
        "changes": [],
        "notes": [f"releases entry {held[notice].entry}"] if release else [],
        "operator": operator,
        "wirefix_version": __version__,
        "remediated_at": utcnow().isoformat(),
    }
    seq = audit.append(db, body)
    return seq, current(db).get(notice)
