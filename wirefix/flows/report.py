"""Reports for compliance staff, read from the audit log and the match results (SPEC §7).

One data shape (`build`) feeds every format: the rich table in the CLI, JSON, CSV and a
self-contained HTML page (inline CSS and SVG, no network) that prints cleanly and can be attached
to a legal file.
"""

from __future__ import annotations

import csv
import html
import io
import json
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wirefix import __version__
from wirefix.agencies import same_agency
from wirefix.config import backup_dir
from wirefix.decide import cases
from wirefix.decide.match import MatchConfig
from wirefix.model import Candidate, Notice
from wirefix.online import report as online_report
from wirefix.recipients import status as recipients_status
from wirefix.recipients.notify import ACTIONS as RECIPIENT_ACTIONS
from wirefix.rewrite.retention import RETENTION_DAYS, Policy
from wirefix.rewrite.retention import summary as backups_summary
from wirefix.storage import Database
from wirefix.storage.runs import review_decisions

STATES = (
    "done",
    "open",
    "pending-review",
    "open-case",
    "failed",
    "needs-review",
    "no-match",
    "advisory",
)


@dataclass(frozen=True)
class ReportFilter:
    since: datetime | None = None
    agency: str | None = None
    notice: int | None = None
    state: str | None = None

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
    retention: Policy | None = None,
) -> dict[str, Any]:
    """Per notice: arrival, decisions, remediations with their changes, operators, timing, and
    the open case if it is one (`wirefix.decide.cases`; `config`: the matcher's thresholds).

    The shape is the `--json` contract of `wirefix report`; `backups` counts wirefix's own
    copies under `retention` (default: 30 days, the configured backup folder).
    """
    flt = flt or ReportFilter()
    decisions = review_decisions(db)
    policy = recipients_status.policy()
    notices = []
    for notice_id, notice, received_at in db.notices():
        if flt.notice is not None and notice_id != flt.notice:
            continue
        if flt.since and received_at < flt.since:
            continue
        # The originator or any distributor: "--agency 'Getty Images'" finds AFP's notices
        # about photos Getty carried too.
        if flt.agency and not any(same_agency(flt.agency, a) for a in notice.agencies):
            continue
        candidates = db.candidates(notice_id)
        matched = {"auto": 0, "review": 0, "no": 0}
        for c in candidates:
            matched[c.decision] = matched.get(c.decision, 0) + 1
        rows = db.audit_entries(notice_id)  # online copies and third parties: sections of their own
        files = [
            _file_entry(row)
            for row in rows
            if not row.action.startswith("online-")
            and row.action not in RECIPIENT_ACTIONS
            and row.action not in KEEPING  # holds and purges: the `backups` section
        ]
        ok_paths, failed_paths = cases.remediated(files)
        decided = cases.by_file({k: d for k, d in decisions.items() if k[0] == notice_id})
        case = cases.open_case(notice, candidates, decided, bool(ok_paths), config)
        pending_review = sum(
            1 for c in candidates if c.decision == "review" and c.file.path not in ok_paths
        )
        open_auto = sum(
            1 for c in candidates if c.decision == "auto" and c.file.path not in ok_paths
        )
        last = max(
            (
                f["remediated_at"]
                for f in files
                if f["outcome"] == "ok" and f["action"] in REMEDIATIONS
            ),
            default=None,
        )
        entry = {
            "id": notice_id,
            "agency": notice.agency,
            "distributors": notice.distributors,
            "kind": notice.kind,
            "status": notice.status,
            "state": _state(
                notice, candidates, open_auto, pending_review, failed_paths, ok_paths, case
            ),
            "source": notice.source,
            "received_at": received_at.isoformat(),
            "corrections": [c.__dict__ for c in notice.corrections],
            "identifiers": notice.identifiers,
            "matched": matched,
            "remediated": len(ok_paths),
            "pending_review": pending_review,
            "open": open_auto,
            "failed": len(failed_paths),
            "operators": sorted({f["operator"] for f in files}),
            "last_remediated_at": last,
            "time_to_remediate_seconds": (
                round((datetime.fromisoformat(last) - received_at).total_seconds(), 3)
                if last
                else None
            ),
            "open_case": case.to_dict() if case else None,
            "files": files,
            "online": online_report.section(db, notice_id, rows),
            "recipients": recipients_status.section(db, notice_id, policy),
        }
        if flt.state and entry["state"] != flt.state:
            continue
        notices.append(entry)
    head_seq, head_hash = db.audit_head()
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "wirefix_version": __version__,
        "filter": flt.describe(),
        "audit_head": {"entries": head_seq, "hash": head_hash},
        "totals": _totals(notices),
        "backups": backups_summary(db, retention or Policy(RETENTION_DAYS, backup_dir())),
        "notices": notices,
    }


REMEDIATIONS = cases.REMEDIATIONS
KEEPING = ("hold", "release", "purge", "clean")


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


def _file_entry(row: Any) -> dict[str, Any]:
    body = json.loads(row.payload)
    return {
        "seq": row.seq,
        "path": body["path"],
        "root": body.get("root"),
        "rel_path": body.get("rel_path"),
        "action": body["action"],
        "outcome": body["outcome"],
        "error": body.get("error"),
        "operator": body["operator"],
        "remediated_at": body["remediated_at"],
        "changes": [
            {"tag": c["tag"], "old": c["old"], "new": c["new"], "field": c["field"]}
            for c in body.get("changes", [])
        ],
        "notes": body.get("notes", []),
        "sha256_before": body.get("sha256_before"),
        "sha256_after": body.get("sha256_after"),
        "image_hash_method": body.get("image_hash_method"),
        "image_hash_before": body.get("image_hash_before"),
        "image_hash_after": body.get("image_hash_after"),
        "entry_hash": row.entry_hash,
    }


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
    }


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
                row += [f["remediated_at"], c["tag"], _flat(c["old"]), _flat(c["new"])]
                row += [f["sha256_before"], f["sha256_after"], f["error"] or ""]
                writer.writerow([*head, *row])
        for r in recipients_status.csv_rows(n):
            writer.writerow([*head, "", *(r.get(c, "") for c in CSV_COLUMNS[6:])])
    return out.getvalue()


def _flat(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


# -- HTML ------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1b1f23;
margin:2em auto;max-width:1100px;padding:0 1em}
h1{font-size:22px;margin:0 0 .2em}
h2{font-size:17px;margin:1.6em 0 .4em;border-bottom:1px solid #ccc}
.meta{color:#555;margin-bottom:1em}
.totals{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}
.total{border:1px solid #ccc;border-radius:4px;padding:.5em .9em;min-width:8em}
.total b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:13px}
th,td{border:1px solid #d0d0d0;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}tr.file th{background:#e8eef6;font-weight:normal}
.hash{color:#444}td.num{text-align:right}
.state-done{color:#176117}.state-failed,.state-needs-review,.state-open-case{color:#a40000}
.open-case{border-left:4px solid #a40000;padding-left:.8em}
.state-open,.state-pending-review{color:#8a5a00}
code{font-size:12px;word-break:break-all}.old{color:#a40000}.new{color:#176117}
.notice{page-break-inside:avoid}footer{margin-top:2em;color:#555;font-size:12px}
@media print{body{margin:0;max-width:none}.notice{page-break-inside:avoid}a{color:inherit}}
"""


def to_html(data: dict[str, Any]) -> str:
    """A self-contained page: inline CSS and SVG, no scripts, no network."""
    e = html.escape
    t = data["totals"]
    median = t["median_time_to_remediate_seconds"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>wirefix compliance report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>wirefix compliance report</h1>",
        f"<div class='meta'>Generated {e(data['generated_at'])} by wirefix "
        f"{e(data['wirefix_version'])} &middot; {e(data['filter'])}</div>",
        "<div class='totals'>",
        _total("notices", t["notices"], "total-notices"),
        _total("files remediated", t["remediated_files"], "total-remediated"),
        _total("pending review", t["pending_review"], "total-pending"),
        _total("open", t["open"], "total-open"),
        _total("failed", t["failed"], "total-failed"),
        _total("open cases", t["open_cases"], "total-open-cases"),
        _total("acknowledgements overdue", t["acks_overdue"], "total-acks-overdue"),
        _total("median time to remediate", _duration(median), "total-median"),
        "</div>",
        _chart(data["notices"]),
        "<h2>Notices</h2><table id='notices'><thead><tr><th>id</th><th>agency</th><th>kind</th>"
        "<th>state</th><th>received</th><th>corrections</th><th>matched auto / review</th>"
        "<th>remediated</th><th>pending review</th><th>failed</th><th>time to remediate</th>"
        "<th>operators</th></tr></thead><tbody>",
    ]
    for n in data["notices"]:
        fixes = "<br>".join(
            f"{e(c['field'])}: <span class='old'>{e(c['erroneous'])}</span> &rarr; "
            f"<span class='new'>{e(c['corrected'])}</span>"
            for c in n["corrections"]
        )
        parts.append(
            f"<tr data-notice='{n['id']}'><td>{n['id']}</td><td>{e(n['agency'] or '')}</td>"
            f"<td>{e(n['kind'])}</td><td class='state-{e(n['state'])}'>{e(n['state'])}</td>"
            f"<td>{e(n['received_at'][:19])}</td><td>{fixes}</td>"
            f"<td class='num'>{n['matched']['auto']} / {n['matched']['review']}</td>"
            f"<td class='num remediated'>{n['remediated']}</td>"
            f"<td class='num'>{n['pending_review']}</td><td class='num'>{n['failed']}</td>"
            f"<td class='num'>{_duration(n['time_to_remediate_seconds'])}</td>"
            f"<td>{e(', '.join(n['operators']))}</td></tr>"
        )
    parts.append("</tbody></table>")
    parts.extend(_open_cases_html(data["notices"]))
    parts.extend(recipients_status.html_section(data["notices"]))
    for n in data["notices"]:
        if not n["files"]:
            continue
        parts.append(
            f"<div class='notice'><h2>Notice {n['id']}: {e(n['agency'] or '')} {e(n['kind'])}</h2>"
            "<table><thead><tr><th style='width:22%'>tag</th><th>before</th><th>after</th>"
            "</tr></thead><tbody>"
        )
        for f in n["files"]:
            error = f" &middot; {e(f['error'])}" if f["error"] else ""
            parts.append(
                f"<tr class='file' data-entry='{f['seq']}'><th colspan='3'>"
                f"entry {f['seq']} &middot; "
                f"<code>{e(f['path'])}</code> &middot; {e(f['action'])} {e(f['outcome'])}{error}"
                f" &middot; {e(f['remediated_at'][:19])} by {e(f['operator'])}<br>"
                f"<span class='hash'>sha256 before <code>{e(f['sha256_before'] or '–')}</code>"
                f"<br>sha256 after&nbsp; <code>{e(f['sha256_after'] or '–')}</code></span>"
                "</th></tr>"
            )
            for c in f["changes"]:
                parts.append(
                    f"<tr><td>{e(c['tag'])}</td><td class='old'>{e(_flat(c['old']))}</td>"
                    f"<td class='new'>{e(_flat(c['new']))}</td></tr>"
                )
        parts.append("</tbody></table></div>")
    parts.extend(online_report.to_html(data["notices"]))
    head = data["audit_head"]
    parts.append(
        f"<footer>Audit log head: entry {head['entries']}, hash <code>{e(head['hash'])}</code>. "
        "Check it with <code>wirefix audit verify</code>.</footer></body></html>"
    )
    return "\n".join(parts)


def _open_cases_html(notices: list[dict[str, Any]]) -> list[str]:
    """Notices nothing acted on although something should have: the refused files nearest."""
    e = html.escape
    parts = []
    for n in notices:
        case = n["open_case"]
        if not case:
            continue
        parts.append(
            f"<div class='notice open-case' data-open-case='{n['id']}'>"
            f"<h2>Open case: notice {n['id']} ({e(n['agency'] or '')} {e(n['kind'])})</h2>"
            f"<p>{e(case['reason'])}</p>"
        )
        if case["nearest"]:
            parts.append(
                "<table><thead><tr><th>nearest file</th><th>score</th><th>decision</th>"
                "<th>refused because</th><th>top reasons</th></tr></thead><tbody>"
            )
            for c in case["nearest"]:
                parts.append(
                    f"<tr><td><code>{e(c['path'])}</code></td><td class='num'>{c['score']:.2f}"
                    f"</td><td>{e(c['decision'])}</td><td>{e(refusal(c))}</td>"
                    f"<td>{'<br>'.join(e(r['detail']) for r in c['reasons'])}</td></tr>"
                )
            parts.append("</tbody></table>")
        parts.append("</div>")
    return parts


def refusal(nearest: dict[str, Any]) -> str:
    """Why a nearest file of an open case was refused, in words, from its `capped_by`."""
    return nearest["capped_by"] or "score under the review threshold"


def _total(label: str, value: Any, ident: str) -> str:
    value_html = html.escape(str(value))
    return f"<div class='total'><b id='{ident}'>{value_html}</b>{html.escape(label)}</div>"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _chart(notices: list[dict[str, Any]]) -> str:
    """Bars of time-to-remediate per notice (grey: not yet remediated), as inline SVG."""
    if not notices:
        return ""
    shown = notices[-40:]
    times = [n["time_to_remediate_seconds"] or 0 for n in shown]
    top = max(times) or 1
    bar_w, gap, height = 22, 6, 140
    width = len(shown) * (bar_w + gap) + 60
    bars = []
    for i, (n, secs) in enumerate(zip(shown, times, strict=True)):
        h = max(2, int(height * secs / top)) if n["time_to_remediate_seconds"] is not None else 2
        x = 50 + i * (bar_w + gap)
        color = "#2f7d32" if n["time_to_remediate_seconds"] is not None else "#bbbbbb"
        bars.append(
            f"<rect x='{x}' y='{20 + height - h}' width='{bar_w}' height='{h}' fill='{color}'>"
            f"<title>notice {n['id']}: {_duration(n['time_to_remediate_seconds'])}</title></rect>"
            f"<text x='{x + bar_w / 2}' y='{height + 34}' font-size='10' "
            f"text-anchor='middle'>{n['id']}</text>"
        )
    return (
        "<h2>Time from receipt to remediation, per notice</h2>"
        f"<svg id='chart' role='img' aria-label='time to remediate per notice' width='{width}' "
        f"height='{height + 45}' xmlns='http://www.w3.org/2000/svg'>"
        f"<text x='0' y='16' font-size='11'>{_duration(top)}</text>"
        f"<line x1='45' y1='{20 + height}' x2='{width}' y2='{20 + height}' stroke='#888'/>"
        + "".join(bars)
        + "</svg>"
    )
