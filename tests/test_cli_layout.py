"""The CLI's shape (issue 15): every command registered, start-up free of the heavy stages, one
table of exit codes (the README's), and every user-facing error mapped through one handler."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from wirefix.cli.failures import Group
from wirefix.cli.main import app
from wirefix.errors import ExitCode, UsageError, WirefixError

README = Path(__file__).resolve().parent.parent / "README.md"

COMMANDS = {
    "parse", "ingest", "scan", "match", "apply", "report", "undo", "worker", "queue", "run",
    "watch", "review", "status", "notify", "ack", "serve", "hold", "db", "audit", "config",
    "deliveries", "backups",
}  # fmt: skip
SUBCOMMANDS = {
    "db": {"upgrade"},
    "audit": {"export", "verify"},
    "config": {"show"},
    "deliveries": {"import"},
    "backups": {"prune"},
}
HEAVY = ("sqlalchemy", "alembic", "exiftool", "requests", "procrastinate", "selectolax",
         "py3langid", "dateparser", "wirefix.storage", "wirefix.exiftool", "wirefix.flows.pipeline",
         "wirefix.ingest", "wirefix.settings")  # fmt: skip


def test_help_lists_every_command() -> None:
    group = get_command(app)
    assert set(group.commands) == COMMANDS  # type: ignore[attr-defined]
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    listed = set(re.findall(r"^│ (\w+)\s", result.output, re.M))
    assert listed == COMMANDS
    for name, subs in SUBCOMMANDS.items():
        result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "100"})
        assert result.exit_code == 0, result.output
        assert set(re.findall(r"^│ (\w+)\s", result.output, re.M)) == subs


def _modules_after(code: str) -> list[str]:
    """The modules loaded by `code` in a fresh interpreter, where no other test imported any."""
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=README.parent
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import wirefix.cli.main",
        "from typer.testing import CliRunner\nfrom wirefix.cli.main import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "assert CliRunner().invoke(app, ['--version']).exit_code == 0\n"
        "assert CliRunner().invoke(app, ['apply', '--help']).exit_code == 0",
    ],
    ids=["import", "help-and-version"],
)
def test_start_up_imports_no_heavy_module(code: str) -> None:
    loaded = _modules_after(code)
    assert "wirefix.cli.main" in loaded
    heavy = [m for m in loaded if m in HEAVY or m.split(".")[0] in HEAVY]
    assert heavy == []


def _readme_exit_codes() -> dict[int, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, re.M)
    return {int(code): meaning for code, meaning in rows}


def test_exit_codes_are_the_readme_table() -> None:
    table = _readme_exit_codes()
    assert sorted(table) == sorted(int(c) for c in ExitCode)
    words = {
        ExitCode.OK: "nothing waits for a person",
        ExitCode.ERROR: "could not be handled",
        ExitCode.USAGE: "usage error",
        ExitCode.ATTENTION: "waits for a person",
        ExitCode.BUSY: "holds the lock",
        ExitCode.INTERRUPTED: "interrupted",
    }
    for code, meaning in table.items():
        assert words[ExitCode(code)] in meaning, (code, meaning)


class _Refused(WirefixError):
    exit_code = ExitCode.BUSY


def _app_raising(exc: Exception) -> typer.Typer:
    demo = typer.Typer(cls=Group)

    @demo.command()
    def go() -> None:
        raise exc

    @demo.command()
    def other() -> None:
        """A second command, so `go` is a subcommand as in wirefix."""

    return demo


@pytest.mark.parametrize(
    ("exc", "code", "line"),
    [
        (_Refused("another run holds the lock"), 4, "error: another run holds the lock"),
        (UsageError("bad --since"), 2, "error: bad --since"),
        (
            WirefixError("not a JPEG", path="/srv/a.jpg", hint="scan again"),
            1,
            "error: /srv/a.jpg: not a JPEG (scan again)",
        ),
        (
            WirefixError("x", path="/srv/a.jpg", exit_code=ExitCode.ATTENTION),
            3,
            "error: /srv/a.jpg: x",
        ),
    ],
)
def test_one_handler_maps_an_error_to_its_line_and_code(
    exc: WirefixError, code: int, line: str
) -> None:
    result = CliRunner().invoke(_app_raising(exc), ["go"])
    assert result.exit_code == code
    assert result.stderr.strip() == line
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_unexpected_exception_is_not_swallowed() -> None:
    result = CliRunner().invoke(_app_raising(KeyError("bug")), ["go"])
    assert isinstance(result.exception, KeyError)


def test_a_usage_error_of_wirefix_itself_exits_2_with_one_line() -> None:
    result = CliRunner().invoke(app, ["report", "--format", "pdf"])
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.strip().splitlines() == [
        "error: unknown report format 'pdf': use table, json, csv or html"
    ]


@pytest.mark.parametrize(
    ("module", "name", "code"),
    [
        ("wirefix.config", "ConfigError", ExitCode.USAGE),
        ("wirefix.flows.lock", "Busy", ExitCode.BUSY),
        ("wirefix.storage.database", "DatabaseError", ExitCode.ERROR),
        ("wirefix.flows.queue", "QueueError", ExitCode.ERROR),
        ("wirefix.index.scan", "ScanRefused", ExitCode.ERROR),
        ("wirefix.exiftool", "ExifToolError", ExitCode.ERROR),
        ("wirefix.flows.review", "ReviewError", ExitCode.ERROR),
        ("wirefix.flows.processes", "WorkerDied", ExitCode.ERROR),
        ("wirefix.rewrite.undo", "UndoError", ExitCode.ERROR),
        ("wirefix.rewrite.plan", "PlanError", ExitCode.ERROR),
        ("wirefix.rewrite.safe", "RewriteError", ExitCode.ERROR),
        ("wirefix.rewrite.kill", "KillError", ExitCode.ERROR),
        ("wirefix.ingest.sources", "SourceError", ExitCode.ERROR),
        ("wirefix.ingest.mail", "MailError", ExitCode.ERROR),
        ("wirefix.ingest.structured", "FeedError", ExitCode.ERROR),
        ("wirefix.jpeg.imagedata", "ImageDataError", ExitCode.ERROR),
        ("wirefix.online.base", "SiteError", ExitCode.ERROR),
        ("wirefix.recipients.ack", "AckRefused", ExitCode.ERROR),
        ("wirefix.recipients.deliveries", "DeliveriesError", ExitCode.ERROR),
        ("wirefix.recipients.mail", "SendError", ExitCode.ERROR),
    ],
)
def test_stage_errors_are_wirefix_errors_with_their_code(
    module: str, name: str, code: ExitCode
) -> None:
    cls = getattr(__import__(module, fromlist=[name]), name)
    assert issubclass(cls, WirefixError)
    assert cls.exit_code == code
