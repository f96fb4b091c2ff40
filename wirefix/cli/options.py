"""Options and arguments several commands share, so each reads and documents them the same way.

Only typer here: every command module imports this at start-up (`wirefix --help`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wirefix.errors import UsageError

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (env WIREFIX_DB_URL; default SQLite in the data folder)."
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")
]
NoticeArg = Annotated[int, typer.Argument(help="Notice id, as `wirefix ingest` printed it.")]
ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        help="Configuration file (TOML: feeds and their auth headers; env WIREFIX_CONFIG; "
        "default config.toml in the user config folder).",
    ),
]
SourcesArg = Annotated[
    list[str], typer.Argument(help="Notice files, e-mails, images, feed files or URLs, folders.")
]
LogFormat = Annotated[
    str, typer.Option("--log-format", help="text or json (JSON lines, for log collectors).")
]
OperatorOption = Annotated[
    str | None,
    typer.Option("--operator", help="Who acts (env WIREFIX_OPERATOR; default user@host)."),
]
BackupDirOption = Annotated[
    Path | None,
    typer.Option("--backup-dir", help="Where originals are kept (env WIREFIX_BACKUP_DIR)."),
]


def log_format(value: str) -> str:
    """`--log-format` checked before any work: a typo is a usage error, not plain-text logs."""
    if value not in ("text", "json"):
        raise UsageError(f"unknown log format {value!r}: text or json")
    return value
