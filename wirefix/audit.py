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
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from wirefix import __version__
from wirefix.model import RewriteResult, canonical_json
from wirefix.storage.database import GENESIS_HASH, Database, chain_hash, utcnow


def default_operator() -> str:
    """user@host, or WIREFIX_OPERATOR when a service runs on someone's behalf."""
    explicit = os.environ.get("WIREFIX_OPERATOR")
    if explicit:
        return explicit
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


def record(
    db: Database, ctx: AuditContext, result: RewriteResult, root: str, rel_path: str
) -> tuple[int, str]:
    """Append the entry for one remediation; returns (seq, entry_hash)."""
    payload: dict[str, Any] = {
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
        "changes": [asdict(c) for c in result.changes],
        "notes": result.notes,
        "sha256_before": result.sha256_before,
        "sha256_after": result.sha256_after,
        "image_hash_method": result.image_hash_method,
        "image_hash_before": result.image_hash_before,
        "image_hash_after": result.image_hash_after,
        "backup": result.backup,
        "operator": ctx.operator,
        "wirefix_version": __version__,
        "exiftool_version": ctx.exiftool_version,
        "remediated_at": utcnow().isoformat(),
    }
    return db.append_audit(payload)


@dataclass
class VerifyReport:
    entries: int
    ok: bool
    problems: list[str]
    head_hash: str


def verify(db: Database) -> VerifyReport:
    """Recompute the chain from the genesis hash; name every entry that does not fit."""
    problems: list[str] = []
    prev = GENESIS_HASH
    expected_seq = 1
    rows = db.audit_entries()
    for row in rows:
        if row.seq != expected_seq:
            problems.append(
                f"entry {row.seq}: expected entry {expected_seq} here (missing or reordered)"
            )
            expected_seq = row.seq
        try:
            body = json.loads(row.payload)
        except json.JSONDecodeError:
            problems.append(f"entry {row.seq}: payload is not JSON")
            body = {}
        if canonical_json(body) != row.payload:
            problems.append(f"entry {row.seq}: payload is not in canonical form (edited)")
        if body.get("seq") != row.seq or body.get("prev_hash") != row.prev_hash:
            problems.append(f"entry {row.seq}: seq or previous hash inside the payload disagree")
        if row.prev_hash != prev:
            problems.append(f"entry {row.seq}: previous hash does not match entry {row.seq - 1}")
        if chain_hash(row.prev_hash, row.payload) != row.entry_hash:
            problems.append(f"entry {row.seq}: hash does not match its content (edited)")
        for column in ("path", "action", "outcome", "operator"):
            if body.get(column) != getattr(row, column):
                problems.append(f"entry {row.seq}: column {column} differs from the hashed payload")
        prev = row.entry_hash
        expected_seq += 1
    head_seq, head_hash = db.audit_head()
    if head_seq != len(rows) or head_hash != prev:
        problems.append(
            f"chain head says {head_seq} entries ending {head_hash[:12]}, the log has {len(rows)} "
            f"ending {prev[:12]} (entries deleted or appended outside wirefix)"
        )
    return VerifyReport(entries=len(rows), ok=not problems, problems=problems, head_hash=prev)
