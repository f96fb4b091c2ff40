"""Scans and remediations as jobs on procrastinate workers, in wirefix's own PostgreSQL (SPEC §9).

The jobs call the same stage functions as the in-process pipeline; this module only decides what
is queued and under which locks (`wirefix.flows.worker` runs the workers):

- `scan_shard(root, shard, shards)`: one shard of one store root (CRC-32 of the relative path);
- `dispatch()`: once no scan job is left, one `match_notice` job per notice in force;
- `match_notice(notice_id)`: score the index, then one `apply_file` job per `auto` (or approved)
  candidate;
- `apply_file(notice_id, file_id, root, rel_path)`: `pipeline.apply_notice` limited to that file.
  It re-reads the file and plans from it, so a file that already carries the correction is left
  alone: a retried or duplicated job never writes or logs twice. Its procrastinate `lock` is the
  file's root and relative path, so two jobs never write one file at once.

Queueing locks keep periodic work from piling up: at most one waiting job per scan shard, per
notice match, per (notice, file) apply and one dispatch. A worker killed mid-job (SIGKILL, power
loss) stops sending heartbeats; after `stall_timeout` seconds any other worker puts its jobs back
in the queue. Hosts mount the store at different paths: jobs carry root *names*, and each worker
maps them through its own settings (`[store.roots]`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.types import JSONDict
from sqlalchemy import text

from wirefix import shapes
from wirefix.decide import cases
from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.flows import pipeline
from wirefix.flows.outcomes import ApplyOptions, FileOutcome
from wirefix.flows.queue import (
    DEFAULT_SHARDS,
    DISPATCH_POLL,
    QUEUE_SCHEMA,
    FileFailed,
    Host,
    _unfinished,
    conninfo,
    host,
    require_postgresql,
)
from wirefix.rewrite.backups import BackupStore
from wirefix.settings import Settings
from wirefix.storage import Database, DatabaseError

log = logging.getLogger("wirefix.flows.jobs")


# name -> (function, procrastinate task options); `make_app` registers them on each new App, as
# procrastinate binds a task object to the one App it was added to.
TASKS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}
_Task = TypeVar("_Task", bound=Callable[..., Any])
_Result = TypeVar("_Result")


def task(name: str, **options: Any) -> Callable[[_Task], _Task]:
    def register(func: _Task) -> _Task:
        TASKS[name] = (func, {"name": f"wirefix:{name}", "pass_context": True, **options})
        return func

    return register


def make_app(db_url: str) -> App:
    """A procrastinate App on psycopg 3 in wirefix's database, its tables in QUEUE_SCHEMA."""
    connector = PsycopgConnector(
        conninfo=conninfo(db_url),
        kwargs={"options": f"-c search_path={QUEUE_SCHEMA}"},
    )
    app = App(connector=connector)
    for func, options in TASKS.values():
        app.task(**options)(func)
    return app


# Transient trouble (database restart, a hung ExifTool, a network mount gone for a moment) is
# retried with growing waits; a file that cannot be remediated (FileFailed) is not.
TRANSIENT = RetryStrategy(
    max_attempts=3,
    exponential_wait=5,
    retry_exceptions={OSError, ExifToolError, DatabaseError, ConnectionError},
)


def _recording(context: JobContext, run: Callable[[], _Result]) -> _Result:
    """Run a job body; keep its error text (procrastinate keeps none) for `wirefix queue`."""
    try:
        return run()
    except Exception as exc:
        job = context.job
        _record_error(job.id, job.task_name, job.task_kwargs, job.attempts + 1, exc)
        raise


def _record_error(
    job_id: int | None, task: str, args: JSONDict, attempt: int, exc: Exception
) -> None:
    message = f"{type(exc).__name__}: {exc}" if not isinstance(exc, FileFailed) else str(exc)
    try:
        with host().db.engine.begin() as conn:
            conn.execute(
                text(
                    f"INSERT INTO {QUEUE_SCHEMA}.job_errors "
                    "(job_id, task, args, attempt, error, host, failed_at) "
                    "VALUES (:id, :task, :args, :attempt, :error, :host, now()) "
                    "ON CONFLICT (job_id) DO UPDATE SET attempt = excluded.attempt, "
                    "error = excluded.error, host = excluded.host, failed_at = now()"
                ),
                {
                    "id": job_id,
                    "task": task,
                    "args": json.dumps(args, default=str),
                    "attempt": attempt,
                    "error": message[:4000],
                    "host": socket.gethostname(),
                },
            )
    except Exception:  # the job's own error matters more than this record of it
        log.exception("could not record the error of job %s", job_id)


@task("scan_shard", queue="scan", retry=TRANSIENT)
def scan_shard(context: JobContext, root: str, shard: int, shards: int) -> dict[str, Any]:
    """Index one shard of one store root, found at this host's mount point. A root the gone
    guard refuses fails the job without retries: the next attempt would see the same folder,
    and a person must look (`wirefix queue` shows the reason)."""
    from wirefix.index.refusals import ScanRefused
    from wirefix.index.scan import scan

    def run() -> dict[str, Any]:
        h = host()
        folder = h.root_path(root)
        try:
            summary = scan(
                h.db, {root: folder}, workers=1, shard=(shard, shards), guard=h.settings.gone_guard
            )
        except ScanRefused as exc:
            raise FileFailed(str(exc)) from exc
        return summary.to_dict()

    return _recording(context, run)


@task("dispatch", queue="match", queueing_lock="dispatch")
def dispatch(context: JobContext) -> dict[str, int]:
    """Queue the matching once the index is complete: wait while any scan job is unfinished."""

    def run() -> dict[str, int]:
        h = host()
        if _unfinished(h.db, "wirefix:scan_shard"):
            # Same queueing lock: if a newer run queued its own dispatch meanwhile, that one
            # will do, and AlreadyEnqueued just ends this one.
            with contextlib.suppress(AlreadyEnqueued):
                context.app.configure_task(
                    "wirefix:dispatch", allow_unknown=False, schedule_in={"seconds": DISPATCH_POLL}
                ).defer()
            return {"waiting_for_scans": 1}
        from wirefix.flows.run import notices_in_force

        queued = 0
        for notice_id in notices_in_force(h.db):
            queued += _defer(
                context.app, "wirefix:match_notice", f"match:{notice_id}", None, notice_id=notice_id
            )
        return {"match_jobs": queued}

    return _recording(context, run)


@task("match_notice", queue="match", retry=TRANSIENT)
def match_notice(context: JobContext, notice_id: int) -> dict[str, Any]:
    """Match one notice, then queue one apply job per file a machine may change
    (`wirefix.decide.cases.to_apply`, the rule `apply_notice` enforces too); a notice nothing
    will act on although it should is logged as an open case, and `status` lists it."""
    from wirefix.storage.runs import review_decisions

    def run() -> dict[str, Any]:
        h = host()
        candidates = pipeline.match_notice(h.db, notice_id, h.settings.match)
        decided = cases.by_file(review_decisions(h.db, notice_id))
        chosen = cases.to_apply(candidates, decided)
        queued = 0
        for c in chosen:
            queued += defer_apply(context.app, notice_id, c.file.id, c.file.root, c.file.rel_path)
        case = None
        if not chosen:
            case = cases.notice_case(h.db, notice_id, candidates, h.settings.match)
            if case is not None:
                log.warning("open case", extra={"notice": notice_id, "reason": case.reason})
        return {
            "candidates": len(candidates),
            "apply_jobs": queued,
            "open_case": shapes.open_case_json(case) if case else None,
        }

    return _recording(context, run)


@task("apply_file", queue="apply", retry=TRANSIENT)
def apply_file(
    context: JobContext, notice_id: int, file_id: int, root: str, rel_path: str
) -> dict[str, Any]:
    """Remediate (rewrite or kill) one file for one notice; a file that already carries the
    correction is left alone, so running this twice writes and logs once."""

    def run() -> dict[str, Any]:
        h = host()
        h.root_path(root)  # a clear error when this host does not mount the root
        with h.db.focus({file_id}):
            outcomes = _apply(h, notice_id, file_id)
        if not outcomes:
            return {"status": "skipped", "reason": "no longer a candidate to apply"}
        outcome = outcomes[0]
        if outcome.status == "failed":
            raise FileFailed(outcome.message or f"{root}/{rel_path}: failed")
        return {"status": outcome.status, "audit_seq": outcome.audit_seq}

    return _recording(context, run)


def _apply(h: Host, notice_id: int, file_id: int) -> list[FileOutcome]:
    return pipeline.apply_notice(
        h.db,
        notice_id,
        h.exiftool,
        BackupStore(h.settings.backup_dir.value),
        h.settings.operator.value,
        options=ApplyOptions(
            only_file_ids=frozenset({file_id}),
            quarantine=h.settings.quarantine_dir.value,
            match=h.settings.match,
        ),
    )


@task("periodic_run", queue="match", queueing_lock="periodic-run")
def periodic_run(context: JobContext, timestamp: int) -> dict[str, Any]:
    """The scheduled run as procrastinate periodic task (`wirefix worker --schedule CRON`)."""

    def run() -> dict[str, Any]:
        h = host()
        return ingest_and_enqueue(h.db, h.settings, h.exiftool, app=context.app)

    return _recording(context, run)


def _defer(app: App, name: str, queueing_lock: str | None, lock: str | None, **kwargs: Any) -> int:
    """Queue one job; 0 when an identical one is already waiting (its queueing lock is taken)."""
    try:
        app.configure_task(name, allow_unknown=False, queueing_lock=queueing_lock, lock=lock).defer(
            **kwargs
        )
    except AlreadyEnqueued:
        return 0
    return 1


def file_lock(root: str, rel_path: str) -> str:
    return f"file:{root}/{rel_path}"


def defer_apply(app: App, notice_id: int, file_id: int, root: str, rel_path: str) -> int:
    return _defer(
        app,
        "wirefix:apply_file",
        f"apply:{notice_id}:{file_id}",
        file_lock(root, rel_path),
        notice_id=notice_id,
        file_id=file_id,
        root=root,
        rel_path=rel_path,
    )


@dataclass
class Enqueued:
    scan_jobs: int = 0
    dispatch_jobs: int = 0
    already_waiting: int = 0
    roots: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The `queued` object of `wirefix run --queue --json`."""
        return {
            "scan_jobs": self.scan_jobs,
            "dispatch_jobs": self.dispatch_jobs,
            "already_waiting": self.already_waiting,
            "roots": list(self.roots),
        }


def enqueue_run(
    db: Database, settings: Settings, shards: int = DEFAULT_SHARDS, app: App | None = None
) -> Enqueued:
    """Queue a run for the workers: every shard of every store root, then the matching.

    Ingest (inbox, feeds) stays with the caller: it is cheap and its errors belong on the
    caller's terminal. Roots are those this host maps, else those the index knows.
    """
    require_postgresql(db)
    names = sorted(settings.roots.value) or sorted(db.roots())
    result = Enqueued(roots=names)
    own = app is None
    app = app or make_app(db.url)
    if own:
        app.open()
    try:
        for name in names:
            for i in range(1, shards + 1):
                n = _defer(
                    app,
                    "wirefix:scan_shard",
                    f"scan:{name}:{i}/{shards}",
                    None,
                    root=name,
                    shard=i,
                    shards=shards,
                )
                result.scan_jobs += n
                result.already_waiting += 1 - n
        n = _defer(app, "wirefix:dispatch", "dispatch", None)
        result.dispatch_jobs += n
        result.already_waiting += 1 - n
    finally:
        if own:
            app.close()
    return result


def ingest_and_enqueue(
    db: Database,
    settings: Settings,
    exiftool: ExifTool,
    shards: int = DEFAULT_SHARDS,
    app: App | None = None,
) -> dict[str, Any]:
    """`wirefix run --enqueue` and the periodic run: ingest the inbox folders and feeds here
    (cheap, and their errors belong to this run), then queue the scans and the matching."""
    from wirefix.flows import run as run_mod

    require_postgresql(db)
    rs = run_mod.RunSettings.from_settings(settings)
    summary = run_mod.RunSummary()
    run_mod.ingest_inboxes(db, rs, exiftool, summary)
    if rs.feeds:
        run_mod.ingest_into(db, list(rs.feeds), exiftool, summary, rs.config)
    queued = enqueue_run(db, settings, shards=shards, app=app)
    return {
        "notices_new": summary.notices_new,
        "notices_attention": summary.notices_attention,
        "source_errors": summary.source_errors,
        "queued": queued.to_dict(),
    }


def retry_failed(db: Database) -> int:
    """Put every failed job back in the queue; returns how many."""
    require_postgresql(db)
    with db.engine.connect() as conn:
        ids = (
            conn.execute(
                text(f"SELECT id FROM {QUEUE_SCHEMA}.procrastinate_jobs WHERE status = 'failed'")
            )
            .scalars()
            .all()
        )
    if not ids:
        return 0
    from procrastinate.utils import utcnow

    app = make_app(db.url)
    with app.open():
        for job_id in ids:
            app.job_manager.retry_job_by_id(job_id, retry_at=utcnow())
    return len(ids)
