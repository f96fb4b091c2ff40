"""Durable file changes: fsync of files and folders, writes that reach the disk, the hidden
temporaries beside a file and their removal. Apart so that backups, kills and undo share one
way of making a change survive a power cut."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path


def temporary_for(path: Path) -> Path:
    """`.wirefix-<uuid>.<name>`: hidden, skipped by the scanner, same folder and extension (so
    the rename stays on one filesystem and ExifTool keeps the type), and traceable to its photo
    so `remove_orphans` can clear what a killed run left."""
    return path.with_name(f".wirefix-{uuid.uuid4().hex}.{path.name}")


def remove_orphans(path: Path) -> list[str]:
    """Delete temporaries of `path` left by a run that died before cleaning up. Call only while
    holding the file's lock: every live run holds it for as long as its temporary exists."""
    return remove_orphans_of([path])


def remove_orphans_of(paths: list[Path]) -> list[str]:
    """`remove_orphans` for many files, one listing per folder (a batch of a big folder would
    otherwise list it once per file). Call only while holding every file's lock."""
    by_folder: dict[Path, set[str]] = {}
    for path in paths:
        by_folder.setdefault(path.parent, set()).add(path.name)
    removed = []
    for folder, names in by_folder.items():
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                name = entry.name
                # .wirefix-<32 hex>.<photo name>
                if name.startswith(".wirefix-") and name[42:] in names and name[41:42] == ".":
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                        removed.append(entry.path)
    return removed


def _copy_owner_and_mode(st: os.stat_result, target: Path) -> None:
    os.chmod(target, st.st_mode & 0o7777)
    # Only root may give a file away; an unprivileged run keeps its own ownership.
    with contextlib.suppress(PermissionError):
        os.chown(target, st.st_uid, st.st_gid)


def write_durably(path: Path, data: bytes, exclusive: bool = False, sync: bool = True) -> None:
    """Write a new file (`exclusive`: it must not exist yet) and fsync it."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def fsync_all(paths: list[Path]) -> str | None:
    """fsync files and folders (a batch's backups and new files); the first error, or None.
    Runs in a thread beside ExifTool's read of the batch: the waits for the disk overlap the
    reading instead of adding to it."""
    for path in dict.fromkeys(paths):
        try:
            if path.is_dir():
                fsync_dir(path)
            else:
                fsync_file(path)
        except OSError as exc:
            return f"{path}: fsync failed: {exc.strerror or exc}"
    return None


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
