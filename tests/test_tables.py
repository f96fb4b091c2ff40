"""Output for people reads at 80 and 200 columns and through a pipe (issue 19 item 5): paths
fold only after a `/`, no header is cut into letters, nothing is wider than the terminal, and off
a terminal the rows are plain tab-separated lines (README, "Output")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SAMPLES, Cli

NOTICE = str(SAMPLES / "notices" / "afp-daraa-correction.txt")
#: Styles (bold, dim) and the progress bar's cursor controls: not columns on the screen.
CONTROLS = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def on_terminal(cli: Cli, columns: int) -> None:
    """The subprocesses' stdout is a pipe: rich is told it is a terminal of `columns` columns."""
    cli.env.update({"TTY_COMPATIBLE": "1", "NO_COLOR": "1", "COLUMNS": str(columns)})


def commands(cli: Cli, store: Path) -> tuple[str, list[str]]:
    """A notice matched, one file left waiting for review: what the desk's commands show."""
    cli.env["WIREFIX_AUTO_THRESHOLD"] = "1.01"
    notice = str(cli.json("ingest", NOTICE)[0]["id"])
    scanned = cli.json("scan", str(store))
    assert scanned["seen"] > 0
    matched = cli.json("match", notice, "--all", check=3)
    return notice, [c["rel_path"] for c in matched["candidates"]]


def runs(cli: Cli, store: Path, notice: str) -> dict[str, str]:
    out = {}
    for name, args, code in [
        ("match", ["match", notice, "--all"], 3),
        ("review --list", ["review", "--list"], 3),
        ("status", ["status"], 3),
        ("report", ["report"], 0),
        ("scan", ["scan", str(store)], 0),
    ]:
        out[name] = CONTROLS.sub("", cli(*args, check=code).stdout)
    return out


def names_whole(text: str, path: str) -> bool:
    """Every name of `path` is on one line: a line break, if any, comes after a `/`."""
    return all(any(name in line for line in text.splitlines()) for name in path.split("/"))


@pytest.mark.parametrize("columns", [80, 200])
def test_tables_read_at_the_terminals_width(cli: Cli, store: Path, columns: int) -> None:
    notice, paths = commands(cli, store)
    on_terminal(cli, columns)
    shown = runs(cli, store, notice)
    for name, text in shown.items():
        assert text.strip(), name
        widest = max(len(line) for line in text.splitlines())
        assert widest <= columns, f"{name}: a line of {widest} columns at {columns}"
    for path in paths:
        assert names_whole(shown["match"], path), (path, shown["match"])
    for word in ("pending", "review", "remediated", "operator", "received"):
        assert any(word in line for line in shown["report"].splitlines()), shown["report"]
    for word in ("pending", "indexed", "notices"):
        assert any(word in line for line in shown["status"].splitlines()), shown["status"]
    if columns == 200:
        for path in paths:  # wide enough: each path on one line
            assert any(path in line for line in shown["match"].splitlines()), path


def test_off_a_terminal_rows_are_tab_separated(cli: Cli, store: Path) -> None:
    notice, paths = commands(cli, store)
    cli.env["COLUMNS"] = "80"  # whatever the width says, a pipe gets whole lines
    shown = runs(cli, store, notice)
    for name, text in shown.items():
        blocks = [b.split("\n") for b in text.strip("\n").split("\n\n")]  # "" fields kept
        for block in blocks:
            assert block[0].startswith("# "), (name, block)
            header = block[1].split("\t")
            assert all(len(line.split("\t")) == len(header) for line in block[2:]), (name, block)
    match_rows = [line.split("\t") for line in shown["match"].strip("\n").split("\n")[2:]]
    assert sorted(r[2] for r in match_rows) == sorted(paths)
    report_header = shown["report"].splitlines()[1].split("\t")
    assert "pending review" in report_header and "time to fix" in report_header
    queue = [line.split("\t") for line in shown["review --list"].splitlines()[2:] if line]
    assert queue and all(item[0].startswith(f"{notice}:") for item in queue), queue
