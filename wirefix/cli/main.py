"""`wirefix <verb>`: the Typer app, every command registered once, and the process entry point.

Each command group lives in its own module (notices, store, decide, change, audit, runs, jobs,
admin, recipients); they import the shared pieces (options, context, output) and never each
other, and only this module imports them. The groups import the stages inside their commands,
so `wirefix --help` and `--version` start without SQLAlchemy, ExifTool or the network stack.
Exit codes: `wirefix.errors.ExitCode` (README, "Exit codes"); errors map through
`wirefix.cli.failures`.
"""

import sys
from typing import Annotated

import typer

from wirefix import __version__
from wirefix.cli import (
    admin,
    audit,
    backups,
    change,
    decide,
    jobs,
    notices,
    recipients,
    runs,
    store,
)
from wirefix.cli.failures import Group, exit_code
from wirefix.cli.output import console, error
from wirefix.errors import ExitCode, WirefixError

app = typer.Typer(
    cls=Group,
    help="Apply wire-agency photo corrections and kills to a media store, with an audit log.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def version_callback(value: bool) -> None:
    if value:
        console.print(f"wirefix {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """wirefix: wire-service photo corrections, from notice to audited rewrite."""


# The order here is the order `wirefix --help` lists them in: commands, then command groups.
for name, command in (
    ("parse", notices.parse),
    ("ingest", notices.ingest),
    ("scan", store.scan),
    ("match", decide.match),
    ("apply", change.apply),
    ("report", audit.report),
    ("undo", change.undo),
    ("worker", jobs.worker),
    ("queue", jobs.queue),
    ("run", runs.run),
    ("watch", runs.watch),
    ("review", decide.review),
    ("status", runs.status),
    ("notify", recipients.notify_cmd),
    ("ack", recipients.ack_cmd),
    ("serve", recipients.serve_cmd),
    ("hold", backups.hold_cmd),
):
    app.command(name)(command)
app.add_typer(admin.db_app, name="db")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(admin.config_app, name="config")
app.add_typer(recipients.deliveries_app, name="deliveries")
app.add_typer(backups.backups_app, name="backups")


def main() -> None:
    """The `wirefix` process: the app's exit code as the process's; what click itself refuses
    (usage errors) shown its way; Ctrl-C one line, not a traceback."""
    try:
        # Without standalone mode click returns an Exit's code instead of exiting with it.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else ExitCode.OK)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except WirefixError as exc:  # raised outside a command (an eager option's callback)
        sys.exit(exit_code(exc))
    except typer.Abort:
        error("aborted")
        sys.exit(ExitCode.ERROR)
    except KeyboardInterrupt:
        error("interrupted; everything committed so far is kept")
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:  # click's usage errors (typer vendors click) and the unexpected
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
