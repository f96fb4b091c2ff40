"""When a scan refuses to forget files: a root gone or mostly missing (the gone guard), and the
refusal it reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wirefix.storage import DatabaseError

if TYPE_CHECKING:  # a refusal carries the summary that scan builds
    from wirefix.index.summary import ScanSummary


@dataclass(frozen=True)
class GoneGuard:
    """When a scan refuses to mark a root's files gone: the root is missing, none of its
    indexed files is there, or more than `share` of them and more than `files` would go at
    once. A share that is not mounted, a mirror half synced or the wrong folder mounted look
    like that; a person deleting a few photos does not (`[store]` in the configuration)."""

    share: float = 0.5
    files: int = 20

    def judge(
        self, name: str, folder: Path, found: int, lost: int, missing: bool = False
    ) -> Refusal | None:
        """`found` and `lost`: the root's live index rows whose file is (not) there."""
        indexed = found + lost
        if not lost:
            return None
        if not found:
            return Refusal(name, str(folder), "missing" if missing else "none found", indexed, 0)
        if lost > self.files and lost > self.share * indexed:
            return Refusal(name, str(folder), "most gone", indexed, found, self.share)
        return None


@dataclass(frozen=True)
class Refusal:
    """One root the scan would not mark gone, and why (`reason`: missing, none found, most
    gone, changed (the folder was replaced while it was walked), or not a folder when nothing
    is indexed there either)."""

    root: str
    path: str
    reason: str
    indexed: int
    found: int
    share: float = 0.5

    def message(self) -> str:
        where = f"store root {self.root!r} at {self.path}"
        if self.reason == "not a folder":
            return f"{where}: not a folder"
        if self.reason == "changed":
            return (
                f"{where}: the folder was replaced during the scan (another device or inode: "
                "remounted or swapped?); scan of this root stopped, nothing marked gone; "
                "scan again"
            )
        counts = f"{self.found:,} of {self.indexed:,} indexed files found"
        if self.reason == "missing":
            why = f"not a folder; {counts} (is it mounted?)"
        elif self.reason == "none found":
            why = f"{counts} (is it mounted?)"
        else:
            lost = self.indexed - self.found
            why = f"{counts}, {lost:,} would be marked gone at once (more than {self.share:.0%})"
        return f"{where}: {why}; nothing marked gone; scan with --allow-gone to accept"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["share"]
        return data


class ScanRefused(DatabaseError):
    """Some roots were left as they were rather than marked gone (`summary.refused`); every
    other root was scanned. `summary` holds the whole scan's counts, for the caller to show."""

    def __init__(self, summary: ScanSummary) -> None:
        self.summary = summary
        self.messages = [r.message() for r in summary.refused]
        super().__init__("\n".join(self.messages))
