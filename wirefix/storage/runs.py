"""Runs and review decisions: the state `wirefix status` and `wirefix review` read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_

from wirefix.model import ReviewDecision
from wirefix.storage.database import Database, as_utc, utcnow
from wirefix.storage.schema import AuditRow, FileRow, ReviewRow, RunRow

#: The decision an `undo` (or the restore of a kill) leaves on a file: held. No machine changes
#: the file again for that notice (not `apply`, not `run`, not `--include-review`); a person
#: re-decides with `wirefix review --approve N:F` (or `--reject`).
UNDONE = "undone"
_DECIDING = ("review-approve", "review-reject", "undo", "restore")


@dataclass(frozen=True)
class RunRecord:
    id: int
    kind: str
    operator: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    summary: dict[str, Any]
    error: str | None


def start_run(db: Database, kind: str, operator: str) -> int:
    with db.session() as s:
        row = RunRow(
            kind=kind, operator=operator, started_at=utcnow(), outcome="running", summary={}
        )
        s.add(row)
        s.flush()
        return row.id


def finish_run(
    db: Database, run_id: int, outcome: str, summary: dict[str, Any], error: str | None = None
) -> None:
    with db.session() as s:
        row = s.get(RunRow, run_id)
        if row is not None:
            row.finished_at, row.outcome, row.summary, row.error = utcnow(), outcome, summary, error


def last_runs(db: Database, limit: int = 1) -> list[RunRecord]:
    with db.session() as s:
        rows = s.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(limit)).all()
        return [_record(r) for r in rows]


def last_error(db: Database) -> RunRecord | None:
    with db.session() as s:
        row = s.scalar(
            select(RunRow).where(RunRow.error.is_not(None)).order_by(RunRow.id.desc()).limit(1)
        )
        return _record(row) if row else None


def _record(r: RunRow) -> RunRecord:
    return RunRecord(
        id=r.id,
        kind=r.kind,
        operator=r.operator,
        started_at=as_utc(r.started_at),
        finished_at=as_utc(r.finished_at) if r.finished_at else None,
        outcome=r.outcome,
        summary=r.summary or {},
        error=r.error,
    )


def record_review(
    db: Database, notice_id: int, file_id: int, decision: ReviewDecision, operator: str
) -> None:
    with db.session() as s:
        s.add(
            ReviewRow(
                notice_id=notice_id,
                file_id=file_id,
                decision=decision,
                operator=operator,
                decided_at=utcnow(),
            )
        )


def review_decisions(db: Database, notice_id: int | None = None) -> dict[tuple[int, int], str]:
    """(notice id, file id) -> the latest decision taken on it: "approved" or "rejected" by an
    editor, or `UNDONE` when the file's last act in the audit log is an undo or a restore, so
    `match`, `status`, `review`, `report` and `apply` all see an undone file the same way."""
    with db.session() as s:
        latest = (
            select(ReviewRow.notice_id, ReviewRow.file_id, func.max(ReviewRow.id).label("last"))
            .group_by(ReviewRow.notice_id, ReviewRow.file_id)
            .subquery()
        )
        query = select(ReviewRow).join(latest, ReviewRow.id == latest.c.last)
        if notice_id is not None:
            query = query.where(ReviewRow.notice_id == notice_id)
        decisions = {(r.notice_id, r.file_id): r.decision for r in s.scalars(query)}
    decisions.update(dict.fromkeys(undone_files(db, notice_id), UNDONE))
    return decisions


def undone_files(db: Database, notice_id: int | None = None) -> set[tuple[int, int]]:
    """(notice id, file id) whose last deciding act in the audit log (an approval, a rejection,
    an undo, a restore) is an undo or a restore."""
    query = select(AuditRow.notice_id, AuditRow.action, AuditRow.payload).where(
        AuditRow.outcome == "ok", AuditRow.action.in_(_DECIDING)
    )
    if notice_id is not None:
        query = query.where(AuditRow.notice_id == notice_id)
    last: dict[tuple[int, str, str], str] = {}
    with db.session() as s:
        for nid, action, payload in s.execute(query.order_by(AuditRow.seq)):
            body = json.loads(payload)
            if nid is not None and body.get("root") and body.get("rel_path"):
                last[(nid, body["root"], body["rel_path"])] = action
        held = [k for k, action in last.items() if action in ("undo", "restore")]
        if not held:
            return set()
        ids = {
            (root, rel): fid
            for fid, root, rel in s.execute(
                select(FileRow.id, FileRow.root, FileRow.rel_path).where(
                    tuple_(FileRow.root, FileRow.rel_path).in_([(r, p) for _, r, p in held])
                )
            )
        }
    return {(nid, ids[(root, rel)]) for nid, root, rel in held if (root, rel) in ids}
