"""A kill carried out on one file: moved to quarantine (or deleted), journaled and audited."""

from __future__ import annotations

import json
import os
from typing import Any

from wirefix.audit import chain as audit
from wirefix.config import data_dir
from wirefix.flows.outcomes import ApplyOptions, FileOutcome
from wirefix.model import Candidate, EditPlan, RewriteResult
from wirefix.rewrite import holds, journal, kill, purge
from wirefix.rewrite.backups import BackupStore
from wirefix.storage import Database


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
    hold = holds.covers(holds.current(db), {ctx.notice_id, *(r.notice_id for r in history)})
    if hold is not None:  # a legal hold keeps wirefix's copies, even of a purged photo
        plan.notes.append(f"legal hold (entry {hold.entry}): wirefix's backups are kept")
        copies = []
    qdir = opts.quarantine or data_dir() / "quarantine"  # commands pass the configured one
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
    # Keys of the audit entry: never `journal_id`, which `record` takes apart.
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
    # The kill rule: the killed photo's backups go at once, now that it is out of the store.
    purged = purge.after_kill(db, backups.root, seq, dict(body, seq=seq))
    plan.notes += [f"backups purged: entry {n}" for n in purged.entries] + purged.errors
    return FileOutcome(candidate, "changed", plan, result, seq)
