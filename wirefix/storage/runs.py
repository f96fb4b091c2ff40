"""Runs and review decisions: the state `wirefix status` and `wirefix review` read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from wirefix.model import ReviewDecision
from wirefix.storage.database import Database, as_utc, utcnow
from wirefix.storage.schema import ReviewRow, RunRow


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
    """(notice id, file id) -> the latest decision taken on it."""
    with db.session() as s:
        latest = (
            select(ReviewRow.notice_id, ReviewRow.file_id, func.max(ReviewRow.id).label("last"))
            .group_by(ReviewRow.notice_id, ReviewRow.file_id)
            .subquery()
        )
        query = select(ReviewRow).join(latest, ReviewRow.id == latest.c.last)
        if notice_id is not None:
            query = query.where(ReviewRow.notice_id == notice_id)
        return {(r.notice_id, r.file_id): r.decision for r in s.scalars(query)}
