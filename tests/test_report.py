"""`wirefix report` in every format, on a database built by the real pipeline (issue 8 report part).

The HTML page is rendered by a real headless Chromium, which must show the same numbers.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def remediated(cli, store: Path) -> str:
    """One AFP notice applied to the sample store: 3 files remediated."""
    notice_id = str(
        cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.eml"))[0]["id"]
    )
    cli("scan", str(store))
    cli("match", notice_id)
    cli("apply", notice_id, "--yes")
    return notice_id


def test_json_report_numbers(cli, remediated: str) -> None:
    data = cli.json("report")
    assert data["totals"]["notices"] == 1
    assert data["totals"]["remediated_files"] == 3
    assert data["totals"]["pending_review"] == 0
    [n] = data["notices"]
    assert n["state"] == "done"
    assert n["time_to_remediate_seconds"] >= 0
    assert data["audit_head"]["entries"] == 3


def test_filters(cli, remediated: str) -> None:
    assert cli.json("report", "--agency", "afp")["totals"]["notices"] == 1
    assert cli.json("report", "--agency", "AP")["totals"]["notices"] == 0
    assert cli.json("report", "--status", "done")["totals"]["notices"] == 1
    assert cli.json("report", "--status", "open")["totals"]["notices"] == 0
    assert cli.json("report", "--since", "2999-01-01")["totals"]["notices"] == 0
    assert cli.json("report", "--notice", remediated)["totals"]["notices"] == 1
    assert "unknown state" in cli("report", "--status", "nonsense", check=2).stderr
    assert "ISO date" in cli("report", "--since", "last tuesday", check=2).stderr


def test_csv_has_one_row_per_change(cli, remediated: str) -> None:
    rows = list(csv.DictReader(io.StringIO(cli("report", "--format", "csv").stdout)))
    data = cli.json("report")
    expected = sum(len(f["changes"]) for f in data["notices"][0]["files"])
    assert len(rows) == expected
    byline = next(r for r in rows if r["tag"] == "IPTC:By-line" and "000_NG3LP.jpg" in r["file"])
    assert (byline["before"], byline["after"]) == ("ERIC FEFERBERG", "MOHAMAD ABAZEED")
    assert byline["operator"] == "tester@wirefix-tests"
    assert len(byline["sha256_before"]) == 64


def test_html_is_self_contained(cli, remediated: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    cli("report", "--format", "html", "--output", str(page))
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text
    assert not re.search(r"(?:src|href)=['\"]?https?:", text), "no network resources"
    assert "@media print" in text
    assert "<svg id='chart'" in text


@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/test.sh installs it)"
)
def test_html_renders_in_a_real_browser(cli, remediated: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    cli("report", "--format", "html", "--output", str(page))
    profile = tmp_path / "chromium-profile"
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout

    def number(ident: str) -> str:
        m = re.search(rf"id=\"{ident}\">([^<]+)<", dom)
        assert m, f"{ident} not on the rendered page"
        return m.group(1)

    assert number("total-notices") == "1"
    assert number("total-remediated") == "3"
    assert number("total-pending") == "0"
    assert number("total-failed") == "0"
    assert "MOHAMAD ABAZEED" in dom
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
