"""Exit codes and the base of every user-facing error, in one place.

Stages raise `WirefixError` subclasses (their own names: `DatabaseError`, `UndoError`...) and
never exit; only the CLI (`wirefix.cli.failures`) turns an error into its one-line message and
its `exit_code`. Plain data: the standard library only, so every layer may import it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The process exit codes of `wirefix`, as README.md ("Exit codes") documents them."""

    OK = 0  # done; nothing waits for a person
    ERROR = 1  # a source, file, notice or the database could not be handled
    USAGE = 2  # bad option or configuration; a rewrite refused without --yes off a terminal
    ATTENTION = 3  # done, but something waits for a person (review, unparsed, open case)
    BUSY = 4  # `wirefix run`: another run holds the lock
    INTERRUPTED = 130  # Ctrl-C: everything committed so far is kept


class WirefixError(Exception):
    """An error a person can act on: one line, the file it concerns, what to do next.

    `exit_code` is the class's unless given; `path` names the file or source when the message
    does not already; `hint` says what to do next. Subclasses keep `Exception`'s one-message
    signature so they pickle across worker processes as before.
    """

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(
        self,
        message: str = "",
        *,
        path: str | None = None,
        hint: str | None = None,
        exit_code: ExitCode | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def line(self) -> str:
        """What the CLI prints: the path first when the message does not name it, the hint
        after."""
        text = str(self)
        if self.path and self.path not in text:
            text = f"{self.path}: {text}" if text else self.path
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class UsageError(WirefixError):
    """A bad option, argument or configuration: exit 2, before any work."""

    exit_code = ExitCode.USAGE
