"""What the steps of a rewrite hand each other: the prepared and staged files, the result, how
a file is looked at (stat identity), and the one error type. Apart so the full way, the fast
way and the verification share them without importing each other."""

from __future__ import annotations

import contextlib
import errno
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wirefix.errors import WirefixError
from wirefix.model import EditPlan, RewriteResult

#: How the rewrite reads a file (plan and verification alike): Composite tags are derived from
#: the others and never written, and computing them is a third of ExifTool's reading time.
READ_ARGS = ("-e",)


class RewriteError(WirefixError):
    """The rewrite was refused or failed verification; the original file is untouched."""


def folder_error(what: str, folder: Path, exc: OSError) -> str:
    """One line naming the place that failed: "backup folder /x/backups is full (No space left
    on device)", not the photo that was being backed up."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{what} {folder} is full ({reason})"
    return f"{what} {folder}: {reason}" + (f" ({exc.filename})" if exc.filename else "")


#: A file whose ctime is this close to the moment wirefix looked at it can be changed again
#: without its ctime moving (Linux stamps files with a coarse clock, one tick of up to 10 ms):
#: such a "racy" file is hashed again before the rename, whatever its stat says.
RACY_NS = 100_000_000


def look(path: Path) -> tuple[os.stat_result, bool]:
    """The stat that the plan is made under, and whether it is racy (`RACY_NS`)."""
    now = time.time_ns()
    st = os.stat(path)
    return st, st.st_ctime_ns >= now - RACY_NS


def _identity(st: os.stat_result) -> tuple[int, ...]:
    """What any write to a file moves: a write or truncate moves ctime even when the writer
    puts size and mtime back (as some DAM and sync tools do); a replace moves the inode."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass
class Prepared:
    """A verified new file waiting beside the old one; `commit` puts it in place."""

    path: Path
    tmp: Path
    before: os.stat_result
    result: RewriteResult
    racy: bool = False


@dataclass
class Staged:
    """A new file written beside the old one, not yet verified (`finish` verifies a batch)."""

    plan: EditPlan
    record: dict[str, Any]
    path: Path
    tmp: Path
    before: os.stat_result
    values: dict[str, Any]
    result: RewriteResult
    racy: bool = False


#: `RewriteResult.writer` of a file written by `wirefix.jpeg.write`.
WIREFIX_WRITER = "wirefix-jpeg"


def _new_result(plan: EditPlan) -> RewriteResult:
    return RewriteResult(
        path=str(plan.path),
        action=plan.action,
        outcome="failed",
        changes=list(plan.writes),
        sha256_before=None,
        sha256_after=None,
        image_hash_before=None,
        image_hash_after=None,
        image_hash_method=None,
        notes=list(plan.notes),
    )


def _failed(result: RewriteResult, path: Path, tmp: Path, exc: Exception) -> RewriteResult:
    result.outcome = "failed"
    result.sha256_after = None
    result.image_hash_after = None
    if not isinstance(exc, OSError):
        message = str(exc)
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        message = folder_error("store folder", path.parent, exc)
    else:
        message = exc.strerror or str(exc)
    result.error = message if str(path) in message else f"{path}: {message}"
    with contextlib.suppress(OSError):
        tmp.unlink()
    return result


def c2pa_marker(path: Path, head: bytes | None = None) -> str | None:
    """Name the C2PA / JUMBF container if the file has one (JPEG APP11, PNG caBX chunk)."""
    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    if head[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(head) and head[pos] == 0xFF:
            marker, length = head[pos + 1], int.from_bytes(head[pos + 2 : pos + 4], "big")
            if marker == 0xDA:
                return None
            if marker == 0xEB and b"jumb" in head[pos + 4 : pos + 2 + length]:
                return "JUMBF in APP11"
            pos += 2 + length
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "caBX chunk" if b"caBX" in head else None
    return None
