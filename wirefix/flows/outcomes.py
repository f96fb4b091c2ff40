"""What applying a notice hands back and how it is asked for: one outcome per file, the apply
options, the audit context of a run, and where the store's roots are."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wirefix.audit import chain as audit
from wirefix.decide.match import MatchConfig
from wirefix.exiftool import ExifTool
from wirefix.model import Candidate, EditPlan, FileStatus, Notice, RewriteResult


@dataclass
class FileOutcome:
    """What `apply` did (or would do) to one candidate file."""

    candidate: Candidate
    status: FileStatus
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
    approval: int | None = None  # the review approval entry this apply carries out (`review`)
    # The configured thresholds, for a notice never matched before (apply matches it first).
    match: MatchConfig | None = None


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
    from wirefix.index.walk import root_name

    by_path = {os.path.realpath(path): name for name, path in (known or {}).items()}
    return {by_path.get(os.path.realpath(p)) or root_name(p): Path(p) for p in paths}
