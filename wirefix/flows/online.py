"""The online step of `apply` and `run`: after the store's files, the copies on the sites."""

from __future__ import annotations

from typing import Any

from wirefix import shapes
from wirefix.decide.match import MatchConfig
from wirefix.flows.pipeline import match_notice
from wirefix.online import store
from wirefix.online.affected import Affected, Log, affected_files
from wirefix.online.config import OnlineConfig
from wirefix.online.remediate import CopyOutcome, Remediation
from wirefix.storage.database import Database


def prepare(
    db: Database, notice_id: int, config: OnlineConfig, match: MatchConfig | None = None
) -> list[Affected] | None:
    """The store's files of the notice, hashed before the store step moves a killed one
    (matched first, as `apply` would, when the notice was never matched)."""
    if not config.sites:
        return None
    if not db.candidates(notice_id):
        match_notice(db, notice_id, match)
    return affected_files(db, notice_id)


def needs(db: Database, notice_id: int) -> bool:
    """Whether a scheduled run still owes this notice its online step: the store was acted on
    and the sites were not yet searched for it, or a copy stayed open."""
    entries = db.audit_entries(notice_id)
    store_done = any(e.outcome == "ok" and not e.action.startswith("online-") for e in entries)
    searched = any(e.action.startswith("online-") for e in entries) or store.copies(db, notice_id)
    return (store_done and not searched) or bool(store.copies(db, notice_id, open_only=True))


def handle(
    db: Database,
    notice_id: int,
    config: OnlineConfig,
    operator: str,
    affected: list[Affected] | None = None,
    dry_run: bool = False,
    log: Log | None = None,
) -> list[CopyOutcome]:
    if not config.sites:
        return []
    return Remediation(db, notice_id, config, operator, affected, log).run(dry_run=dry_run)


def summary(outcomes: list[CopyOutcome]) -> dict[str, Any]:
    return {
        "copies": [shapes.copy_outcome_json(o) for o in outcomes],
        "open": [
            f"{o.site} {o.kind} {o.object_id}: {o.error}"
            for o in outcomes
            if o.status == "open" or (o.error and o.status != "planned")
        ],
    }
