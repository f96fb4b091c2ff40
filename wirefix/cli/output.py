"""One place for what commands print: rich tables for people, stable JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """JSON on stdout, UTF-8, one document: the shape scripts and cron jobs parse."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    t = Table(title=title, title_justify="left", show_lines=False)
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    console.print(t)


def error(message: str) -> None:
    """One line on stderr, naming the file or notice and what to do next."""
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)


def note(message: str) -> None:
    err_console.print(message, soft_wrap=True)
