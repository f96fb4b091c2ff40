"""Leftovers under the store roots: copies of photos nobody serves but that still hold their
bytes, erroneous mention included (AFP: "delete it from your servers").

- `FILE_original`: the copy ExifTool keeps when someone edits FILE in place without
  `-overwrite_original`. Only when FILE exists beside it, is an image, and both start as the same
  image format: a user's own file that merely ends in `_original` is never one.
- `FILE_exiftool_tmp`: ExifTool's half-written file, once an hour old (ExifTool is done with it).
- `.wirefix-<uuid>.<name>`: wirefix's temporary beside a photo; removable only while no live run
  holds the photo's lock (the remover checks, as `durable.remove_orphans` does).
- `.wirefix-<uuid>.tmp`: a kill's or restore's copy across filesystems, once an hour old.

Finding changes nothing (this is the index layer); `wirefix.rewrite.clean` removes and logs.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wirefix.index.walk import IMAGE_SUFFIXES, walk

ORIGINAL, EXIFTOOL_TMP = "_original", "_exiftool_tmp"
STALE_SECONDS = 3600  # an hour: no copy or ExifTool write of one photo takes that long
_OURS = re.compile(r"\.wirefix-[0-9a-f]{32}\.(?P<name>.+)")


@dataclass(frozen=True)
class Leftover:
    root: str
    rel_path: str
    path: str
    kind: str  # exiftool-original | exiftool-temporary | wirefix-temporary
    main: str | None  # the store file it belongs to, whose lock a live run would hold

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge(root: str, folder: Path, rel_path: str, now: float | None = None) -> Leftover | None:
    """The leftover at `rel_path` under `folder` (store root `root`), or None if it is not one."""
    path = folder / rel_path
    name = path.name
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    stale = st.st_ctime < (time.time() if now is None else now) - STALE_SECONDS
    ours = _OURS.fullmatch(name)
    if ours:
        if ours["name"] == "tmp":
            return Leftover(root, rel_path, str(path), "wirefix-temporary", None) if stale else None
        main = path.with_name(ours["name"])
        return Leftover(root, rel_path, str(path), "wirefix-temporary", str(main))
    if name.endswith(EXIFTOOL_TMP) and len(name) > len(EXIFTOOL_TMP) and stale:
        main = path.with_name(name[: -len(EXIFTOOL_TMP)])
        return Leftover(root, rel_path, str(path), "exiftool-temporary", str(main))
    if name.endswith(ORIGINAL) and len(name) > len(ORIGINAL):
        main = path.with_name(name[: -len(ORIGINAL)])
        if main.suffix.lower() in IMAGE_SUFFIXES and _same_format(main, path):
            return Leftover(root, rel_path, str(path), "exiftool-original", str(main))
    return None


def judge_all(root: str, folder: Path, rel_paths: list[str]) -> list[Leftover]:
    now = time.time()
    return [found for rel in rel_paths if (found := judge(root, folder, rel, now)) is not None]


def find(roots: dict[str, Path]) -> tuple[list[Leftover], list[str]]:
    """Every leftover under the roots, and the folders that could not be read."""
    found: list[Leftover] = []
    unreadable: list[str] = []
    for name, folder in roots.items():
        folder = folder.resolve()
        if not folder.is_dir():
            unreadable.append(str(folder))
            continue
        candidates: list[str] = []
        for _ in walk(folder, unreadable, candidates):
            pass
        found += judge_all(name, folder, candidates)
    return found, unreadable


def _same_format(main: Path, copy: Path) -> bool:
    """Both regular files (no symlink) starting as the same image format."""
    try:
        if main.is_symlink() or not main.is_file():
            return False
        kinds = [_format(_head(p)) for p in (main, copy)]
    except OSError:
        return False
    return kinds[0] is not None and kinds[0] == kinds[1]


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(16)


def _format(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"8BPS"):
        return "psd"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return "isobmff"
    return None
