"""The pipeline in one place: notice -> corrections -> candidates -> edit plan -> rewrite -> audit.

Each function here composes stages for one command; the CLI only parses options and renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from wirefix import ingest
from wirefix.config import Config
from wirefix.decide import cases
from wirefix.decide.match import MatchConfig, match, notice_keys
from wirefix.exiftool import ExifTool
from wirefix.flows.batch import BATCH_SIZE, remediate_batch, remediate_one
from wirefix.flows.outcomes import ApplyOptions, FileOutcome, audit_context
from wirefix.flows.processes import _in_processes
from wirefix.model import Candidate, Notice
from wirefix.rewrite import recover
from wirefix.rewrite.backups import BackupStore
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
    workers: int = 1,
) -> list[FileOutcome]:
    """Plan and rewrite (or kill) every `auto` candidate (and `review` ones if asked), one audit
    entry per changed file. A file that already carries the correction is left alone and
    reported so. Intents left by an interrupted run are settled first (wirefix.rewrite.journal).

    With `workers` > 1 a rewrite's batches run in that many processes, each with its own
    ExifTool and database connection (ExifTool's reads are most of the work and use one core).
    """
    opts = options or ApplyOptions(dry_run=dry_run, include_review=include_review)
    if not opts.dry_run:
        recover.reconcile(db)
    notice, received_at = db.notice(notice_id)
    candidates = db.candidates(notice_id)
    if not candidates:
        candidates = match_notice(db, notice_id, opts.match)
    # Editors' review decisions are data (wirefix.decide.cases.to_apply).
    decided = cases.by_file(review_decisions(db, notice_id))
    ctx = replace(
        audit_context(notice_id, notice, received_at, operator, exiftool), approval=opts.approval
    )
    roots = db.roots()
    chosen = [
        c
        for c in cases.to_apply(candidates, decided, opts.include_review)
        if opts.only_file_ids is None or c.file.id in opts.only_file_ids
    ]
    outcomes: list[FileOutcome] = []
    if notice.kind == "kill":
        for candidate in chosen:
            outcome = remediate_one(db, notice, candidate, exiftool, backups, ctx, opts, roots)
            outcomes.append(outcome)
            if on_file:
                on_file(outcome)
        return outcomes
    batches = [chosen[i : i + BATCH_SIZE] for i in range(0, len(chosen), BATCH_SIZE)]
    if workers > 1 and len(batches) > 1 and not opts.dry_run:
        return _in_processes(db, notice, batches, backups, ctx, opts, roots, workers, on_file)
    for batch in batches:
        for outcome in remediate_batch(db, notice, batch, exiftool, backups, ctx, opts, roots):
            outcomes.append(outcome)
            if on_file:
                on_file(outcome)
    return outcomes
