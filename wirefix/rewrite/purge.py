"""Purging what the retention ledger says has expired: backups past the retention window, a
killed photo's backups at once, quarantined copies past the window (`wirefix.rewrite.retention`).

Each purge is one audit entry (`action: purge`, `purge_reason: retention | kill`) whose steps
name every file deleted with its sha256 and the store files it was a copy of; the bytes are
gone, the hashes stay. It is journaled like a kill: an interrupted purge is finished by the
next `apply`, `undo` or `audit verify --repair` (`recover.reconcile`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from wirefix import __version__
from wirefix.audit import chain as audit
from wirefix.rewrite import journal, recover, retention
from wirefix.rewrite.durable import fsync_dir
from wirefix.storage.database import Database, utcnow

#: Copies named per entry: a first prune of a large store is several entries, not one huge one.
CHUNK = 200


@dataclass
class PruneResult:
    purged: list[retention.Copy] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ledger: retention.Ledger | None = None

    def to_dict(self, dry_run: bool = False) -> dict[str, Any]:
        counts = self.ledger.counts() if self.ledger else {}
        return {
            "dry_run": dry_run,
            ("would_purge" if dry_run else "purged"): [c.to_dict() for c in self.purged],
            "entries": self.entries,
            "errors": self.errors,
            "held": counts.get("held", 0),
            "kept": counts.get("kept", 0),
            "purged_before": counts.get("purged", 0),
        }


def prune(
    db: Database,
    policy: retention.Policy,
    operator: str,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PruneResult:
    """Purge every expired, unheld copy; a dry run only lists them."""
    if not dry_run:
        recover.reconcile(db)
    ledger = retention.build(db, policy, now)
    expired = [c for c in ledger.copies if c.state == "expired"]
    result = PruneResult(ledger=ledger)
    if dry_run:
        result.purged = expired
        return result
    for reason in ("kill", "retention"):
        group = [c for c in expired if c.reason == reason]
        for start in range(0, len(group), CHUNK):
            _purge(db, group[start : start + CHUNK], reason, str(policy.backups), None,
                   operator, result)  # fmt: skip
    return result


def after_kill(
    db: Database, backups_root: Path, kill_seq: int, body: dict[str, Any]
) -> PruneResult:
    """A verified kill's backups go at once (unless a hold keeps them), in one entry naming the
    kill; `body` is the kill's audit payload."""
    result = PruneResult()
    if not _verified(body.get("steps") or []):
        result.errors.append(f"{body['path']}: kill not verified; its backups are kept")
        return result
    policy = retention.Policy(retention.RETENTION_DAYS, backups_root)
    ledger = retention.build(db, policy)
    result.ledger = ledger
    mine = [c for c in ledger.copies if c.killed_by == kill_seq and c.state == "expired"]
    if mine:
        where = {"root": body.get("root"), "rel_path": body.get("rel_path")}
        _purge(db, mine, "kill", body["path"], body.get("notice_id"), body["operator"], result,
               kill_entry=kill_seq, **where)  # fmt: skip
    return result


def _verified(steps: list[dict[str, Any]]) -> bool:
    """Every copy out of the store, every quarantined one in place (the kill took hold)."""
    for step in steps:
        if os.path.lexists(step["src"]):
            return False
        if step["dst"] and not os.path.isfile(step["dst"]):
            return False
    return True


def _purge(
    db: Database,
    copies: list[retention.Copy],
    reason: str,
    path: str,
    notice: int | None,
    operator: str,
    result: PruneResult,
    **extra: Any,
) -> None:
    steps: list[dict[str, Any]] = [
        {
            "kind": "wirefix-backup" if c.kind == "backup" else "quarantine",
            "src": c.location,
            "dst": None,
            "sha256": c.sha256,
            "backed_up": c.backed_up,
            "entries": c.entries,
        }
        for c in copies
    ]
    what = "backups and quarantined copies" if reason == "retention" else "backups of a kill"
    body: dict[str, Any] = {
        "notice_id": notice,
        "reason": f"{what} purged ({reason})",
        "purge_reason": reason,
        "path": path,
        "root": None,
        "rel_path": None,
        "action": "purge",
        "outcome": "ok",
        "error": None,
        "changes": [],
        "notes": [],
        "steps": steps,
        "operator": operator,
        "wirefix_version": __version__,
        "remediated_at": utcnow().isoformat(),
        "run": journal.owner(),
        **extra,
    }
    jid = db.journal_open(path, "purge", body)
    done, deleted = [], []
    for step, copy in zip(steps, copies, strict=True):
        try:
            os.unlink(step["src"])
            fsync_dir(Path(step["src"]).parent)
        except FileNotFoundError:
            pass  # gone already: still recorded, the bytes are not there
        except OSError as exc:
            result.errors.append(f"{step['src']}: could not purge: {exc.strerror or exc}")
            continue
        done.append(step)
        deleted.append(copy)
    if not done:
        db.journal_drop(jid)
        return
    body["steps"] = done
    result.entries.append(audit.append(db, body, jid))
    result.purged += deleted
