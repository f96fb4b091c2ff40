"""The HTML compliance report: the `build` document rendered from Jinja2 templates
(wirefix/templates/report/, autoescaped, shipped in the wheel) into one self-contained page (inline
CSS and SVG, no scripts, no network) that prints on A4 with "page X of Y" and the audit head on
every page, and is sealed with its own sha256 (`report_seal`).

Templates, not string concatenation, so every value a notice, a file name or a recipient brings
is escaped in one place and the page's structure can be read as a page.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from wirefix.flows import report_seal
from wirefix.flows.report import duration, flat

TEMPLATE = "report/report.html.j2"

#: The chart shows the latest notices only: a bar each must stay readable.
CHART_NOTICES = 40


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("wirefix", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a missing fact fails the report, never prints as blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["duration"] = duration
    env.filters["flat"] = flat
    env.filters["when"] = when
    return env


def when(iso: str | None) -> str:
    """An ISO time as the report prints it: to the second, with its zone (wirefix stores UTC;
    the JSON keeps the time whole)."""
    if not iso:
        return "–"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    offset = moment.utcoffset()
    if offset is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M:%S " + ("UTC" if not offset else "%z"))


def to_html(data: dict[str, Any], file_name: str = "report.html") -> str:
    """The sealed page for `data` (`wirefix.flows.report.build`); `file_name` is the name the
    page's own verification commands use."""
    head = data["audit_head"]
    running = {  # values inside CSS strings: only digits, hex and the time's characters
        "generated": _css_safe(when(data["generated_at"])),
        "entries": int(head["entries"]),
        "head": _css_safe(str(head["hash"])[:16]),
    }
    page = (
        environment()
        .get_template(TEMPLATE)
        .render(
            r=data,
            chart=chart(data["notices"]),
            running=running,
            file_name=file_name,
            shell_check=report_seal.SHELL_CHECK.format(file=file_name),
        )
    )
    return report_seal.seal(page if page.endswith("\n") else page + "\n")


def _css_safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z :+\-]", "", text)


def chart(notices: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Bars of time-to-remediate per notice (grey: not yet remediated), laid out for the SVG."""
    if not notices:
        return None
    shown = notices[-CHART_NOTICES:]
    times = [n["time_to_remediate_seconds"] or 0 for n in shown]
    top = max(times) or 1
    bar_w, gap, height = 22, 6, 140
    bars = []
    for i, (n, secs) in enumerate(zip(shown, times, strict=True)):
        done = n["time_to_remediate_seconds"] is not None
        h = max(2, int(height * secs / top)) if done else 2
        bars.append(
            {
                "id": n["id"],
                "x": 50 + i * (bar_w + gap),
                "y": 20 + height - h,
                "w": bar_w,
                "h": h,
                "color": "#2f7d32" if done else "#bbbbbb",
                "seconds": n["time_to_remediate_seconds"],
            }
        )
    return {"width": len(shown) * (bar_w + gap) + 60, "height": height, "top": top, "bars": bars}
