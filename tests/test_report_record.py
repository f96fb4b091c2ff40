"""The HTML report as a legal record (issue 19): printed to PDF by a real headless Chromium, read
back as text, it must carry every fact a compliance officer asked for, and its seal must check
out with the documented commands.

The seed scenario (tests/seed.py, test_seed.build_store): AFP's Daraa correction fixes the photo
and its web copy automatically and leaves the look-alikes alone. The review scenario (the
samples' correction with its caption reworded, as in test_run): an editor approves one file and
rejects another.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import seed
from conftest import SAMPLES, Cli
from pypdf import PdfReader
from test_report import CHROMIUM, CHROMIUM_FLAGS
from test_seed import AFFECTED, build_store, carrier

from wirefix.flows import report_seal
from wirefix.flows.report_html import when

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/test.sh installs it)"
)

#: Every key `report --json` had before issue 19: additions only, nothing renamed or dropped.
OLD_NOTICE_KEYS = {
    "id", "agency", "distributors", "kind", "status", "state", "source", "received_at",
    "corrections", "identifiers", "matched", "remediated", "pending_review", "open", "failed",
    "operators", "last_remediated_at", "time_to_remediate_seconds", "open_case", "files",
    "online", "recipients",
}  # fmt: skip
OLD_FILE_KEYS = {
    "seq", "path", "root", "rel_path", "action", "outcome", "error", "operator",
    "remediated_at", "changes", "notes", "sha256_before", "sha256_after", "image_hash_method",
    "image_hash_before", "image_hash_after", "entry_hash",
}  # fmt: skip
OLD_TOTALS_KEYS = {
    "notices", "remediated_files", "pending_review", "open", "failed", "open_cases",
    "median_time_to_remediate_seconds", "recipients_told", "acks_overdue",
}  # fmt: skip


def pdf_text(page: Path, tmp_path: Path) -> tuple[list[str], str]:
    """Print `page` to A4 PDF as a person would (Chromium's own header and footer off: the
    page numbers must come from the report), and read back each page's text."""
    pdf = tmp_path / "report.pdf"
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    pages = [p.extract_text() for p in PdfReader(pdf).pages]
    return pages, "\n".join(pages)


def squeeze(text: str) -> str:
    """Text without whitespace: a printed line may wrap anywhere inside a path or a hash."""
    return re.sub(r"\s+", "", text)


@needs_chromium
def test_the_printed_report_carries_the_evidence_and_its_seal_checks_out(
    cli: Cli, tmp_path: Path
) -> None:
    store = build_store(tmp_path / "store")
    source = carrier("text", tmp_path / "inbox")
    [stored] = cli.json("ingest", str(source))
    notice_id = str(stored["id"])
    cli("scan", str(store))
    cli("match", notice_id)
    cli("apply", notice_id, "--yes")
    page = tmp_path / "report.html"
    cli("report", "--format", "html", "--output", str(page))
    data = cli.json("report")
    [n] = data["notices"]
    pages, text = pdf_text(page, tmp_path)
    flat = squeeze(text)

    def printed(value: object) -> bool:
        return squeeze(str(value)) in flat

    # Page numbers "page X of Y" on every page, and the audit head each page belongs to.
    assert len(pages) >= 2
    for number, body in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in body, body[:200]
        assert f"head {data['audit_head']['hash'][:16]}" in body
    # The notice as received: its words, carrier, source, time received, content hash.
    assert printed(" ".join(seed.caption().split()))
    assert (n["source_kind"], n["source"]) == ("text", str(source))
    assert printed(n["source"]) and "carrier text" in text
    assert printed(f"received by wirefix {when(n['received_at'])}")
    assert printed(n["content_hash"]) and printed(n["text_sha256"])
    # Counts from the log: both files automatically, none after review.
    assert (n["remediated_automatically"], n["remediated_after_review"]) == (2, 0)
    assert printed("2 file(s) remediated: 2 automatically, 0 after review")
    # Each audit entry: file, tags before and after, hashes, backup, operator, versions, time.
    rewrites = [f for f in n["files"] if f["action"] == "rewrite"]
    assert sorted(f["rel_path"] for f in rewrites) == sorted(AFFECTED)
    for f in rewrites:
        assert printed(f"Entry {f['seq']}: rewrite ok, automatic")
        assert printed(f["path"]) and printed(f["entry_hash"])
        for key in ("sha256_before", "sha256_after", "image_hash_before", "image_hash_after"):
            assert f[key] and printed(f[key]), key
        assert f["backup"] and printed(f["backup"])
        assert printed(f"{when(f['remediated_at'])} by tester@wirefix-tests")
        assert printed(f"wirefix {f['wirefix_version']}, ExifTool {f['exiftool_version']}")
        byline = next(c for c in f["changes"] if c["tag"] == "IPTC:By-line")
        assert printed(f"IPTC:By-line {byline['old']} {byline['new']}")
        assert (byline["old"], byline["new"]) == ("ERIC FEFERBERG", "MOHAMAD ABAZEED")
    # The look-alikes left alone, each with its score and reason.
    alone = {c["rel_path"]: c for c in n["left_alone"]}
    assert not set(alone) & AFFECTED
    rebels = alone["afp/2017/02/20/SYRIA-CONFLICT-DARAA-REBELS.jpg"]
    assert rebels["why"].startswith("does not carry the erroneous value")
    another_day = alone["afp/2017/03/15/SYRIA-CONFLICT-DARAA.jpg"]
    assert another_day["why"] == (
        f"score {another_day['score']:.2f} under the review threshold {n['review_threshold']:.2f}"
    )
    for c in (rebels, another_day):
        assert printed(f"{c['rel_path']} {c['score']:.2f} no {c['why']}"), c["rel_path"]
    assert data["totals"]["refused"] == len(alone) and printed(
        f"{len(alone)} look-alikes left alone"
    )
    # At the end: the audit head covered and the report's own hash.
    head = data["audit_head"]
    assert head["intact"] is True and head["entries"] == len(rewrites)
    assert printed(f"entries 1–{head['entries']}, head hash {head['hash']}")
    sealed = re.search(r"Report sha256 \(of this HTML file with the hash field below blank\):"
                       r"\s*([0-9a-f\s]{64,80})", text)  # fmt: skip
    assert sealed, "the report's hash is printed"
    claimed = squeeze(sealed.group(1))[:64]
    # ...and checks out with the documented commands.
    shell = report_seal.SHELL_CHECK.format(file=page.name)
    assert printed(shell)
    out = subprocess.run(
        ["bash", "-c", shell], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert out.split()[0] == claimed
    verified = cli.json("report", "--verify", str(page))
    assert verified["ok"] and verified["report_sha256"] == claimed
    assert verified["audit_head"] == {"entries": head["entries"], "hash": head["hash"]}
    line = cli("audit", "export").stdout.splitlines()[head["entries"] - 1]
    assert json.loads(line)["entry_hash"] == head["hash"]
    # Checked against another database, the head it covers is not there: exit 1.
    other = Cli(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other-home")
    assert "another database" in other("report", "--verify", str(page), check=1).stderr


def test_an_approval_is_linked_to_the_rewrite_it_caused(
    cli: Cli, store: Path, tmp_path: Path
) -> None:
    text = (SAMPLES / "notices" / "afp-daraa-correction.txt").read_text(encoding="utf-8")
    text = text.replace(
        "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
        "southern Syrian city of Daraa",
        "Smoke rises after a car bomb attack in Daraa",
    )
    variant = tmp_path / "variant.txt"
    variant.write_text(text, encoding="utf-8")
    [stored] = cli.json("ingest", str(variant))
    notice_id = str(stored["id"])
    cli("scan", str(store))
    cli("match", notice_id, check=3)
    queue = {Path(i["path"]).name: i["item"] for i in cli.json("review", "--list", check=3)}
    assert len(queue) == 3
    photo, web = "SYRIA-CONFLICT-000_NG3LP.jpg", "daraa-car-bomb-w240.jpg"
    cli.json("review", "--approve", queue[photo], "--reject", queue[web])

    data = cli.json("report")
    [n] = data["notices"]
    assert set(n) >= OLD_NOTICE_KEYS and set(data["totals"]) >= OLD_TOTALS_KEYS
    assert all(set(f) >= OLD_FILE_KEYS for f in n["files"])
    approval, rewrite, rejection = n["files"]
    assert (approval["action"], rewrite["action"], rejection["action"]) == (
        "review-approve", "rewrite", "review-reject",
    )  # fmt: skip
    assert approval["caused_entry"] == rewrite["seq"]
    assert rewrite["approved_in"] == approval["seq"] and rewrite["cause"] == "after review"
    counts = {k: n[k] for k in ("remediated", "remediated_automatically", "remediated_after_review",
                                "rejected_in_review", "pending_review")}  # fmt: skip
    assert counts == {
        "remediated": 1,
        "remediated_automatically": 0,
        "remediated_after_review": 1,
        "rejected_in_review": 1,
        "pending_review": 1,  # the third file; the rejected one is decided, not pending
    }
    assert data["totals"]["remediated_after_review"] == 1
    left = {Path(c["path"]).name: c for c in n["left_alone"]}
    assert left[web]["why"].startswith("rejected in review by tester@wirefix-tests at ")
    assert left[web]["rejected_in"] == rejection["seq"]
    assert photo not in left

    page = cli("report", "--format", "html").stdout
    entry = r"<div class='entry[^']*' data-entry='(\d+)'>(.*?)</div>"
    blocks = dict(re.findall(entry, page, re.S))
    shown = blocks[str(approval["seq"])]
    assert "review approval" in shown and "class='changes'" not in shown, "not a second rewrite"
    assert f"caused the remediation in entry {rewrite['seq']}" in shown
    assert f"after review (approved in entry {approval['seq']})" in blocks[str(rewrite["seq"])]
    assert "class='changes'" in blocks[str(rewrite["seq"])]
    assert "review rejection" in blocks[str(rejection["seq"])]
    assert re.search(r"<b id='total-after-review'>1</b>", page)
    assert re.search(r"<b id='total-auto'>0</b>", page)


def test_the_seal_detects_any_change_and_names_bad_input(cli: Cli, tmp_path: Path) -> None:
    # A notice whose words carry markup: escaped on the page, never markup.
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "CORRECTION <img src=x onerror=alert(1)> please read </pre><script>x()</script>",
        encoding="utf-8",
    )
    cli("ingest", str(hostile), check=False)
    page = tmp_path / "report.html"
    cli("report", "--format", "html", "--output", str(page))
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count('<code id="report-sha256">') == 1
    assert cli.json("report", "--verify", str(page))["ok"]

    # One character changed anywhere: altered, exit 1, one line saying so.
    altered = tmp_path / "altered.html"
    altered.write_text(html.replace("hostile.txt", "h0stile.txt"), encoding="utf-8")
    proc = cli("report", "--verify", str(altered), check=1)
    assert "altered after wirefix wrote it" in proc.stderr
    # The hash swapped for the altered file's own: then the audit head part must still hold.
    text = altered.read_text(encoding="utf-8")
    resealed = report_seal.seal(re.sub(r'(<code id="report-sha256">)[0-9a-f]{64}', r"\1", text))
    altered.write_text(resealed, encoding="utf-8")
    assert cli.json("report", "--verify", str(altered))["ok"], "a valid seal, the log agrees"
    # Bad input: a clear line and a documented exit code.
    missing = cli("report", "--verify", str(tmp_path / "no.html"), check=1)
    assert "cannot read report" in missing.stderr
    not_report = tmp_path / "plain.html"
    not_report.write_text("<html>hello</html>", encoding="utf-8")
    plain = cli("report", "--verify", str(not_report), check=1)
    assert "not a sealed wirefix HTML report" in plain.stderr
    assert (
        "--verify checks a report file"
        in cli("report", "--verify", str(page), "--format", "csv", check=2).stderr
    )


def test_the_shell_check_hashes_what_the_seal_hashes(tmp_path: Path) -> None:
    blank = f'<p>r\u00e9port</p>\n{report_seal.BLANK}\n<p id="report-audit-head" '
    blank += f'data-entries="0" data-hash="{"0" * 64}">x</p>\n'
    sealed = report_seal.seal(blank)
    (tmp_path / "r.html").write_text(sealed, encoding="utf-8")
    out = subprocess.run(
        ["bash", "-c", report_seal.SHELL_CHECK.format(file="r.html")],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    check = report_seal.read_seal(sealed)
    assert check.ok and out.split()[0] == check.claimed == report_seal.digest(blank)
    assert not report_seal.read_seal(sealed.replace("r\u00e9port", "report")).ok
    with pytest.raises(report_seal.SealError):
        report_seal.seal(blank + report_seal.BLANK)
