"""How `cli.output.table` lays rows out so they read at 80 columns and through a pipe (issue 19):
paths fold after a `/`, never inside a name; a header never wraps inside a word (a table too
wide for that becomes one record per row); off a terminal, plain tab-separated lines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.measure import Measurement
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

#: A cell wider than this gives way (wraps at its spaces) before a table turns into records.
SOFT_LIMIT = 24
_PARTS = re.compile(r"[^/]*/|[^/]+")


def is_path(value: str) -> bool:
    """A store path or a rel_path: a `/` and no space."""
    return "/" in value and " " not in value.strip()


class PathCell:
    """A file path in a table cell: wraps after a `/`, never inside a name unless one name alone
    is wider than the column (then it folds, as rich would)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.parts = _PARTS.findall(text) or [text]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest, most = max(cell_len(p) for p in self.parts), cell_len(self.text)
        return Measurement(min(longest, options.max_width), min(most, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        line = ""
        for part in self.parts:
            if line and cell_len(line + part) > options.max_width:
                yield Text(line, overflow="fold")
                line = ""
            line += part
        yield Text(line, overflow="fold")


def cell(value: str) -> RenderableType:
    return PathCell(value) if is_path(value) else Text(value, overflow="fold")


def _narrowest(value: str) -> int:
    """The width a cell needs so that no name of a path, and no word up to SOFT_LIMIT, is
    broken."""
    if is_path(value):
        return max(cell_len(u) for u in _PARTS.findall(value))
    return min(max((cell_len(u) for u in value.split()), default=0), SOFT_LIMIT)


def min_widths(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """Each column's least width: its header's longest word, its cells' `_narrowest`."""
    return [
        max(
            max((cell_len(w) for w in col.split()), default=0),
            max((_narrowest(r[i]) for r in rows if i < len(r)), default=0),
        )
        for i, col in enumerate(columns)
    ]


def fits(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> bool:
    """Whether a bordered table fits `width` with no header word and no cell word broken."""
    return 1 + sum(w + 3 for w in min_widths(columns, rows)) <= width  # padding and borders


def widths(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Column widths for `width`: each its natural width when all fit, else its least width
    plus an even share of what is left, the columns that want least served first (so a path
    gets its one line before a long text column takes the rest)."""
    least = min_widths(columns, rows)
    natural = [
        max(cell_len(col), *(cell_len(r[i]) for r in rows if i < len(r)))
        for i, col in enumerate(columns)
    ]
    room = width - 1 - 3 * len(columns)  # borders and padding
    if sum(natural) <= room:
        return natural
    out, spare = list(least), room - sum(least)
    order = sorted(range(len(columns)), key=lambda i: natural[i] - least[i])
    for n, i in enumerate(order):
        give = min(natural[i] - least[i], spare // (len(order) - n))
        out[i] += give
        spare -= give
    return out


def grid(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], width: int
) -> RenderableType:
    """The rich table, its widths chosen here (`widths`) so that rich never has to cut a
    header word or a path's name to make it fit."""
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_lines=False)
    for col, w in zip(columns, widths(columns, rows, width), strict=True):
        t.add_column(col, overflow="fold", width=w)
    for row in rows:
        t.add_row(*(cell(v) for v in row))
    return t


def records(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> RenderableType:
    """One record per row, `column  value` lines: what a table too wide for the terminal
    becomes, so neither its headers nor its paths are cut into letters."""
    from rich.console import Group
    from rich.table import Table

    parts: list[RenderableType] = [Text(f"{title}: {len(rows)} row(s)", style="bold")]
    for n, row in enumerate(rows, 1):
        t = Table.grid(padding=(0, 2))
        t.add_column(no_wrap=True, style="bold")
        t.add_column(overflow="fold")
        for col, value in zip(columns, row, strict=False):
            t.add_row(col, cell(value))
        parts += [Text(f"{n}.", style="dim"), t]
    return Group(*parts)


def _field(value: str) -> str:
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def plain(title: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Off a terminal: `# title`, the header line, one line per row, fields separated by a tab
    (a tab or line break inside a value becomes a space), then a blank line. `cut -f` and
    spreadsheets read it; nothing is folded, whatever the width."""
    lines = [f"# {_field(title)}", "\t".join(map(_field, columns))]
    lines += ["\t".join(_field(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n\n"
