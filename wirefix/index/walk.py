"""Walking the store: which files are images, their names as shown, shards, and the folders that
could not be read."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wirefix.storage.files import FileState

IMAGE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".jpe",
    ".tif",
    ".tiff",
    ".png",
    ".heic",
    ".heif",
    ".webp",
    ".dng",
    ".psd",
}


def maybe_leftover(name: str) -> bool:
    """Could this name be a leftover (`index.leftovers`)? The walk's cheap test on names that
    are neither images nor folders."""
    return name.startswith(".wirefix-") or name.endswith(("_original", "_exiftool_tmp"))


def _shown(rel: str) -> str:
    """A path on one line: control characters (a newline in a file name) escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in rel)


def root_name(path: str | Path) -> str:
    """A store root is named after its folder unless the caller names it."""
    return Path(path).resolve().name or "root"


def parse_shard(text: str) -> tuple[int, int]:
    """ "2/4" -> (2, 4): this host scans the second of four parts (1-based)."""
    index, _, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise ValueError(f"--shard wants i/n such as 1/4, not {text!r}") from None
    if not 1 <= i <= n:
        raise ValueError(f"--shard {text}: i must be between 1 and n")
    return i, n


def in_shard(rel_path: str, shard: tuple[int, int] | None) -> bool:
    """Deterministic on every host: CRC-32 of the path relative to the store root."""
    if shard is None:
        return True
    return zlib.crc32(rel_path.encode("utf-8", "surrogateescape")) % shard[1] == shard[0] - 1


def walk(
    root: Path, unreadable: list[str], leftovers: list[str] | None = None
) -> Iterator[tuple[str, list[tuple[str, Any]]]]:
    """(folder relative to root, [(rel_path, stat)]) for every folder, depth first.

    ExifTool's temporary files (`*_exiftool_tmp`, `*_original`) have no image suffix and ours
    start with `.wirefix-`: both are skipped, being half-written; with `leftovers`, their
    paths are collected there for `index.leftovers` to judge. A folder that cannot be listed is
    reported in `unreadable` (its files are then not marked gone).
    """
    stack = [""]
    base = str(root)
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(base, rel_dir) if rel_dir else base) as it:
                entries = list(it)  # unsorted: each folder is compared as a whole anyway
        except OSError:
            unreadable.append(rel_dir)
            continue
        files, subdirs = [], []
        prefix = f"{rel_dir}/" if rel_dir else ""
        for entry in entries:  # the hot loop of a rescan: cheapest test first
            name = entry.name
            dot = name.rfind(".")
            try:
                if (
                    dot > 0
                    and name[dot:].lower() in IMAGE_SUFFIXES
                    and entry.is_file(follow_symlinks=False)
                ):
                    if not name.startswith(".wirefix-"):  # our half-written temporary files
                        files.append((prefix + name, entry.stat(follow_symlinks=False)))
                    elif leftovers is not None:
                        leftovers.append(prefix + name)
                elif entry.is_dir(follow_symlinks=False):
                    subdirs.append(prefix + name)
                elif leftovers is not None and maybe_leftover(name):
                    leftovers.append(prefix + name)
            except OSError:
                continue  # vanished while we looked
        yield rel_dir, files
        stack.extend(reversed(subdirs))


def _transient(state: FileState) -> bool:
    """Failures that may clear without the file changing (permissions, network mounts, an
    ExifTool hang) are tried again on every scan; a broken file is not."""
    return state.state == "failed" and (state.error or "").startswith(
        ("unreadable", "ExifTool: ExifTool did not answer", "ExifTool: ExifTool exited")
    )


def _utf8_name(rel: str) -> bool:
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_name(shown: str, st: Any) -> dict[str, Any]:
    """A name that is not UTF-8 cannot be stored or handed on; it is listed as failed."""
    return {
        "rel_path": shown,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "inode": st.st_ino,
        "state": "failed",
        "error": "file name is not valid UTF-8: rename it to index it",
        "fields": {},
    }
