"""Reports for compliance staff, read from the audit log and the match results (SPEC §7).

One data shape (`build`) feeds every format: the rich table in the CLI, JSON, CSV and a
self-contained HTML page (`wirefix.flows.report_html`: templates, inline CSS and SVG, no network)
that prints as a legal record, sealed with its own hash (`wirefix.flows.report_seal`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wirefix import __version__, shapes
from wirefix.agencies import same_agency
from wirefix.audit import chain as audit
from wirefix.config import data_dir
from wirefix.decide import cases
from wirefix.decide.match import MatchConfig
from wirefix.flows import report_entries as entries
from wirefix.flows.states import STATES  # noqa: F401  (re-exported: the report's states)
from wirefix.model import Candidate, Notice
from wirefix.online import report as online_report
from wirefix.recipients import status as recipients_status
from wirefix.recipients.config import Policy
from wirefix.rewrite.retention import RETENTION_DAYS
from wirefix.rewrite.retention import Policy as RetentionPolicy
from wirefix.rewrite.retention import summary as backups_summary
from wirefix.storage import Database
from wirefix.storage.runs import review_decisions


@dataclass(frozen=True)
class ReportFilter:
    since: datetime | None = None
    agency: str | None = None
    notice: int | None = None
    state: str | None = None

    def keeps(self, notice_id: int, notice: Notice, received_at: datetime) -> bool:
        """Whether a notice passes the id, date and agency filters (the state is known later)."""
        if self.notice is not None and notice_id != self.notice:
            return False
        if self.since and received_at < self.since:
            return False
        # The originator or any distributor: "--agency 'Getty Images'" finds AFP's notices
        # about photos Getty carried too.
        return not self.agency or any(same_agency(self.agency, a) for a in notice.agencies)

    def describe(self) -> str:
        parts = []
        if self.since:
            parts.append(f"received since {self.since.isoformat()}")
        if self.agency:
            parts.append(f"agency {self.agency}")
        if self.notice is not None:
            parts.append(f"notice {self.notice}")
        if self.state:
            parts.append(f"state {self.state}")
        return ", ".join(parts) or "all notices"


def notice_report(db: Database, only: int | None = None) -> dict[str, Any]:
    return build(db, ReportFilter(notice=only))


def build(
    db: Database,
    flt: ReportFilter | None = None,
    config: MatchConfig | None = None,
    check_chain: bool = False,
    policy: Policy | None = None,
    retention: RetentionPolicy | None = None,
) -> dict[str, Any]:
    """Per notice: arrival, decisions, remediations with their changes, operators, timing, the
    look-alikes left alone, and the open case if it is one (`wirefix.decide.cases`; `config`:
    the matcher's thresholds; `policy`: the recipients' reminders, as configured; `retention`:
    the backups' policy, which `backups` counts wirefix's own copies under).

    The report covers the audit log up to the head read first: entries appended meanwhile are
    in neither its sections nor its head. `check_chain` also verifies the chain up to that
    head (the legal record says so); `status` skips it. The shape is the `--json` contract of
    `wirefix report`: keys are only ever added.
    """
    flt = flt or ReportFilter()
    config = config or MatchConfig()
    head_seq, head_hash = db.audit_head()
    head: dict[str, Any] = {"entries": head_seq, "hash": head_hash, "intact": None}
    if check_chain:
        covered = [r for r in db.audit_entries() if r.seq <= head_seq]
        checked = audit.verify_records(
            [audit.export_record(r) for r in covered], (head_seq, head_hash)
        )
        head.update(intact=checked.ok, problems=checked.problems)
        by_notice: dict[int | None, list[Any]] = {}
        for r in covered:
            by_notice.setdefault(r.notice_id, []).append(r)

        def rows_of(notice_id: int) -> list[Any]:
            return by_notice.get(notice_id, [])
    else:

        def rows_of(notice_id: int) -> list[Any]:
            return [r for r in db.audit_entries(notice_id) if r.seq <= head_seq]

    decisions = review_decisions(db)
    notices = []
    for notice_id, notice, received_at in db.notices():
        if not flt.keeps(notice_id, notice, received_at):
            continue
        entry, done = _notice_entry(db, notice_id, notice, received_at, rows_of(notice_id), config)
        decided = cases.by_file({k: d for k, d in decisions.items() if k[0] == notice_id})
        entry.update(_decisions(db, notice_id, notice, entry["files"], done, decided, config))
        entry["recipients"] = recipients_status.section(db, notice_id, policy)
        if flt.state and entry["state"] != flt.state:
            continue
        notices.append(entry)
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "wirefix_version": __version__,
        "filter": flt.describe(),
        "audit_head": head,
        "totals": _totals(notices),
        "backups": backups_summary(
            db, retention or RetentionPolicy(RETENTION_DAYS, data_dir() / "backups")
        ),
        "notices": notices,
    }


REMEDIATIONS = cases.REMEDIATIONS


def _notice_entry(
    db: Database,
    notice_id: int,
    notice: Notice,
    received_at: datetime,
    rows: list[Any],
    config: MatchConfig,
) -> tuple[dict[str, Any], tuple[set[str], set[str]]]:
    """The notice as evidence (its words, where and when it came from, its hash) and what the
    audit log says was done for it; with the paths remediated and those whose last try failed."""
    files = entries.file_entries(rows)
    ok_paths, failed_paths = cases.remediated(files)
    last = max(
        (f["remediated_at"] for f in files if f["outcome"] == "ok" and f["action"] in REMEDIATIONS),
        default=None,
    )
    matched_at = db.matched_at(notice_id)
    entry = {
        "id": notice_id,
        "agency": notice.agency,
        "distributors": notice.distributors,
        "kind": notice.kind,
        "status": notice.status,
        "source": notice.source,
        "received_at": received_at.isoformat(),
        "corrections": [shapes.correction_json(c) for c in notice.corrections],
        "identifiers": notice.identifiers,
        "remediated": len(ok_paths),
        "failed": len(failed_paths),
        "operators": sorted({f["operator"] for f in files}),
        "last_remediated_at": last,
        "time_to_remediate_seconds": (
            round((datetime.fromisoformat(last) - received_at).total_seconds(), 3) if last else None
        ),
        "files": files,
        "online": online_report.section(db, notice_id, rows),
        # Added for the report as a legal record (issue 19).
        "source_kind": notice.source_kind,
        "page_url": notice.page.url if notice.page else None,
        "sent_at": notice.sent_at,
        "text": notice.text,
        "content_hash": notice.content_hash,
        "text_sha256": hashlib.sha256(notice.text.encode("utf-8")).hexdigest(),
        "matched_at": matched_at.isoformat() if matched_at else None,
        "review_threshold": config.review_threshold,
        **entries.remediation_counts(files, ok_paths),
    }
    return entry, (ok_paths, failed_paths)


def _decisions(
    db: Database,
    notice_id: int,
    notice: Notice,
    files: list[dict[str, Any]],
    done: tuple[set[str], set[str]],
    decided: cases.Decided,
    config: MatchConfig,
) -> dict[str, Any]:
    """What the stored candidates mean now: matched counts, what is open or pending, the
    look-alikes left alone, the open case, the state."""
    ok_paths, failed_paths = done
    candidates = db.candidates(notice_id)
    matched = {"auto": 0, "review": 0, "no": 0}
    for c in candidates:
        matched[c.decision] = matched.get(c.decision, 0) + 1
    case = cases.open_case(notice, candidates, decided, bool(ok_paths), config)
    # One word per file, the same in match, status and review (wirefix.decide.cases.file_state):
    # a file an editor decided on is not pending, a rejected or undone one is not open.
    states = [cases.file_state(c, decided, ok_paths, failed_paths) for c in candidates]
    pending = states.count("pending-review")
    open_auto = states.count("open")
    alone = entries.left_alone(candidates, files, ok_paths, config)
    return {
        "state": _state(notice, candidates, open_auto, pending, failed_paths, ok_paths, case),
        "matched": matched,
        "pending_review": pending,
        "open": open_auto,
        "undone": states.count("undone"),
        "open_case": shapes.open_case_json(case) if case else None,
        "left_alone": alone,
        "refused": len(alone),
    }


def _state(
    notice: Notice,
    candidates: list[Candidate],
    open_auto: int,
    pending: int,
    failed: set[str],
    fixed: set[str],
    case: cases.OpenCase | None,
) -> str:
    if notice.status != "parsed":
        return "needs-review"
    if notice.kind == "advisory":
        return "advisory"
    if failed:
        return "failed"
    if open_auto:
        return "open"
    if pending:
        return "pending-review"
    if case is not None:
        return "open-case"
    if not any(c.decision != "no" for c in candidates):
        # Re-matched after the fix, every file is `no` (already right): done, not "no match".
        return "done" if fixed else "no-match"
    return "done"


def _totals(notices: list[dict[str, Any]]) -> dict[str, Any]:
    times = [
        n["time_to_remediate_seconds"]
        for n in notices
        if n["time_to_remediate_seconds"] is not None
    ]
    return {
        "notices": len(notices),
        "remediated_files": sum(n["remediated"] for n in notices),
        "pending_review": sum(n["pending_review"] for n in notices),
        "open": sum(n["open"] for n in notices),
        "failed": sum(n["failed"] for n in notices),
        "open_cases": sum(1 for n in notices if n["open_case"]),
        "median_time_to_remediate_seconds": statistics.median(times) if times else None,
        "recipients_told": sum(1 for n in notices for r in n["recipients"] if r["told_at"]),
        "acks_overdue": sum(1 for n in notices for r in n["recipients"] if r["overdue"]),
        # Added (issue 19): how each file came to be fixed, and the look-alikes left alone.
        "remediated_automatically": sum(n["remediated_automatically"] for n in notices),
        "remediated_after_review": sum(n["remediated_after_review"] for n in notices),
        "rejected_in_review": sum(n["rejected_in_review"] for n in notices),
        "refused": sum(n["refused"] for n in notices),
        "online_copies": sum(len(n["online"]) for n in notices),
    }


def refusal(nearest: dict[str, Any]) -> str:
    """Why a nearest file of an open case was refused, in words, from its `capped_by`."""
    return nearest["capped_by"] or "score under the review threshold"


def duration(seconds: float | None) -> str:
    """A time span as people read it: seconds, minutes or hours."""
    if seconds is None:
        return "–"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


_duration = duration  # the name the CLI's tables use


# -- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "notice_id",
    "agency",
    "kind",
    "state",
    "received_at",
    "entry",
    "file",
    "action",
    "outcome",
    "operator",
    "remediated_at",
    "tag",
    "before",
    "after",
    "sha256_before",
    "sha256_after",
    "error",
]


def to_csv(data: dict[str, Any]) -> str:
    """One row per tag change (a notice without remediations still gets one row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for n in data["notices"]:
        head = [n["id"], n["agency"], n["kind"], n["state"], n["received_at"]]
        if not n["files"]:
            writer.writerow(head + [""] * (len(CSV_COLUMNS) - len(head)))
        for f in n["files"]:
            for c in f["changes"] or [{"tag": "", "old": "", "new": ""}]:
                row = [f["seq"], f["path"], f["action"], f["outcome"], f["operator"]]
                row += [f["remediated_at"], c["tag"], flat(c["old"]), flat(c["new"])]
                row += [f["sha256_before"], f["sha256_after"], f["error"] or ""]
                writer.writerow([*head, *row])
        for r in recipients_status.csv_rows(n):
            writer.writerow([*head, "", *(r.get(c, "") for c in CSV_COLUMNS[6:])])
    return out.getvalue()


def flat(value: Any) -> str:
    """A tag value on one line: a list's items joined by "; "."""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)
