"""The pipeline in one place: notice -> corrections -> candidates -> edit plan -> rewrite -> audit.

Each function here composes stages for one command; the CLI only parses options and renders.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from wirefix import ingest
from wirefix.audit import chain as audit
from wirefix.config import Config, quarantine_dir
from wirefix.decide import cases
from wirefix.decide.match import MatchConfig, match, notice_keys
from wirefix.errors import WirefixError
from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.model import Candidate, EditPlan, Notice, RewriteResult
from wirefix.rewrite import journal, kill, recover
from wirefix.rewrite.plan import PlanError, make_plan
from wirefix.rewrite.safe import (
    BackupStore,
    Prepared,
    Quick,
    Staged,
    commit,
    discard_quick,
    finish,
    fsync_all,
    look,
    quick_finish,
    quick_stage,
    read_batch,
    remove_orphans,
    remove_orphans_of,
    stage,
)
from wirefix.rewrite.safety import file_lock, outside_roots
from wirefix.storage import Database
from wirefix.storage.database import JournalClaimed, utcnow
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
    full_verify: bool = False  # no fast path: ExifTool reads every file fully before and after
    # The configured thresholds, for a notice never matched before (apply matches it first).
    match: MatchConfig | None = None


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
    ctx = audit_context(notice_id, notice, received_at, operator, exiftool)
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


class WorkerDied(WirefixError):
    """A rewrite worker process stopped mid-batch; its journaled changes settle on the next run."""


_worker: dict[str, Any] = {}


def _worker_start(url: str, local_roots: dict[str, str], backups_root: str) -> None:
    from multiprocessing import util

    db = Database(url)
    db.local_roots = local_roots
    exiftool = ExifTool()
    # Pool workers leave through os._exit, past atexit: close ExifTool on the way out.
    util.Finalize(None, exiftool.close, exitpriority=10)
    _worker.update(db=db, exiftool=exiftool, backups=BackupStore(Path(backups_root)))


def _worker_batch(
    notice: Notice,
    batch: list[Candidate],
    ctx: audit.AuditContext,
    opts: ApplyOptions,
    roots: dict[str, str],
) -> list[FileOutcome]:
    w = _worker
    return remediate_batch(w["db"], notice, batch, w["exiftool"], w["backups"], ctx, opts, roots)


def _in_processes(
    db: Database,
    notice: Notice,
    batches: list[list[Candidate]],
    backups: BackupStore,
    ctx: audit.AuditContext,
    opts: ApplyOptions,
    roots: dict[str, str],
    workers: int,
    on_file: Callable[[FileOutcome], None] | None,
) -> list[FileOutcome]:
    """Batches shared among worker processes; outcomes in candidate order. The audit chain
    takes concurrent appends (`Database.append_audit_many`), file locks keep batches apart."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    results: dict[int, list[FileOutcome]] = {}
    with ProcessPoolExecutor(
        min(workers, len(batches)),
        mp_context=mp.get_context(method),
        initializer=_worker_start,
        initargs=(db.url, db.local_roots, str(backups.root)),
    ) as pool:
        futures = {
            pool.submit(_worker_batch, notice, batch, ctx, opts, roots): n
            for n, batch in enumerate(batches)
        }
        try:
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_file:
                    for outcome in results[futures[future]]:
                        on_file(outcome)
        except BrokenProcessPool as exc:
            raise WorkerDied(
                "a rewrite worker process died; the files it was changing are journaled and "
                "the next `wirefix apply` settles and finishes them"
            ) from exc
    return [o for n in range(len(batches)) for o in results[n]]


#: Files rewritten together: one ExifTool read for their plans, one for their verification,
#: one commit for their intents and one for their audit entries. Per-command and per-commit
#: costs are paid once per batch; a crash loses at most the batch's unlogged work to `reconcile`.
BATCH_SIZE = 16


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
    if notice.kind != "kill":
        return remediate_batch(db, notice, [candidate], exiftool, backups, ctx, opts, roots)[0]
    path = candidate.file.path
    refused = outside_roots(path, roots)
    if refused:
        outcome = _refused(candidate, refused)
        assert outcome.result is not None
        outcome.result.action = "kill"
        if not opts.dry_run:
            root, rel = candidate.file.root, candidate.file.rel_path
            outcome.audit_seq, _ = audit.record(db, ctx, outcome.result, root, rel)
        return outcome
    lock = contextlib.nullcontext() if opts.dry_run else file_lock(path, backups.root / ".locks")
    with lock:
        if not opts.dry_run:
            remove_orphans(Path(path))
        return _kill_one(db, candidate, backups, ctx, opts)


def remediate_batch(
    db: Database,
    notice: Notice,
    candidates: list[Candidate],
    exiftool: ExifTool,
    backups: BackupStore,
    ctx: audit.AuditContext,
    opts: ApplyOptions,
    roots: dict[str, str],
) -> list[FileOutcome]:
    """Rewrite a batch of files for one correction; one outcome per candidate, in order.

    Files outside the store roots are refused. The others are locked (in one global order, so
    two runs never wait on each other in a circle), their temporaries from a killed run cleared,
    read fresh by ExifTool in one command, planned, staged and verified together; then all
    intents are journaled in one commit, each file is renamed into place, and all audit
    entries are appended in one commit. A dry run takes no lock and removes nothing.
    """
    outcomes: dict[int, FileOutcome] = {}
    todo: list[tuple[int, Candidate]] = []
    for i, candidate in enumerate(candidates):
        refused = outside_roots(candidate.file.path, roots)
        if refused:  # logged with the batch's other failures
            outcomes[i] = _refused(candidate, refused)
        else:
            todo.append((i, candidate))
    with contextlib.ExitStack() as locks:
        if not opts.dry_run:
            paths = sorted({c.file.path for _, c in todo}, key=lock_order)
            for path in paths:
                locks.enter_context(file_lock(path, backups.root / ".locks"))
            remove_orphans_of([Path(p) for p in paths])
        outcomes = _rewrite_batch(db, notice, todo, exiftool, backups, ctx, opts, outcomes)
    return [outcomes[i] for i in range(len(candidates))]


def _refused(candidate: Candidate, message: str, plan: EditPlan | None = None) -> FileOutcome:
    """A file failed before anything was written (refused path, unreadable file): it gets its
    `failed` audit entry like any other failure."""
    result = RewriteResult(
        path=candidate.file.path,
        action="rewrite",
        outcome="failed",
        changes=list(plan.writes) if plan else [],
        sha256_before=None,
        sha256_after=None,
        image_hash_before=None,
        image_hash_after=None,
        image_hash_method=None,
        error=message,
        notes=list(plan.notes) if plan else [],
    )
    return FileOutcome(candidate, "failed", plan, result, message=message)


def lock_order(path: str) -> str:
    return os.path.realpath(path)


def _rewrite_batch(
    db: Database,
    notice: Notice,
    todo: list[tuple[int, Candidate]],
    exiftool: ExifTool,
    backups: BackupStore,
    ctx: audit.AuditContext,
    opts: ApplyOptions,
    known: dict[int, FileOutcome] | None = None,
) -> dict[int, FileOutcome]:
    """`known`: the batch's files already refused, logged with the others."""
    dry_run = opts.dry_run
    fast = not (opts.dry_run or opts.full_verify)
    outcomes: dict[int, FileOutcome] = dict(known or {})
    ready: list[tuple[int, Candidate, EditPlan, Prepared]] = []
    quick: list[tuple[int, Candidate, Quick]] = []
    slow: list[tuple[int, Candidate]] = []
    fsyncs: list[Path] = []  # the fast way's backups and new files, fsynced as one
    for i, candidate in todo:
        q = quick_stage(notice, Path(candidate.file.path), backups, fsyncs) if fast else None
        if q is None:
            slow.append((i, candidate))
        elif isinstance(q, EditPlan):
            outcomes[i] = FileOutcome(candidate, "already-correct", q, message="already correct")
        else:
            quick.append((i, candidate, q))
    with ThreadPoolExecutor(1) as syncer:
        synced = syncer.submit(fsync_all, fsyncs)
        checked = quick_finish([q for *_, q in quick], exiftool)
        if synced.result() is not None:  # not durable: the full way fsyncs as it goes
            for _, _, staged in quick:
                discard_quick(staged)
            checked = [None] * len(quick)
    for (i, candidate, done), p in zip(quick, checked, strict=True):
        if p is None:
            slow.append((i, candidate))
        else:
            ready.append((i, candidate, done.plan, p))
    todo = sorted(slow, key=lambda item: item[0])
    if todo:
        _full_way(notice, todo, exiftool, backups, dry_run, outcomes, ready)
    if dry_run:
        return outcomes
    return _commit_batch(db, ctx, ready, outcomes)


def _full_way(
    notice: Notice,
    todo: list[tuple[int, Candidate]],
    exiftool: ExifTool,
    backups: BackupStore,
    dry_run: bool,
    outcomes: dict[int, FileOutcome],
    ready: list[tuple[int, Candidate, EditPlan, Prepared]],
) -> None:
    """ExifTool's full read of each file before (the plan) and after (every tag compared).
    Each file is looked at (`look`) before ExifTool reads it, so that the rename can prove the
    file still holds the bytes the plan was made from."""
    seen: dict[int, tuple[os.stat_result, bool]] = {}
    for i, candidate in todo:
        with contextlib.suppress(OSError):  # a file that is gone fails in the read
            seen[i] = look(Path(candidate.file.path))
    try:
        records = read_batch(exiftool, [c.file.path for _, c in todo])
    except ExifToolError as exc:
        for i, c in todo:
            named = str(exc) if c.file.path in str(exc) else f"{c.file.path}: {exc}"
            outcomes[i] = _refused(c, named)
        return
    staged: list[tuple[int, Candidate, EditPlan, Staged]] = []
    for (i, candidate), record in zip(todo, records, strict=True):
        try:
            plan = make_plan(notice, record)
        except PlanError as exc:
            outcomes[i] = _refused(candidate, str(exc))
            continue
        if plan.is_empty:
            outcomes[i] = FileOutcome(candidate, "already-correct", plan, message="already correct")
            continue
        if dry_run:
            outcomes[i] = FileOutcome(candidate, "planned", plan)
            continue
        s = stage(plan, record, exiftool, backups, seen.get(i))
        if isinstance(s, RewriteResult):  # refused: file untouched
            outcomes[i] = FileOutcome(candidate, "failed", plan, s, None, s.error)
        else:
            staged.append((i, candidate, plan, s))
    for (i, candidate, plan, _), p in zip(
        staged, finish([s for *_, s in staged], exiftool), strict=True
    ):
        if isinstance(p, RewriteResult):  # failed verification: file untouched
            outcomes[i] = FileOutcome(candidate, "failed", plan, p, None, p.error)
        else:
            ready.append((i, candidate, plan, p))


def _commit_batch(
    db: Database,
    ctx: audit.AuditContext,
    ready: list[tuple[int, Candidate, EditPlan, Prepared]],
    outcomes: dict[int, FileOutcome],
) -> dict[int, FileOutcome]:
    """Journal every verified file's intent in one commit, rename each into place, log them
    all (and the refusals in `outcomes`) in one audit commit."""
    failed = [
        (i, o.candidate, o.plan, o.result)
        for i, o in sorted(outcomes.items())
        if o.status == "failed" and o.result is not None
    ]
    bodies = [
        audit.payload(
            ctx,
            p.result,
            c.file.root,
            c.file.rel_path,
            outcome="ok",
            tmp=str(p.tmp),
            run=journal.owner(),
        )
        for _, c, _, p in ready
    ]
    journal_ids = db.journal_open_many(
        [(str(p.path), "rewrite", b) for (*_, p), b in zip(ready, bodies, strict=True)]
    )
    entries: list[tuple[dict, int | None]] = []
    settled: list[tuple[int, Candidate, EditPlan | None, RewriteResult]] = []
    dropped: list[int] = []
    for (i, candidate, plan, prepared), body, jid in zip(ready, bodies, journal_ids, strict=True):
        journal.crash_point("journaled", str(prepared.path))
        result = commit(prepared)
        journal.crash_point("replaced")
        if result.outcome == "ok":
            entries.append((dict(body, remediated_at=utcnow().isoformat()), jid))
        else:
            dropped.append(jid)
            entries.append((_entry(ctx, result, candidate), None))
        settled.append((i, candidate, plan, result))
    for i, candidate, refused_plan, result in failed:
        entries.append((_entry(ctx, result, candidate), None))
        settled.append((i, candidate, refused_plan, result))
    db.journal_drop_many(dropped)
    seqs = _append_entries(db, entries)
    for (i, candidate, settled_plan, result), seq in zip(settled, seqs, strict=True):
        status = "changed" if result.outcome == "ok" else "failed"
        outcomes[i] = FileOutcome(candidate, status, settled_plan, result, seq, result.error)
    return outcomes


def _entry(ctx: audit.AuditContext, result: RewriteResult, candidate: Candidate) -> dict:
    return audit.payload(ctx, result, candidate.file.root, candidate.file.rel_path)


def _append_entries(db: Database, entries: list[tuple[dict, int | None]]) -> list[int | None]:
    """One commit for the batch; if another process settled one of our intents meanwhile (it
    thought this run dead), fall back to one commit per entry and skip the settled ones."""
    try:
        return [seq for seq, _ in db.append_audit_many(entries)]
    except JournalClaimed:
        seqs: list[int | None] = []
        for body, jid in entries:
            try:
                seqs.append(db.append_audit(body, jid)[0])
            except JournalClaimed:
                seqs.append(None)
        return seqs


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
    extra: dict[str, Any] = {"purge": opts.purge, "steps": steps, "run": journal.owner()}
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
    from wirefix.index.scan import root_name

    by_path = {os.path.realpath(path): name for name, path in (known or {}).items()}
    return {by_path.get(os.path.realpath(p)) or root_name(p): Path(p) for p in paths}
