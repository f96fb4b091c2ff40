"""Kills: take a photo and every copy of it out of the store (SPEC §6).

A kill moves the photo, the `FILE_original` copy ExifTool leaves beside it, into a quarantine
folder that keeps the store's layout (`<quarantine>/notice-N/<root>/<rel_path>`), so `wirefix
undo` can put them back. With `--purge` they are deleted instead, and so are wirefix's own backups
of the photo; the audit entry keeps their sha256, never their bytes.

Each step names its source, destination and sha256, and `carry_out` is idempotent: a run killed
half-way is finished by the next one (wirefix.rewrite.journal).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from wirefix.errors import WirefixError
from wirefix.jpeg.imagedata import sha256_file
from wirefix.rewrite.durable import fsync_dir, fsync_file
from wirefix.rewrite.journal import crash_point


class KillError(WirefixError):
    """A kill step could not be done; the message names the file."""


def plan_steps(
    path: str,
    root: str,
    rel_path: str,
    notice_id: int,
    quarantine: Path,
    backups: list[str],
    purge: bool,
) -> list[dict[str, Any]]:
    """The moves (or deletions) that take `path` and its copies out of the store."""
    target = quarantine / f"notice-{notice_id}" / root / rel_path
    steps = []
    for kind, src in (("photo", path), ("exiftool-original", path + "_original")):
        if os.path.isfile(src) and not os.path.islink(src):
            dst = None if purge else str(target.parent / (target.name + src[len(path) :]))
            steps.append({"kind": kind, "src": src, "dst": dst, "sha256": sha256_file(src)})
    if purge:
        for backup in backups:
            if os.path.isfile(backup):
                sha = sha256_file(backup)
                steps.append({"kind": "wirefix-backup", "src": backup, "dst": None, "sha256": sha})
    return steps


def carry_out(steps: list[dict[str, Any]], reverse: bool = False) -> None:
    """Do every step (or undo every move); safe to repeat after an interruption."""
    for step in steps:
        src, dst = (step["dst"], step["src"]) if reverse else (step["src"], step["dst"])
        if dst is None:
            if reverse:
                raise KillError(f"{step['src']} was purged; its bytes are gone")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(src)
                fsync_dir(Path(src).parent)
        else:
            move(Path(src), Path(dst), step["sha256"])


def move(src: Path, dst: Path, sha256: str) -> None:
    """Move `src` to `dst` so that at every moment at least one whole copy exists."""
    if not src.exists():
        if dst.exists() and sha256_file(dst) == sha256:
            return  # done before an interruption
        raise KillError(f"{src}: gone, and not found at {dst}")
    if dst.exists():
        if sha256_file(dst) != sha256:
            raise KillError(f"{dst}: already exists with other content; {src} left in place")
        src.unlink()  # the copy was complete; only the source's removal was interrupted
        fsync_dir(src.parent)
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)  # atomic on one filesystem, and never overwrites
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        tmp = dst.with_name(f".wirefix-{uuid.uuid4().hex}.tmp")
        shutil.copy2(src, tmp)
        fsync_file(tmp)
        if sha256_file(tmp) != sha256:
            tmp.unlink()
            raise KillError(f"{src}: changed while being moved; left in place") from exc
        os.replace(tmp, dst)
    fsync_dir(dst.parent)
    crash_point("linked")
    src.unlink()
    fsync_dir(src.parent)
