"""What a scan reports and how it reports progress, and the watch on each root's identity
while it is walked."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wirefix.index.refusals import Refusal
from wirefix.index.walk import _shown

if TYPE_CHECKING:
    from wirefix.index.leftovers import Leftover

READ_BATCH = 100  # files per worker task


WRITE_BATCH = 1000  # rows per transaction


Progress = Callable[[str, int], None]  # ("seen" | "queued" | "read", count)


@dataclass
class ScanSummary:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    failed: int = 0
    #: Of `failed`, the files that were not failing, or failing for another reason, before this
    #: scan: what a person must hear about (a file already known as broken is not re-alarmed).
    new_failed: int = 0
    #: Files known as broken from an earlier scan and unchanged since: counted, not read again.
    known_failed: int = 0
    #: (rel_path, reason) of the first files that failed in this scan, for the table view.
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: (rel_path, reason) of the first new failures, named on stderr.
    new_failures: list[tuple[str, str]] = field(default_factory=list)
    #: Roots whose files were left as they were instead of being marked gone.
    refused: list[Refusal] = field(default_factory=list)
    #: ExifTool `_original` files and stray temporaries under the roots (`index.leftovers`).
    leftovers: list[Leftover] = field(default_factory=list)

    def new_failure_lines(self, limit: int = 5) -> list[str]:
        """One line per new failure, the first `limit` of them, then how many more."""
        lines = [f"{_shown(rel)}: not indexed ({why})" for rel, why in self.new_failures[:limit]]
        if self.new_failed > limit:
            lines.append(
                f"{self.new_failed - limit:,} more files could not be indexed in this scan "
                "(scan --json; each reason is kept in the index)"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The counts; `refused` only when a root was refused and `leftovers` only when some
        were found, so a normal scan's JSON is as it always was."""
        data: dict[str, Any] = asdict(self)
        del data["failures"], data["refused"], data["new_failures"], data["leftovers"]
        if self.refused:
            data["refused"] = [r.to_dict() for r in self.refused]
        if self.leftovers:
            data["leftovers"] = [x.to_dict() for x in self.leftovers]
        return data


class _RootWatch:
    """A store root's identity (device, inode) when its scan began, to notice a remount or a
    swapped folder while it is walked: files read after that belong to another folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.identity = self._identity()
        self.gone = False

    def _identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.folder)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def replaced(self) -> bool:
        if not self.gone:
            self.gone = self._identity() != self.identity
        return self.gone
