"""The retention ledger: which of wirefix's own copies of photos (backups in the backup store,
files a kill moved to quarantine) are still needed, held, or expired.

It is read from the audit log alone, the one record every remediation, undo, kill, hold and
purge already writes, so it cannot drift from what happened and needs no table of its own:

- a backup is needed by each `rewrite` entry it holds the original of, for `undo`, until the
  retention window (`backup_retention_days`) has passed since the last entry that used it;
- a rewrite undone (`undo`) or whose file was killed since no longer needs it; a killed file's
  backups expire at once (the kill rule), the others when the window has passed;
- a quarantined copy is needed by its kill's `undo` for the window after the kill;
- a backup no successful entry names (its rewrite failed, or is under way in another process)
  is kept for at least a day after it was written; one a pending intent names, always;
- a legal hold (`wirefix.rewrite.holds`) on a notice keeps every copy its entries name.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wirefix.rewrite import holds as holds_mod
from wirefix.storage.database import Database, as_utc, utcnow

RETENTION_DAYS = 30  # the default of `backup_retention_days` (docs/operations.md)
UNREFERENCED_GRACE = timedelta(days=1)
LEDGER_ACTIONS = ("rewrite", "undo", "kill", "restore", "hold", "release", "purge")
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Policy:
    """How long copies are kept, and where the backups are."""

    days: int
    backups: Path

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.days)


@dataclass
class Copy:
    """One copy on disk of a photo's bytes that wirefix made: a backup or a quarantined file."""

    kind: str  # "backup" | "quarantine"
    sha256: str
    location: str
    backed_up: list[str] = field(default_factory=list)  # the store files it is a copy of
    entries: list[int] = field(default_factory=list)  # the audit entries that name it
    notices: set[int | None] = field(default_factory=set)
    expires: datetime | None = None  # None: kept while an intent names it
    killed_by: int | None = None  # the kill whose rule expires it at once
    state: str = "kept"  # kept | held | expired
    held_by: int | None = None  # the hold entry keeping it

    @property
    def reason(self) -> str:
        return "kill" if self.killed_by is not None else "retention"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sha256": self.sha256,
            "location": self.location,
            "backed_up": self.backed_up,
            "entries": self.entries,
            "state": self.state,
            "reason": self.reason if self.state == "expired" else None,
            "expires": self.expires.isoformat() if self.expires else None,
            "held_by": self.held_by,
            "killed_by": self.killed_by,
        }


@dataclass
class Ledger:
    copies: list[Copy]
    purged: dict[str, int]  # backup sha256 or quarantine location -> the entry that purged it
    holds: dict[int | None, holds_mod.Hold]

    def counts(self) -> dict[str, int]:
        out = {"kept": 0, "held": 0, "expired": 0}
        for c in self.copies:
            out[c.state] += 1
        return dict(out, purged=len(self.purged))


@dataclass
class _Need:
    seq: int
    at: datetime
    notice: int | None
    path: str
    live: bool = True  # not undone
    last_used: datetime | None = None  # the undo that released it


def build(db: Database, policy: Policy, now: datetime | None = None) -> Ledger:
    """The ledger as of `now` (default: the current time; tests pass their own clock)."""
    rows = db.audit_entries_of(LEDGER_ACTIONS)
    pending = [body for _, _, _, body in db.journal_pending()]
    return from_rows(rows, pending, policy, as_utc(now) if now else utcnow())


def from_rows(rows: list[Any], pending: list[dict[str, Any]], policy: Policy,
              now: datetime) -> Ledger:  # fmt: skip
    needs: dict[str, list[_Need]] = {}
    by_seq: dict[int, _Need] = {}
    refs: dict[str, tuple[set[int | None], set[str], datetime]] = {}  # failed rewrites too
    killed: dict[str, tuple[int, int | None]] = {}  # path -> (kill seq, notice)
    quarantined: dict[int, list[Copy]] = {}
    purged: dict[str, int] = {}
    for row in rows:
        if row.outcome != "ok" and row.action != "rewrite":
            continue
        body = json.loads(row.payload)
        at, notice, path = _time(body), body.get("notice_id"), body["path"]
        if row.action == "rewrite":
            sha = body.get("sha256_before")
            if not sha:
                continue
            seen = refs.setdefault(sha, (set(), set(), at))
            seen[0].add(notice)
            seen[1].add(path)
            refs[sha] = (seen[0], seen[1], max(seen[2], at))
            if row.outcome == "ok" and sha != body.get("sha256_after"):
                need = _Need(row.seq, at, notice, path)
                needs.setdefault(sha, []).append(need)
                by_seq[row.seq] = need
        elif row.action == "undo" and body.get("undoes") in by_seq:
            need = by_seq[body["undoes"]]
            need.live, need.last_used = False, at
        elif row.action == "kill":
            killed[path] = (row.seq, notice)
            for step in body.get("steps") or []:
                if step["kind"] == "wirefix-backup":
                    purged[step["sha256"]] = row.seq
                elif step["dst"]:
                    copy = Copy("quarantine", step["sha256"], step["dst"], [step["src"]],
                                [row.seq], {notice}, at + policy.window)  # fmt: skip
                    quarantined.setdefault(row.seq, []).append(copy)
        elif row.action == "restore":
            quarantined.pop(body.get("undoes"), None)
            if killed.get(path, (None,))[0] == body.get("undoes"):
                del killed[path]
        elif row.action == "purge":
            for step in body.get("steps") or []:
                key = step["sha256"] if step["kind"] == "wirefix-backup" else step["src"]
                purged[key] = row.seq
    held = holds_mod.in_force(rows)
    busy = _named_by_intents(pending)
    copies = [
        _backup(sha, location, needs.get(sha, []), refs.get(sha), killed, policy, busy)
        for sha, location in _on_disk(policy.backups)
    ]
    copies += [c for group in quarantined.values() for c in group if os.path.isfile(c.location)]
    for copy in copies:
        hold = holds_mod.covers(held, copy.notices)
        if hold is not None:
            copy.state, copy.held_by = "held", hold.entry
        elif copy.expires is not None and now >= copy.expires:
            copy.state = "expired"
    return Ledger(copies, purged, held)


def summary(db: Database, policy: Policy, now: datetime | None = None) -> dict[str, Any]:
    """What `status` and `report --json` say: copies kept, held, expired (purged by the next
    prune), purged so far, and the holds in force."""
    ledger = build(db, policy, now)
    return {
        "retention_days": policy.days,
        **ledger.counts(),
        "holds": [h.to_dict() for h in ledger.holds.values()],
    }


def _backup(
    sha: str,
    location: str,
    needs: list[_Need],
    seen: tuple[set[int | None], set[str], datetime] | None,
    killed: dict[str, tuple[int, int | None]],
    policy: Policy,
    busy: set[str],
) -> Copy:
    copy = Copy("backup", sha, location)
    if seen is not None:
        copy.notices, copy.backed_up = set(seen[0]), sorted(seen[1])
    copy.entries = [n.seq for n in needs]
    live: list[_Need] = []
    for need in needs:
        kill = killed.get(need.path)
        if kill is not None and kill[0] > need.seq:
            copy.killed_by = kill[0]
            copy.notices.add(kill[1])
        elif need.live:
            live.append(need)
    if sha in busy:
        copy.expires, copy.killed_by = None, None
    elif live:  # an undo-able rewrite: the window runs from the latest one
        copy.expires, copy.killed_by = max(n.at for n in live) + policy.window, None
    elif copy.killed_by is not None:
        copy.expires = max(n.at for n in needs)  # the kill rule: at once
    elif needs:  # every rewrite undone: the window runs from the last use
        copy.expires = max(n.last_used or n.at for n in needs) + policy.window
    else:  # no entry needs it: a failed rewrite's, or one being written right now
        grace = max(policy.window, UNREFERENCED_GRACE)
        written = _written(location)
        last = max(written, seen[2]) if seen is not None else written
        copy.expires = last + grace
    return copy


def _on_disk(root: Path) -> list[tuple[str, str]]:
    """(sha256, path) of every backup in the store (`<root>/<sha[:2]>/<sha256>`)."""
    found: list[tuple[str, str]] = []
    try:
        shards = [e for e in os.scandir(root) if len(e.name) == 2 and e.is_dir()]
    except OSError:
        return found
    for shard in sorted(shards, key=lambda e: e.name):
        try:
            entries = list(os.scandir(shard.path))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if _SHA.fullmatch(name) and name[:2] == shard.name and entry.is_file():
                found.append((name, entry.path))
    return found


def _written(location: str) -> datetime:
    """When a backup was made: its ctime (a hard link made from the original keeps the
    original's mtime, but linking or writing it sets ctime)."""
    try:
        ctime = os.stat(location).st_ctime
    except OSError:
        return utcnow()
    return datetime.fromtimestamp(ctime, UTC)


def _named_by_intents(pending: list[dict[str, Any]]) -> set[str]:
    """The sha256s an unfinished change still names: never purged under its feet."""
    named: set[str] = set()
    for body in pending:
        for key in ("sha256_before", "sha256_after"):
            if body.get(key):
                named.add(body[key])
        named.update(step["sha256"] for step in body.get("steps") or [] if step.get("sha256"))
    return named


def _time(body: dict[str, Any]) -> datetime:
    return as_utc(datetime.fromisoformat(body["remediated_at"]))


def purge_entry_for(db: Database, sha256: str | None = None,
                    location: str | None = None) -> tuple[int, str, str] | None:  # fmt: skip
    """(seq, reason, time) of the latest entry that deleted this backup (by sha256) or this
    quarantined copy (by location): what `undo` names when the bytes are gone."""
    found = None
    for row in db.audit_entries_of(("purge", "kill")):
        body = json.loads(row.payload)
        for step in body.get("steps") or []:
            if step.get("dst") is not None:
                continue
            if (sha256 and step["kind"] == "wirefix-backup" and step["sha256"] == sha256) or (
                location and step["src"] == location
            ):
                reason = body.get("purge_reason") or ("kill" if row.action == "kill" else "?")
                found = (row.seq, reason, body["remediated_at"][:19])
    return found
