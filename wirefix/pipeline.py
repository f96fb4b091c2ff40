"""The pipeline in one place: notice -> corrections -> candidates -> edit plan -> rewrite -> audit.

Each function here composes stages for one command; the CLI only parses options and renders.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wirefix import audit, ingest
from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.match import MatchConfig, match, notice_keys
from wirefix.model import Candidate, EditPlan, Notice, RewriteResult
from wirefix.plan import PlanError, make_plan
from wirefix.rewrite import BackupStore, rewrite
from wirefix.storage import Database


@dataclass
class IngestOutcome:
    stored: list[tuple[int, bool, Notice]] = field(default_factory=list)  # (id, is_new, notice)
    errors: list[str] = field(default_factory=list)


def ingest_sources(
    db: Database, sources: list[str], exiftool: ExifTool | None = None
) -> IngestOutcome:
    parsed = ingest.parse_sources(sources, exiftool)
    outcome = IngestOutcome(errors=parsed.errors)
    for notice in parsed.notices:
        notice_id, is_new = db.add_notice(notice)
        outcome.stored.append((notice_id, is_new, notice))
    return outcome


def match_notice(
    db: Database, notice_id: int, config: MatchConfig | None = None
) -> list[Candidate]:
    """Score the index against one notice and keep the result for `apply`."""
    config = config or MatchConfig()
    notice, _ = db.notice(notice_id)
    files = db.candidate_files(notice_keys(notice), limit=config.max_candidates)
    candidates = match(notice, files, config)
    db.replace_candidates(notice_id, candidates)
    return candidates


@dataclass
class FileOutcome:
    """What `apply` did (or would do) to one candidate file."""

    candidate: Candidate
    status: str  # planned, changed, already-correct, failed, skipped
    plan: EditPlan | None = None
    result: RewriteResult | None = None
    audit_seq: int | None = None
    message: str | None = None


def apply_notice(
    db: Database,
    notice_id: int,
    exiftool: ExifTool,
    backups: BackupStore,
    operator: str,
    dry_run: bool = False,
    include_review: bool = False,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Plan and rewrite every `auto` candidate (and `review` ones if asked), one audit entry per
    changed file. A file that already carries the correction is left alone and reported so."""
    notice, received_at = db.notice(notice_id)
    candidates = db.candidates(notice_id)
    if not candidates:
        candidates = match_notice(db, notice_id)
    wanted = {"auto", "review"} if include_review else {"auto"}
    ctx = audit.AuditContext(
        operator=operator,
        exiftool_version=exiftool.version,
        notice_id=notice_id,
        notice_hash=notice.content_hash,
        notice_received_at=received_at,
        reason=describe(notice),
    )
    outcomes = []
    for candidate in candidates:
        if candidate.decision not in wanted:
            continue
        outcome = _apply_one(db, notice, candidate, exiftool, backups, ctx, dry_run)
        outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    return outcomes


def _apply_one(
    db: Database,
    notice: Notice,
    candidate: Candidate,
    exiftool: ExifTool,
    backups: BackupStore,
    ctx: audit.AuditContext,
    dry_run: bool,
) -> FileOutcome:
    path = candidate.file.path
    refused = _outside_root(db, candidate)
    if refused:
        return FileOutcome(candidate, "failed", message=refused)
    try:
        record = exiftool.read_one(path)
        plan = make_plan(notice, record)
    except (ExifToolError, PlanError) as exc:
        return FileOutcome(candidate, "failed", message=str(exc))
    if plan.action == "kill":
        return FileOutcome(candidate, "failed", plan, message="kill notices are not applied yet")
    if plan.is_empty:
        return FileOutcome(candidate, "already-correct", plan, message="already correct")
    if dry_run:
        return FileOutcome(candidate, "planned", plan)
    result = rewrite(plan, record, exiftool, backups)
    seq, _ = audit.record(db, ctx, result, candidate.file.root, candidate.file.rel_path)
    status = "changed" if result.outcome == "ok" else "failed"
    return FileOutcome(candidate, status, plan, result, seq, result.error)


def _outside_root(db: Database, candidate: Candidate) -> str | None:
    """Refuse paths that resolve outside their store root (symlinks pointing out of it)."""
    root = db.roots().get(candidate.file.root)
    if root is None:
        return f"{candidate.file.path}: store root {candidate.file.root!r} is not configured"
    real_root = os.path.realpath(root)
    real = os.path.realpath(candidate.file.path)
    if os.path.commonpath([real_root, real]) != real_root or os.path.islink(candidate.file.path):
        return f"{candidate.file.path}: resolves outside store root {root}; refused"
    return None


def describe(notice: Notice) -> str:
    """The notice in words, for the audit entry's `reason`."""
    parts = [f"{notice.agency or 'unknown agency'} {notice.kind}"]
    parts += [f"{c.field}: {c.erroneous!r} -> {c.corrected!r}" for c in notice.corrections]
    return "; ".join(parts)


def store_roots(paths: list[str]) -> dict[str, Path]:
    from wirefix.scan import root_name

    return {root_name(p): Path(p) for p in paths}
