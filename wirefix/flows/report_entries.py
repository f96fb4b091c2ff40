"""A notice's audit entries and candidates as the report shows them: what was done to each file,
why, and which look-alikes were left alone (issue 19).

A review approval is an editor's decision, not a change: it is linked to the remediation it
caused, so a reader sees one rewrite "approved in entry N", never two rewrites of one file.
The counts follow from the audit log itself (files remediated automatically, after review),
not from the latest match, which after a fix says every file is already right.
"""

from __future__ import annotations

import json
from typing import Any

from wirefix import shapes
from wirefix.decide import cases
from wirefix.decide.match import MatchConfig
from wirefix.model import Candidate
from wirefix.recipients.notify import ACTIONS as RECIPIENT_ACTIONS

APPROVE, REJECT = "review-approve", "review-reject"

#: How many of a look-alike's strongest reasons the report prints.
TOP_REASONS = 3


def is_file_entry(action: str) -> bool:
    """Entries about store files; online copies and third parties have sections of their own."""
    return (
        not action.startswith("online-")
        and action not in RECIPIENT_ACTIONS
        and action not in KEEPING  # holds and purges: the `backups` section
    )


#: wirefix's own copies kept and let go (wirefix.rewrite.retention): not file entries.
KEEPING = ("hold", "release", "purge", "clean")


def file_entries(rows: list[Any]) -> list[dict[str, Any]]:
    """The file entries of one notice's audit rows (chain order), approvals linked both ways:
    an approval's `caused_entry` is the first remediation of that file after it, and every
    remediation after an approval (and no later rejection) carries `approved_in`."""
    files = [_file_entry(row) for row in rows if is_file_entry(row.action)]
    approval: dict[str, dict[str, Any]] = {}  # path -> the approval in force
    for f in files:
        if f["action"] == APPROVE:
            approval[f["path"]] = f
        elif f["action"] == REJECT:
            approval.pop(f["path"], None)
        elif f["action"] in cases.REMEDIATIONS:
            by = approval.get(f["path"])
            if f.get("approval") is not None:  # the entry names its approval: trust that
                by = next((a for a in files if a["seq"] == f["approval"]), by)
            f["approved_in"] = by["seq"] if by else None
            f["cause"] = "after review" if by else "automatic"
            if by and by["caused_entry"] is None:
                by["caused_entry"] = f["seq"]
    return files


def _file_entry(row: Any) -> dict[str, Any]:
    body = json.loads(row.payload)
    return {
        **shapes.audit_entry_json(row.seq, row.entry_hash, body),
        # Added for the report as a legal record (issue 19); the keys above are unchanged.
        "prev_hash": row.prev_hash,
        "backup": body.get("backup"),
        "writer": body.get("writer"),
        "wirefix_version": body.get("wirefix_version"),
        "exiftool_version": body.get("exiftool_version"),
        "notice_hash": body.get("notice_hash"),
        "notice_received_at": body.get("notice_received_at"),
        "reason": body.get("reason"),
        "steps": body.get("steps", []),
        "purge": body.get("purge"),
        "undoes": body.get("undoes"),
        "approval": body.get("approval"),  # the approval entry that caused it, as it names it
        "approved_in": None,
        "caused_entry": None,
        "cause": None,
    }


def remediation_counts(files: list[dict[str, Any]], ok_paths: set[str]) -> dict[str, int]:
    """Files remediated (and not undone) automatically or after an editor's approval, by the
    last successful remediation of each; files an editor rejected."""
    last: dict[str, dict[str, Any]] = {}
    decided: dict[str, str] = {}
    for f in files:
        if f["action"] in cases.REMEDIATIONS and f["outcome"] == "ok":
            last[f["path"]] = f
        elif f["action"] in (APPROVE, REJECT):
            decided[f["path"]] = f["action"]
    causes = [last[p]["cause"] for p in ok_paths if p in last]
    return {
        "remediated_automatically": causes.count("automatic"),
        "remediated_after_review": causes.count("after review"),
        "rejected_in_review": sum(
            1 for p, d in decided.items() if d == REJECT and p not in ok_paths
        ),
    }


def left_alone(
    candidates: list[Candidate],
    files: list[dict[str, Any]],
    ok_paths: set[str],
    config: MatchConfig,
) -> list[dict[str, Any]]:
    """The look-alikes deliberately not changed, best score first: refused by the matcher
    (`no`: capped, or under the review threshold) or rejected by an editor; each with why."""
    rejected: dict[str, dict[str, Any]] = {}
    for f in files:
        if f["action"] == REJECT:
            rejected[f["path"]] = f
        elif f["action"] == APPROVE:
            rejected.pop(f["path"], None)
    out = []
    for c in candidates:
        if c.file.path in ok_paths:
            continue
        by = rejected.get(c.file.path)
        if by is not None:
            when = by["remediated_at"][:19].replace("T", " ")
            why = f"rejected in review by {by['operator']} at {when} UTC"
        elif c.decision == "no":
            why = refusal_reason(c, config)
        else:
            continue  # `auto` or undecided `review`: still to be acted on, listed as open
        entry = shapes.candidate_json(c, TOP_REASONS)
        entry["why"] = why
        entry["rejected_in"] = by["seq"] if by else None
        out.append(entry)
    return out


def refusal_reason(c: Candidate, config: MatchConfig) -> str:
    """Why the matcher refused a file, with the numbers: its cap, or its score under the
    review threshold."""
    if c.capped_by:
        return c.capped_by
    return f"score {c.score:.2f} under the review threshold {config.review_threshold:.2f}"
