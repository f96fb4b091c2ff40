"""Stage 2a, scan: index the media store's matching-relevant metadata, incrementally (SPEC §4).

An unchanged file (same size, mtime_ns and inode) is not read again; a file no longer on disk is
marked gone; a file ExifTool cannot read is recorded as failed with its error, and the scan goes
on. Each batch is committed as it is read, so an interrupted scan keeps what it did.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.storage import Database
from wirefix.tagmap import index_fields

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
BATCH = 100


@dataclass
class ScanSummary:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    failed: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def root_name(path: str | Path) -> str:
    """A store root is named after its folder unless the caller names it."""
    return Path(path).resolve().name or "root"


def walk(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """(relative path, stat) of every image file under `root`, in a stable order.

    Temporary files of ExifTool and of wirefix itself are skipped: they are half-written.
    """
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            if name.startswith(".wirefix-") or name.endswith(("_exiftool_tmp", "_original")):
                continue
            if entry.is_dir(follow_symlinks=False):
                subdirs.append(Path(entry.path))
            elif (
                entry.is_file(follow_symlinks=False) and Path(name).suffix.lower() in IMAGE_SUFFIXES
            ):
                yield os.path.relpath(entry.path, root), entry.stat(follow_symlinks=False)
        stack.extend(reversed(subdirs))


def scan(
    db: Database,
    roots: dict[str, Path],
    exiftool: ExifTool,
    on_file: Callable[[str], None] | None = None,
) -> ScanSummary:
    """Index every root (name -> folder). `on_file` is called per file seen (progress bars)."""
    summary = ScanSummary()
    for name, folder in roots.items():
        folder = folder.resolve()
        db.ensure_root(name, str(folder))
        known = db.file_states(name)
        seen: set[str] = set()
        pending: list[tuple[str, os.stat_result]] = []
        for rel, st in walk(folder):
            seen.add(rel)
            summary.seen += 1
            if on_file:
                on_file(rel)
            old = known.get(rel)
            if (
                old is not None
                and old.state != "gone"
                and (old.size, old.mtime_ns, old.inode) == (st.st_size, st.st_mtime_ns, st.st_ino)
            ):
                summary.unchanged += 1
                continue
            if old is None or old.state == "gone":
                summary.new += 1
            else:
                summary.changed += 1
            pending.append((rel, st))
            if len(pending) >= BATCH:
                summary.failed += _index_batch(db, name, folder, pending, exiftool)
                pending = []
        if pending:
            summary.failed += _index_batch(db, name, folder, pending, exiftool)
        gone = [rel for rel, state in known.items() if rel not in seen and state.state != "gone"]
        db.mark_gone(name, gone)
        summary.gone += len(gone)
    return summary


def _index_batch(
    db: Database, root: str, folder: Path, batch: list[tuple[str, os.stat_result]], et: ExifTool
) -> int:
    paths = [str(folder / rel) for rel, _ in batch]
    try:
        records = et.read(paths)
    except ExifToolError:
        # One file hung or broke the batch: read one by one so only that file fails.
        records = []
        for p in paths:
            try:
                records.append(et.read_one(p))
            except ExifToolError as exc:
                records.append({"SourceFile": p, "ExifTool:Error": str(exc)})
    rows = []
    failed = 0
    for (rel, st), rec in zip(batch, records, strict=True):
        row = record_to_row(rel, st, rec)
        failed += row["state"] == "failed"
        rows.append(row)
    db.save_files(root, rows)
    return failed


def record_to_row(rel: str, st: os.stat_result, record: dict[str, Any]) -> dict[str, Any]:
    error = record.get("ExifTool:Error")
    row: dict[str, Any] = {
        "rel_path": rel,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "inode": st.st_ino,
        "reader": "exiftool",
    }
    if error:
        return {**row, "state": "failed", "error": str(error), "fields": {}}
    return {
        **row,
        "state": "indexed",
        "fields": index_fields(record),
        **_image_size(record),
    }


def _image_size(record: dict[str, Any]) -> dict[str, int | None]:
    """ExifTool's Composite:ImageSize ("640x427") works for every format it reads."""
    size = str(record.get("Composite:ImageSize") or "")
    width, _, height = size.replace(" ", "x").partition("x")
    try:
        return {"width": int(width), "height": int(height)}
    except ValueError:
        return {"width": None, "height": None}
