"""One batch of candidates remediated: locked in a fixed order, planned from a fresh read, written
the fast or the full way, committed, and its audit entries appended together."""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from wirefix.audit import chain as audit
from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.flows.killing import _kill_one
from wirefix.flows.outcomes import ApplyOptions, FileOutcome
from wirefix.model import Candidate, EditPlan, FileStatus, Notice, RewriteResult
from wirefix.rewrite import journal
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.durable import fsync_all, remove_orphans, remove_orphans_of
from wirefix.rewrite.fast import Quick, discard_quick, quick_finish, quick_stage
from wirefix.rewrite.plan import PlanError, make_plan
from wirefix.rewrite.safe import commit, finish, read_batch, stage, sync_folders
from wirefix.rewrite.safety import file_lock, outside_roots
from wirefix.rewrite.steps import Prepared, Staged, look
from wirefix.storage import Database
from wirefix.storage.database import JournalClaimed, utcnow

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
        try:
            outcomes = _rewrite_batch(db, notice, todo, exiftool, backups, ctx, opts, outcomes)
        finally:  # a linked backup of a file left as it was is no backup (BackupStore.keep_file)
            for _, candidate in todo:
                backups.settle(candidate.file.path)
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
            for *_, staged in quick:
                discard_quick(staged)
            checked = [None] * len(quick)
    for (i, candidate, q), p in zip(quick, checked, strict=True):
        if p is None:
            slow.append((i, candidate))
        else:
            ready.append((i, candidate, q.plan, p))
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
    folders: set[Path] = set()
    results = []
    for *_, prepared in ready:
        journal.crash_point("journaled", str(prepared.path))
        results.append(commit(prepared, folders))
        journal.crash_point("replaced")
    sync_folders(folders, results)  # once per folder, before any of the batch is logged
    for (i, candidate, plan, _), body, jid, result in zip(
        ready, bodies, journal_ids, results, strict=True
    ):
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
    for (i, candidate, logged_plan, result), seq in zip(settled, seqs, strict=True):
        status: FileStatus = "changed" if result.outcome == "ok" else "failed"
        outcomes[i] = FileOutcome(candidate, status, logged_plan, result, seq, result.error)
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
