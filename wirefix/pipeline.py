"""The pipeline in one place: notice -> corrections -> candidates -> edit plan -> rewrite -> audit.

Each function here composes stages for one command; the CLI only parses options and renders.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from wirefix import audit, ingest, journal, kill
from wirefix.config import Config, quarantine_dir
from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.match import MatchConfig, match, notice_keys
from wirefix.model import Candidate, EditPlan, Notice, RewriteResult
from wirefix.plan import PlanError, make_plan
from wirefix.rewrite import READ_ARGS, BackupStore, commit, prepare, remove_orphans
from wirefix.safety import file_lock, outside_roots
from wirefix.storage import Database
from wirefix.storage.runs import review_decisions


@dataclass
class IngestOutcome:
    stored: list[tuple[int, bool, Notice]] = field(default_factory=list)  # (id, is_new, notice)
    errors: list[str] = field(default_factory=list)


def ingest_sources(
    db: Database,
    sources: list[str],
    exiftool: ExifTool | None = None,
    config: Config | None = None,
) -> IngestOutcome:
    """Parse and store notices. A feed's ETag is remembered only once its items are stored, so
    a failed store means the next fetch brings them again."""
    parsed = ingest.parse_sources(sources, exiftool, config=config, remember_feeds=False)
    outcome = IngestOutcome(errors=parsed.errors)
    for notice in parsed.notices:
        notice_id, is_new = db.add_notice(notice)
        outcome.stored.append((notice_id, is_new, notice))
    parsed.remember_feeds()
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


@dataclass(frozen=True)
class ApplyOptions:
    dry_run: bool = False
    include_review: bool = False
    purge: bool = False  # kills delete instead of quarantining
    quarantine: Path | None = None
    only_file_ids: frozenset[int] | None = None  # restrict to these files (review, jobs)


def apply_notice(
    db: Database,
    notice_id: int,
    exiftool: ExifTool,
    backups: BackupStore,
    operator: str,
    dry_run: bool = False,
    include_review: bool = False,
    on_file: Callable[[FileOutcome], None] | None = None,
    options: ApplyOptions | None = None,
) -> list[FileOutcome]:
    """Plan and rewrite (or kill) every `auto` candidate (and `review` ones if asked), one audit
    entry per changed file. A file that already carries the correction is left alone and
    reported so. Intents left by an interrupted run are settled first (wirefix.journal)."""
    opts = options or ApplyOptions(dry_run=dry_run, include_review=include_review)
    if not opts.dry_run:
        journal.reconcile(db)
    notice, received_at = db.notice(notice_id)
    candidates = db.candidates(notice_id)
    if not candidates:
        candidates = match_notice(db, notice_id)
    wanted = {"auto", "review"} if opts.include_review else {"auto"}
    # Editors' review decisions are data: an approved file is applied whatever the matcher
    # said, a rejected one never, not even with --include-review.
    decided = review_decisions(db, notice_id)
    approved = {fid for (_, fid), d in decided.items() if d == "approved"}
    rejected = {fid for (_, fid), d in decided.items() if d == "rejected"}
    ctx = audit_context(notice_id, notice, received_at, operator, exiftool)
    roots = db.roots()
    outcomes = []
    for candidate in candidates:
        fid = candidate.file.id
        if opts.only_file_ids is not None and fid not in opts.only_file_ids:
            continue
        if fid in rejected or (candidate.decision not in wanted and fid not in approved):
            continue
        outcome = remediate_one(db, notice, candidate, exiftool, backups, ctx, opts, roots)
        outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    return outcomes


def remediate_one(
    db: Database,
    notice: Notice,
    candidate: Candidate,
    exiftool: ExifTool,
    backups: BackupStore,
    ctx: audit.AuditContext,
    opts: ApplyOptions,
    roots: dict[str, str],
) -> FileOutcome:
    """One file: refuse it if it is outside the store roots, else lock it, clear temporaries a
    killed run left, and rewrite or kill it. A dry run takes no lock and removes nothing."""
    path = candidate.file.path
    refused = outside_roots(path, roots)
    if refused:
        return FileOutcome(candidate, "failed", message=refused)
    lock = contextlib.nullcontext() if opts.dry_run else file_lock(path, backups.root / ".locks")
    with lock:
        if not opts.dry_run:
            remove_orphans(Path(path))
        if notice.kind == "kill":
            return _kill_one(db, candidate, backups, ctx, opts)
        return _apply_one(db, notice, candidate, exiftool, backups, ctx, opts.dry_run)


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
    try:
        record = exiftool.read_one(path, extra=READ_ARGS)
        plan = make_plan(notice, record)
    except (ExifToolError, PlanError) as exc:
        return FileOutcome(candidate, "failed", message=str(exc))
    if plan.is_empty:
        return FileOutcome(candidate, "already-correct", plan, message="already correct")
    if dry_run:
        return FileOutcome(candidate, "planned", plan)
    root, rel = candidate.file.root, candidate.file.rel_path
    prepared = prepare(plan, record, exiftool, backups)
    if isinstance(prepared, RewriteResult):  # refused or failed verification: file untouched
        seq, _ = audit.record(db, ctx, prepared, root, rel)
        return FileOutcome(candidate, "failed", plan, prepared, seq, prepared.error)
    body = audit.payload(
        ctx, prepared.result, root, rel, outcome="ok", tmp=str(prepared.tmp), run=journal.owner()
    )
    jid = db.journal_open(path, "rewrite", body)
    journal.crash_point("journaled")
    result = commit(prepared)
    journal.crash_point("replaced")
    if result.outcome == "ok":
        seq = audit.append(db, body, jid)
    else:
        db.journal_drop(jid)
        seq, _ = audit.record(db, ctx, result, root, rel)
    status = "changed" if result.outcome == "ok" else "failed"
    return FileOutcome(candidate, status, plan, result, seq, result.error)


def _kill_one(
    db: Database,
    candidate: Candidate,
    backups: BackupStore,
    ctx: audit.AuditContext,
    opts: ApplyOptions,
) -> FileOutcome:
    """Quarantine (or purge) one file and its copies; journaled like a rewrite."""
    path = candidate.file.path
    plan = EditPlan(path=path, action="kill")
    history = db.audit_entries_for(path)
    if not os.path.lexists(path):
        if any(r.action == "kill" and r.outcome == "ok" for r in history):
            return FileOutcome(candidate, "already-correct", plan, message="already killed")
        return FileOutcome(candidate, "failed", plan, message=f"{path}: not found")
    copies = [json.loads(r.payload).get("backup") for r in history if r.outcome == "ok"]
    qdir = opts.quarantine or quarantine_dir()
    root, rel = candidate.file.root, candidate.file.rel_path
    steps = kill.plan_steps(
        path, root, rel, ctx.notice_id or 0, qdir, [c for c in copies if c], opts.purge
    )
    verb = "delete" if opts.purge else "move to quarantine"
    plan.notes.extend(
        f"{verb}: {s['src']}" + (f" -> {s['dst']}" if s["dst"] else "") for s in steps
    )
    if opts.dry_run:
        return FileOutcome(candidate, "planned", plan)
    result = RewriteResult(
        path=path,
        action="kill",
        outcome="ok",
        changes=[],
        sha256_before=steps[0]["sha256"] if steps else None,
        sha256_after=None,
        image_hash_before=None,
        image_hash_after=None,
        image_hash_method=None,
        notes=list(plan.notes),
    )
    extra = {"purge": opts.purge, "steps": steps, "run": journal.owner()}
    body = audit.payload(ctx, result, root, rel, **extra)
    jid = db.journal_open(path, "kill", body)
    try:
        kill.carry_out(steps)
    except (OSError, kill.KillError) as exc:
        done = [st["src"] for st in steps if not os.path.lexists(st["src"])]
        if not done:
            db.journal_drop(jid)
        # Half a kill stays journaled: the next run finishes it once the obstacle is gone.
        result.outcome, result.error = (
            "failed",
            f"{path}: kill failed: {exc}"
            + (
                f"; already taken out: {', '.join(done)}; the next run finishes the rest"
                if done
                else "; nothing was moved"
            ),
        )
        seq, _ = audit.record(db, ctx, result, root, rel, **extra)
        return FileOutcome(candidate, "failed", plan, result, seq, result.error)
    journal.crash_point("moved")
    seq = audit.append(db, body, jid)
    return FileOutcome(candidate, "changed", plan, result, seq)


def audit_context(
    notice_id: int, notice: Notice, received_at: datetime, operator: str, exiftool: ExifTool
) -> audit.AuditContext:
    """What every audit entry made on behalf of one notice carries: who, which notice, why."""
    return audit.AuditContext(
        operator=operator,
        exiftool_version=exiftool.version,
        notice_id=notice_id,
        notice_hash=notice.content_hash,
        notice_received_at=received_at,
        reason=describe(notice),
    )


def describe(notice: Notice) -> str:
    """The notice in words, for the audit entry's `reason`."""
    parts = [f"{notice.agency or 'unknown agency'} {notice.kind}"]
    parts += [f"{c.field}: {c.erroneous!r} -> {c.corrected!r}" for c in notice.corrections]
    return "; ".join(parts)


def store_roots(paths: list[str], known: dict[str, str] | None = None) -> dict[str, Path]:
    """Name the folders given on the command line: a folder the database already knows keeps
    its name (from the config's [store.roots] or an earlier scan), so one folder is never
    indexed twice under two names; a new one is named after itself."""
    from wirefix.scan import root_name

    by_path = {os.path.realpath(path): name for name, path in (known or {}).items()}
    return {by_path.get(os.path.realpath(p)) or root_name(p): Path(p) for p in paths}
