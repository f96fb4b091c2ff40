"""`wirefix review`: a person decides what the matcher was not sure of.

A queued item is a `review` candidate of a notice in force that nobody has decided yet and that
still needs a change. Approving records the decision, logs it, and remediates that one file at
once; rejecting records and logs it, and the file is never touched for that notice. Items are
named `NOTICE:FILE` (notice id, file id), stable across re-matching.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from wirefix.audit import chain as audit
from wirefix.errors import WirefixError
from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.flows import pipeline
from wirefix.flows.outcomes import ApplyOptions, FileOutcome, audit_context
from wirefix.flows.run import notices_in_force
from wirefix.jpeg.imagedata import sha256_file
from wirefix.model import Candidate, EditPlan, Notice, ReviewDecision, RewriteResult
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.plan import PlanError, make_plan
from wirefix.rewrite.steps import READ_ARGS
from wirefix.storage import Database
from wirefix.storage.runs import record_review, review_decisions

DECISIONS: dict[str, ReviewDecision] = {"approve": "approved", "reject": "rejected"}


class ReviewError(WirefixError):
    """The item does not exist or cannot be decided; the message says which and why."""


@dataclass
class ReviewItem:
    notice_id: int
    notice: Notice
    candidate: Candidate
    plan: EditPlan | None = None
    problem: str | None = None  # why no plan could be made (file unreadable, gone...)

    @property
    def key(self) -> str:
        return f"{self.notice_id}:{self.candidate.file.id}"


@dataclass
class Decision:
    key: str
    decision: ReviewDecision
    audit_seq: int
    outcomes: list[FileOutcome] = field(default_factory=list)


def queued(db: Database, exiftool: ExifTool, notice_id: int | None = None) -> list[ReviewItem]:
    """Every undecided `review` candidate that still needs a change, oldest notice first."""
    items = []
    for nid in notices_in_force(db):
        if notice_id is not None and nid != notice_id:
            continue
        notice, _ = db.notice(nid)
        decided = review_decisions(db, nid)
        for candidate in db.candidates(nid):
            if candidate.decision != "review" or (nid, candidate.file.id) in decided:
                continue
            item = ReviewItem(nid, notice, candidate)
            _plan(item, exiftool)
            if item.plan is not None and item.plan.is_empty:
                continue  # the file already says what the notice asks: nothing to decide
            items.append(item)
    return items


def _plan(item: ReviewItem, exiftool: ExifTool) -> None:
    try:
        record = exiftool.read_one(item.candidate.file.path, extra=READ_ARGS)
        item.plan = make_plan(item.notice, record)
    except (ExifToolError, PlanError) as exc:
        item.problem = str(exc)


def parse_key(key: str) -> tuple[int, int]:
    try:
        notice, file_id = (int(part) for part in key.split(":"))
    except ValueError as exc:
        raise ReviewError(
            f"{key!r} is not a review item: use NOTICE:FILE as `wirefix review --list` shows"
        ) from exc
    return notice, file_id


def decide(
    db: Database,
    exiftool: ExifTool,
    key: str,
    verdict: str,
    operator: str,
    backups: BackupStore,
    options: ApplyOptions | None = None,
) -> Decision:
    """Record `verdict` (approve / reject) on item `key`, log it, and on approval remediate."""
    if verdict not in DECISIONS:
        raise ReviewError(f"unknown decision {verdict!r}: approve or reject")
    notice_id, file_id = parse_key(key)
    notice, received_at = db.notice(notice_id)
    candidate = next((c for c in db.candidates(notice_id) if c.file.id == file_id), None)
    if candidate is None:
        raise ReviewError(f"{key}: file {file_id} is not a candidate of notice {notice_id}")
    decision = DECISIONS[verdict]
    item = ReviewItem(notice_id, notice, candidate)
    _plan(item, exiftool)
    path = candidate.file.path
    try:
        digest = sha256_file(path)
    except OSError:
        digest = None
    ctx = audit_context(notice_id, notice, received_at, operator, exiftool)
    entry = RewriteResult(
        path=path,
        action=f"review-{verdict}",
        outcome="ok",
        changes=list(item.plan.writes) if item.plan else [],
        sha256_before=digest,
        sha256_after=digest,
        image_hash_before=None,
        image_hash_after=None,
        image_hash_method=None,
        notes=[f"score {candidate.score:.2f}; " + "; ".join(candidate.reasons(5))]
        + ([item.problem] if item.problem else []),
    )
    record_review(db, notice_id, file_id, decision, operator)
    # An approval's change names it (`approval`), so `undo` of the approval finds the change.
    seq, _ = audit.record(
        db, ctx, entry, candidate.file.root, candidate.file.rel_path, names_its_change=True
    )
    result = Decision(key, decision, seq)
    if decision == "approved":
        opts = replace(
            options or ApplyOptions(),
            dry_run=False,
            include_review=False,
            only_file_ids=frozenset({file_id}),
            approval=seq,
        )
        result.outcomes = pipeline.apply_notice(
            db, notice_id, exiftool, backups, operator, options=opts
        )
    return result
