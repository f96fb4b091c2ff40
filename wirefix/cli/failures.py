"""The one place an error becomes a message and an exit code (README, "Exit codes").

Stages raise `WirefixError` subclasses; `Group.invoke` turns every one into its one-line message
on stderr and its `exit_code`, whether the app runs as the `wirefix` process (`cli.main.main`)
or in-process (typer's `CliRunner`), so both exit alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from wirefix.cli.output import error
from wirefix.errors import ExitCode, WirefixError

if TYPE_CHECKING:
    from typer._click.core import Context  # typer vendors click; its Context is this one


def exit_code(exc: WirefixError) -> ExitCode:
    """The error's exit code, printed first: one line naming the file or notice."""
    error(exc.line())
    return ExitCode(exc.exit_code)


class Group(TyperGroup):
    """The `wirefix` command group: runs the command, maps a `WirefixError` to its exit."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except WirefixError as exc:
            raise typer.Exit(exit_code(exc)) from exc
