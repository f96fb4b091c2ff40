"""One place for what commands print: rich tables for people, stable JSON for scripts, and the
shapes several commands share (a long value around its change, open cases)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.text import Text

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """JSON on stdout, UTF-8, one document: the shape scripts and cron jobs parse."""
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows for people: a rich table on a terminal, one record per row when the table cannot fit
    its width without breaking words, and plain tab-separated lines when stdout is not a terminal
    (a pipe, a file, a cron mail), where no width is known (README, "Output for people")."""
    from wirefix.cli import layout  # rich.table only when a table is printed

    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if not console.is_terminal:
        sys.stdout.write(layout.plain(title, columns, cells))
        sys.stdout.flush()
    elif layout.fits(columns, cells, console.width):
        console.print(layout.grid(title, columns, cells, console.width))
    else:
        console.print(layout.records(title, columns, cells))


@contextmanager
def file_progress(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A rich progress line on stderr while long work runs (`label`, files done of `total`),
    gone when it ends; nothing at all when stderr is not a terminal (a pipe, a cron mail)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def error(message: str) -> None:
    """One line on stderr, naming the file or notice and what to do next."""
    # The message is text, not markup: "[store.roots]" or "[[sites]]" must print as written.
    err_console.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)


def note(message: str) -> None:
    err_console.print(Text(message), soft_wrap=True)


def _text(value: Any) -> str:
    return (
        "; ".join(map(str, value))
        if isinstance(value, list)
        else ("" if value is None else str(value))
    )


def changed_part(old: Any, new: Any, context: int = 30, limit: int = 90) -> tuple[str, str]:
    """Long values (captions) shown around the part that changes, so an editor sees the fix."""
    a, b = _text(old), _text(new)
    if len(a) <= limit and len(b) <= limit:
        return a, b
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    lo = max(0, start - context)

    def window(text: str) -> str:
        hi = min(len(text), max(len(text) - end + context, lo + 2 * context))
        part = text[lo:hi]
        part = part if hi - lo <= limit else part[: limit // 2] + " … " + part[-(limit // 2) :]
        return ("…" if lo > 0 else "") + part + ("…" if hi < len(text) else "")

    return window(a), window(b)


def print_open_cases(found: list[dict[str, Any]]) -> None:
    """Open cases (`wirefix.decide.cases`) for people: one line each on stderr, so a cron mail
    says it, and the refused files nearest to each notice, with why they were refused."""
    if not found:
        return
    from wirefix.flows.report import refusal  # the database layer: only when there is a case

    for case in found:
        note(f"notice {case['notice']} is an open case: {case['reason']}")
        if case["nearest"]:
            table(
                f"notice {case['notice']}: nearest files, all refused",
                ["score", "decision", "file", "refused because", "top reasons"],
                [
                    [
                        f"{c['score']:.2f}",
                        c["decision"],
                        c["rel_path"],
                        refusal(c),
                        "; ".join(r["detail"] for r in c["reasons"]),
                    ]
                    for c in case["nearest"]
                ],
            )
