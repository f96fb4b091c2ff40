"""The `online_copies` table: each copy open until its change was made, purged and verified."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from wirefix.storage.database import Database, utcnow
from wirefix.storage.schema import OnlineCopyRow

if TYPE_CHECKING:
    from wirefix.online.base import CopyOutcome


def record(db: Database, notice_id: int, o: CopyOutcome) -> None:
    now = utcnow()
    with db.session() as s:
        row = s.scalar(
            select(OnlineCopyRow).where(
                OnlineCopyRow.notice_id == notice_id,
                OnlineCopyRow.site == o.site,
                OnlineCopyRow.kind == o.kind,
                OnlineCopyRow.object_id == o.object_id,
            )
        )
        if row is None:
            row = OnlineCopyRow(
                notice_id=notice_id, site=o.site, kind=o.kind, object_id=o.object_id
            )
            s.add(row)
        row.url, row.found_by, row.action = o.url, o.found_by, o.action
        row.state = "open" if o.error or o.status == "open" else "done"
        row.error, row.audit_seq, row.updated_at = o.error, o.audit_seq, now
        row.replaced_by = o.replaced_by
        if row.state == "done":
            row.verified_at = now
        s.commit()


def is_open(db: Database, notice_id: int, o: CopyOutcome) -> bool:
    with db.session() as s:
        state = s.scalar(
            select(OnlineCopyRow.state).where(
                OnlineCopyRow.notice_id == notice_id,
                OnlineCopyRow.site == o.site,
                OnlineCopyRow.kind == o.kind,
                OnlineCopyRow.object_id == o.object_id,
            )
        )
    return state == "open"


def settle_site(db: Database, notice_id: int, site: str) -> None:
    """The site answered this time: its "could not be searched" row is done."""
    with db.session() as s:
        for row in s.scalars(
            select(OnlineCopyRow).where(
                OnlineCopyRow.notice_id == notice_id,
                OnlineCopyRow.site == site,
                OnlineCopyRow.kind == "site",
                OnlineCopyRow.state == "open",
            )
        ):
            row.state, row.updated_at = "done", utcnow()
        s.commit()


def copies(
    db: Database, notice_id: int | None = None, open_only: bool = False
) -> list[dict[str, Any]]:
    """The recorded copies, as plain dicts for status and report."""
    q = select(OnlineCopyRow).order_by(OnlineCopyRow.notice_id, OnlineCopyRow.id)
    if notice_id is not None:
        q = q.where(OnlineCopyRow.notice_id == notice_id)
    if open_only:
        q = q.where(OnlineCopyRow.state == "open")
    with db.session() as s:
        rows = s.scalars(q).all()
    return [
        {
            "notice": r.notice_id,
            "site": r.site,
            "kind": r.kind,
            "object_id": r.object_id,
            "url": r.url,
            "found_by": r.found_by,
            "action": r.action,
            "state": r.state,
            "error": r.error,
            "audit_seq": r.audit_seq,
            "replaced_by": r.replaced_by,
            "updated_at": r.updated_at.isoformat(),
            "verified_at": r.verified_at.isoformat() if r.verified_at else None,
        }
        for r in rows
    ]
