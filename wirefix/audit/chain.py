"""Stage 4, audit: one hash-chained entry per remediation (SPEC §7).

Each entry records who, what, when, before, after and why, with file hashes and tool versions,
and the hash of the entry before it, over one canonical serialisation, so that `verify` finds any
edited, inserted, deleted or reordered entry.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from wirefix import __version__, shapes
from wirefix.model import RewriteResult, canonical_json
from wirefix.storage.database import GENESIS_HASH, Database, chain_hash, utcnow

if TYPE_CHECKING:
    from wirefix.storage.schema import AuditRow


def default_operator() -> str:
    """user@host: who acts when neither --operator nor WIREFIX_OPERATOR (wirefix.settings)
    says on whose behalf a service runs."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class AuditContext:
    """What every entry of one run shares."""

    operator: str
    exiftool_version: str
    notice_id: int | None = None
    notice_hash: str | None = None
    notice_received_at: datetime | None = None
    reason: str | None = None  # why: the notice's kind and corrections, in words
    approval: int | None = None  # the review approval entry that caused this change, if one did


def payload(
    ctx: AuditContext, result: RewriteResult, root: str | None, rel_path: str | None, **extra: Any
) -> dict[str, Any]:
    """The entry for one remediation, before the chain adds seq and prev_hash."""
    body: dict[str, Any] = {
        "notice_id": ctx.notice_id,
        "notice_hash": ctx.notice_hash,
        "notice_received_at": ctx.notice_received_at.isoformat()
        if ctx.notice_received_at
        else None,
        "reason": ctx.reason,
        "root": root,
        "rel_path": rel_path,
        "path": result.path,
        "action": result.action,
        "outcome": result.outcome,
        "error": result.error,
        "changes": [shapes.tag_write_json(c) for c in result.changes],
        "notes": result.notes,
        "sha256_before": result.sha256_before,
        "sha256_after": result.sha256_after,
        "image_hash_method": result.image_hash_method,
        "image_hash_before": result.image_hash_before,
        "image_hash_after": result.image_hash_after,
        "backup": result.backup,
        "writer": result.writer,
        "operator": ctx.operator,
        "wirefix_version": __version__,
        "exiftool_version": ctx.exiftool_version,
        "remediated_at": utcnow().isoformat(),
    }
    if ctx.approval is not None:
        body["approval"] = ctx.approval
    body.update(extra)
    return body


def record(
    db: Database,
    ctx: AuditContext,
    result: RewriteResult,
    root: str | None,
    rel_path: str | None,
    journal_id: int | None = None,
    **extra: Any,
) -> tuple[int, str]:
    """Append the entry for one remediation; returns (seq, entry_hash)."""
    body = payload(ctx, result, root, rel_path, **extra)
    return db.append_audit(body, journal_id)


def append(db: Database, body: dict[str, Any], journal_id: int | None = None) -> int:
    """Append a prepared payload, stamped with the time it is logged; returns its seq."""
    body = dict(body, remediated_at=utcnow().isoformat())
    return db.append_audit(body, journal_id)[0]


@dataclass
class VerifyReport:
    entries: int
    ok: bool
    problems: list[str]
    head_hash: str
    pending: list[str] = field(default_factory=list)  # intents of runs that have not finished


def export_record(row: AuditRow) -> dict[str, Any]:
    """One exported line: the hashed payload verbatim plus the chain fields."""
    return {
        "seq": row.seq,
        "prev_hash": row.prev_hash,
        "entry_hash": row.entry_hash,
        "payload": row.payload,
        "columns": {c: getattr(row, c) for c in ("path", "action", "outcome", "operator")},
    }


def export_lines(db: Database) -> list[str]:
    return [canonical_json(export_record(r)) for r in db.audit_entries()]


def verify(db: Database) -> VerifyReport:
    """Recompute the chain from the genesis hash; name every entry that does not fit."""
    report = verify_records([export_record(r) for r in db.audit_entries()], db.audit_head())
    report.pending = [
        f"{path}: {action} under way or interrupted (run `wirefix audit verify --repair` or "
        "`wirefix apply` again to settle it)"
        for _, path, action, _ in db.journal_pending()
    ]
    return report


def verify_records(
    records: list[dict[str, Any]], head: tuple[int, str] | None = None
) -> VerifyReport:
    """Check exported records (`wirefix audit export`) the way `verify` checks the database.

    `sha256(prev_hash + "\n" + payload)` must equal `entry_hash`, the payload must carry its own
    seq and prev_hash, each prev_hash must be the entry before's hash, and seqs run 1, 2, 3...
    """
    problems: list[str] = []
    prev = GENESIS_HASH
    expected_seq = 1
    for rec in records:
        seq, payload = rec["seq"], rec["payload"]
        if seq != expected_seq:
            what = "missing (deleted)" if seq > expected_seq else "out of order or repeated"
            problems.append(f"entry {seq}: expected entry {expected_seq} here; entries {what}")
            expected_seq = seq
        try:
            body = json.loads(payload)
        except json.JSONDecodeError:
            problems.append(f"entry {seq}: payload is not JSON")
            body = {}
        if canonical_json(body) != payload:
            problems.append(f"entry {seq}: payload is not in canonical form (edited)")
        if body.get("seq") != seq or body.get("prev_hash") != rec["prev_hash"]:
            problems.append(f"entry {seq}: seq or previous hash inside the payload disagree")
        if rec["prev_hash"] != prev:
            problems.append(
                f"entry {seq}: previous hash does not match the entry before it "
                "(inserted, deleted or reordered)"
            )
        if chain_hash(rec["prev_hash"], payload) != rec["entry_hash"]:
            problems.append(f"entry {seq}: hash does not match its content (edited)")
        for column, value in (rec.get("columns") or {}).items():
            if body.get(column) != value:
                problems.append(f"entry {seq}: column {column} differs from the hashed payload")
        prev = rec["entry_hash"]
        expected_seq += 1
    if head is not None:
        head_seq, head_hash = head
        if head_seq != len(records) or head_hash != prev:
            problems.append(
                f"chain head says {head_seq} entries ending {head_hash[:12]}, the log has "
                f"{len(records)} ending {prev[:12]} (entries deleted or appended outside wirefix)"
            )
    return VerifyReport(entries=len(records), ok=not problems, problems=problems, head_hash=prev)
