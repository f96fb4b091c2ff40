"""`wirefix run`: the scheduled pipeline in one go, for cron, systemd timers and CronJobs.

ingest (inbox folders, feeds) -> incremental scan -> match every notice in force -> apply every
`auto` decision and every approved review -> summary. Each step is a library stage; this module
only composes them and decides the exit code. Every notice stays in force: a file that enters the
store after its notice was handled (re-imported from an archive) is matched and remediated by the
next run, with its own audit entry. Applying is idempotent, so a run killed half-way is finished
by the next one and nothing is applied twice.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wirefix import shapes
from wirefix.config import Config, data_dir
from wirefix.decide import cases
from wirefix.decide.match import MatchConfig
from wirefix.errors import ExitCode
from wirefix.exiftool import ExifTool
from wirefix.flows import online as online_runner
from wirefix.flows import pipeline
from wirefix.flows.outcomes import ApplyOptions
from wirefix.index.refusals import GoneGuard, ScanRefused
from wirefix.index.scan import scan
from wirefix.ingest.sources import expand
from wirefix.online.config import OnlineConfig
from wirefix.recipients.config import RecipientsConfig
from wirefix.rewrite import purge
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.retention import RETENTION_DAYS, Policy
from wirefix.settings import Settings
from wirefix.storage import Database
from wirefix.storage.runs import finish_run, review_decisions, start_run

log = logging.getLogger("wirefix.flows.run")

PROCESSED, FAILED = "processed", "failed"


@dataclass
class RunSettings:
    """What a scheduled run works on: `from_settings`, the command's or service's settings."""

    roots: dict[str, Path]
    inboxes: list[Path] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    backup_dir: Path | None = None
    quarantine_dir: Path | None = None
    operator: str = "wirefix"
    match: MatchConfig = field(default_factory=MatchConfig)
    config: Config | None = None  # feeds' HTTP settings and auth headers
    gone_guard: GoneGuard = field(default_factory=GoneGuard)
    online: OnlineConfig = field(default_factory=OnlineConfig)  # [[sites]]; empty: no online step
    recipients: RecipientsConfig | None = None  # third parties to tell after apply (issue 17)
    backup_retention_days: int = RETENTION_DAYS  # expired backups are purged after each run

    @classmethod
    def from_settings(cls, settings: Settings) -> RunSettings:
        return cls(
            roots=settings.roots.value,
            inboxes=settings.inboxes.value,
            feeds=[feed.url for feed in settings.config.feeds],
            backup_dir=settings.backup_dir.value,
            quarantine_dir=settings.quarantine_dir.value,
            operator=settings.operator.value,
            match=settings.match,
            config=settings.config,
            gone_guard=settings.gone_guard,
            online=settings.online,
            recipients=settings.recipients,
            backup_retention_days=settings.backup_retention_days.value,
        )


@dataclass
class RunSummary:
    notices_new: list[int] = field(default_factory=list)
    notices_attention: list[int] = field(default_factory=list)  # unparsed / needs_review
    source_errors: list[str] = field(default_factory=list)
    scan: dict[str, Any] = field(default_factory=dict)
    # Roots refused by the gone guard or replaced mid-scan, and files newly not indexed.
    scan_errors: list[str] = field(default_factory=list)
    notices_matched: int = 0
    files_changed: int = 0
    files_killed: int = 0
    files_failed: list[str] = field(default_factory=list)
    review_pending: int = 0
    # Notices in force nothing acts on although it should: {"notice", "reason", "nearest"}.
    open_cases: list[dict[str, Any]] = field(default_factory=list)
    online_done: int = 0  # online copies changed, purged and verified
    online_open: list[str] = field(default_factory=list)  # copies left open, one line each
    # Third parties (wirefix.recipients.notify): told, reminded, pending; overdue acks exit 3.
    recipients: dict[str, Any] = field(default_factory=dict)
    notify_errors: list[str] = field(default_factory=list)
    acks_overdue: int = 0
    backups_purged: int = 0  # backups and quarantined copies the retention policy purged
    purge_errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, for the logs

    def timed(self, stage: str, started: float) -> None:
        self.timings[stage] = round(self.timings.get(stage, 0.0) + time.monotonic() - started, 4)

    @property
    def exit_code(self) -> ExitCode:
        if (
            self.source_errors
            or self.scan_errors
            or self.files_failed
            or self.online_open
            or self.notify_errors
            or self.purge_errors
        ):
            return ExitCode.ERROR
        if self.review_pending or self.notices_attention or self.open_cases or self.acks_overdue:
            return ExitCode.ATTENTION
        return ExitCode.OK

    @property
    def outcome(self) -> str:
        outcomes = {ExitCode.OK: "ok", ExitCode.ERROR: "error", ExitCode.ATTENTION: "attention"}
        return outcomes[self.exit_code]

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "exit_code": int(self.exit_code),
            "notices_new": self.notices_new,
            "notices_attention": self.notices_attention,
            "source_errors": self.source_errors,
            "scan": self.scan,
            "scan_errors": self.scan_errors,
            "notices_matched": self.notices_matched,
            "files_changed": self.files_changed,
            "files_killed": self.files_killed,
            "files_failed": self.files_failed,
            "review_pending": self.review_pending,
            "open_cases": self.open_cases,
            "online_done": self.online_done,
            "online_open": self.online_open,
            "recipients": self.recipients,
            "notify_errors": self.notify_errors,
            "acks_overdue": self.acks_overdue,
            "backups_purged": self.backups_purged,
            "purge_errors": self.purge_errors,
            "timings": self.timings,
        }


def run_once(db: Database, settings: RunSettings, exiftool: ExifTool) -> RunSummary:
    """One scheduled run. The caller holds the run lock."""
    run_id = start_run(db, "run", settings.operator)
    summary = RunSummary()
    try:
        ingest_inboxes(db, settings, exiftool, summary)
        if settings.feeds:
            ingest_into(db, list(settings.feeds), exiftool, summary, settings.config)
        if settings.roots:
            started = time.monotonic()
            try:
                scanned = scan(db, settings.roots, guard=settings.gone_guard)
                summary.scan, summary.scan_errors = scanned.to_dict(), []
            except ScanRefused as exc:  # those roots stay as they were; the run goes on
                scanned = exc.summary
                summary.scan, summary.scan_errors = scanned.to_dict(), exc.messages
            # Files that newly could not be indexed: a person must hear of them (exit 1).
            summary.scan_errors += scanned.new_failure_lines()
            summary.timed("scan", started)
        for notice_id in notices_in_force(db):
            handle_notice(db, notice_id, settings, exiftool, summary)
        if settings.recipients and settings.recipients.recipients:
            notify_recipients(db, settings, summary)
        prune_backups(db, settings, summary)
    except Exception as exc:
        finish_run(db, run_id, "error", summary.to_dict(), f"{type(exc).__name__}: {exc}")
        raise
    problems = (
        summary.source_errors + summary.scan_errors + summary.files_failed + summary.purge_errors
    )
    error = "; ".join(problems + summary.online_open + summary.notify_errors) or None
    finish_run(db, run_id, summary.outcome, summary.to_dict(), error)
    return summary


def notices_in_force(db: Database) -> list[int]:
    """Corrections and kills a machine may act on: parsed ones, oldest first."""
    return [
        notice_id
        for notice_id, notice, _ in db.notices()
        if notice.status == "parsed" and notice.kind in ("correction", "kill")
    ]


def handle_notice(
    db: Database, notice_id: int, settings: RunSettings, exiftool: ExifTool, summary: RunSummary
) -> None:
    """Match one notice against the index and apply what is certain or approved by an editor;
    a notice nothing will act on although it should is an open case (`wirefix.decide.cases`)."""
    started = time.monotonic()
    candidates = pipeline.match_notice(db, notice_id, settings.match)
    summary.timed("match", started)
    summary.notices_matched += 1
    decided = cases.by_file(review_decisions(db, notice_id))
    summary.review_pending += len(cases.pending_review(candidates, decided))
    affected = online_runner.prepare(db, notice_id, settings.online)
    if not cases.to_apply(candidates, decided):
        case = cases.notice_case(db, notice_id, candidates, settings.match)
        if case is not None:
            summary.open_cases.append({"notice": notice_id, **shapes.open_case_json(case)})
            log.warning("open case", extra={"notice": notice_id, "reason": case.reason})
        online_step(db, notice_id, settings, summary, affected)
        return
    backups = BackupStore(settings.backup_dir or data_dir() / "backups")
    options = ApplyOptions(quarantine=settings.quarantine_dir, match=settings.match)
    started = time.monotonic()
    outcomes = pipeline.apply_notice(
        db, notice_id, exiftool, backups, settings.operator, options=options
    )
    summary.timed("apply", started)
    for o in outcomes:
        if o.status == "changed":
            if o.plan is not None and o.plan.action == "kill":
                summary.files_killed += 1
            else:
                summary.files_changed += 1
        elif o.status == "failed":
            summary.files_failed.append(o.message or o.candidate.file.path)
    online_step(db, notice_id, settings, summary, affected)


def online_step(
    db: Database,
    notice_id: int,
    settings: RunSettings,
    summary: RunSummary,
    affected: list[online_runner.Affected] | None,
) -> None:
    """The notice's copies on the sites, when the store was acted on or a copy stayed open."""
    if not settings.online.sites or not online_runner.needs(db, notice_id):
        return
    started = time.monotonic()
    outcomes = online_runner.handle(db, notice_id, settings.online, settings.operator, affected)
    summary.timed("online", started)
    summary.online_done += sum(o.status == "done" for o in outcomes)
    summary.online_open += online_runner.summary(outcomes)["open"]


def prune_backups(db: Database, settings: RunSettings, summary: RunSummary) -> None:
    """The retention policy, once per run: expired backups and quarantined copies purged, each
    purge an audit entry (`wirefix.rewrite.purge`); held ones kept."""
    started = time.monotonic()
    policy = Policy(settings.backup_retention_days, settings.backup_dir or data_dir() / "backups")
    result = purge.prune(db, policy, settings.operator)
    summary.backups_purged += len(result.purged)
    summary.purge_errors += result.errors
    summary.timed("prune", started)


def notify_recipients(db: Database, settings: RunSettings, summary: RunSummary) -> None:
    """After apply: tell the third parties who received an affected photo (issue 17)."""
    from wirefix.recipients.notify import notify

    assert settings.recipients is not None
    started = time.monotonic()
    http = settings.config.http if settings.config else None
    result = notify(db, settings.recipients, settings.operator, http)
    summary.timed("notify", started)
    summary.recipients = result.to_dict()
    summary.acks_overdue = result.overdue
    summary.notify_errors = result.errors + [
        f"notice {p['notice']}, {p['recipient']} by {p['channel']}: not sent ({p['error']})"
        for p in result.pending
    ]


# -- inbox ---------------------------------------------------------------------------------


def ingest_inboxes(
    db: Database, settings: RunSettings, exiftool: ExifTool, summary: RunSummary
) -> None:
    for inbox in settings.inboxes:
        if not inbox.is_dir():
            summary.source_errors.append(f"{inbox}: inbox folder does not exist")
            continue
        for path in inbox_files(inbox):
            ingest_inbox_file(db, inbox, path, exiftool, summary, settings.config)


def inbox_files(inbox: Path) -> list[Path]:
    """Files waiting in an inbox: everything but hidden files and our processed/failed folders."""
    skip = {inbox / PROCESSED, inbox / FAILED}
    return [
        p for p in expand(inbox) if p.is_file() and not any(parent in skip for parent in p.parents)
    ]


def ingest_inbox_file(
    db: Database,
    inbox: Path,
    path: Path,
    exiftool: ExifTool,
    summary: RunSummary,
    config: Config | None = None,
) -> list[int]:
    """Ingest one inbox file, then move it to processed/ (or failed/ with the reason beside it).

    Nothing is deleted: a notice wirefix could not read stays in failed/ for a person.
    """
    before = len(summary.source_errors)
    ids = ingest_into(db, [str(path)], exiftool, summary, config)
    target_dir = inbox / (FAILED if len(summary.source_errors) > before else PROCESSED)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target_dir.mkdir(exist_ok=True)
    target = target_dir / f"{stamp}-{path.name}"
    shutil.move(str(path), target)
    if target_dir.name == FAILED:
        target.with_name(target.name + ".error.txt").write_text(
            "\n".join(summary.source_errors[before:]) + "\n", encoding="utf-8"
        )
    return ids


def ingest_into(
    db: Database,
    sources: list[str],
    exiftool: ExifTool,
    summary: RunSummary,
    config: Config | None = None,
) -> list[int]:
    """Ingest sources, adding what happened to `summary`; returns the stored notice ids."""
    started = time.monotonic()
    outcome = pipeline.ingest_sources(db, sources, exiftool, config)
    summary.timed("ingest", started)
    summary.source_errors.extend(outcome.errors)
    ids = []
    for notice_id, is_new, notice in outcome.stored:
        ids.append(notice_id)
        if is_new:
            summary.notices_new.append(notice_id)
            log.info("notice stored", extra={"notice": notice_id, "source": notice.source})
        if notice.status != "parsed" and notice_id not in summary.notices_attention:
            summary.notices_attention.append(notice_id)
    return ids
