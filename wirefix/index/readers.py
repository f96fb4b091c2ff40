"""Read one batch of files into index rows: the fast path first, ExifTool for the rest.

This runs in the scan's worker processes, so it imports no database code. Each worker owns one
long-lived ExifTool, started on its first fallback and fed whole batches, never one file at a time.
"""

from __future__ import annotations

import os
from typing import Any

from wirefix.exiftool import ExifTool, ExifToolError, UnsafeArgument, check_path
from wirefix.jpeg import read as fastread
from wirefix.tagmap import index_fields, index_keys

_exiftool: ExifTool | None = None
_NOT_IMAGES = ("text/", "application/pdf", "application/zip", "application/json", "audio/")


def worker_exiftool() -> ExifTool:
    """This process's ExifTool; closed when the process ends."""
    global _exiftool
    if _exiftool is None:
        _exiftool = ExifTool()
    return _exiftool


def close_worker_exiftool() -> None:
    global _exiftool
    if _exiftool is not None:
        _exiftool.close()
        _exiftool = None


def read_batch(folder: str, items: list[tuple[str, int, int, int]]) -> list[dict[str, Any]]:
    """Index rows for (rel_path, size, mtime_ns, inode) items under the absolute `folder`."""
    rows: list[dict[str, Any]] = []
    fallback: list[int] = []
    for i, (rel, size, mtime_ns, inode) in enumerate(items):
        base = {"rel_path": rel, "size": size, "mtime_ns": mtime_ns, "inode": inode}
        path = os.path.join(folder, rel)
        try:
            record = fastread.read(path)
        except fastread.Fallback:
            rows.append(base)
            fallback.append(i)
            continue
        except fastread.Empty:
            rows.append(_failed(base, "zero-byte file (ExifTool: File is empty)", "fast"))
            continue
        except OSError as exc:
            rows.append(_failed(base, f"unreadable: {exc.strerror or exc}", "fast"))
            continue
        except Exception:  # a file the fast path chokes on is ExifTool's, never a failed scan
            rows.append(base)
            fallback.append(i)
            continue
        rows.append(_indexed(base, record, "fast"))
    if fallback:
        _read_with_exiftool(folder, [rows[i] for i in fallback])  # filled in place
    return rows


def _read_with_exiftool(folder: str, rows: list[dict[str, Any]]) -> None:
    """Fill `rows` in place from ExifTool; one bad file fails alone, never its batch."""
    et = worker_exiftool()
    safe: list[tuple[dict[str, Any], str]] = []
    for row in rows:
        path = os.path.join(folder, row["rel_path"])
        try:
            safe.append((row, check_path(path)))
        except UnsafeArgument:
            row.update(_failed(row, "file name holds a line break: not passed to ExifTool", ""))
    if not safe:
        return
    try:
        records = et.read([p for _, p in safe])
    except ExifToolError:
        records = []
        for _, p in safe:
            try:
                records.append(et.read_one(p))
            except ExifToolError as exc:
                records.append({"SourceFile": p, "ExifTool:Error": str(exc)})
    for (row, _), record in zip(safe, records, strict=True):
        error = record.get("ExifTool:Error")
        kind = str(record.get("File:FileType") or "")
        if error:
            row.update(_failed(row, f"ExifTool: {error}", "exiftool"))
        elif not kind or str(record.get("File:MIMEType", "")).startswith(_NOT_IMAGES):
            reason = f"not an image: ExifTool reads it as {kind or '?'}"
            row.update(_failed(row, reason, "exiftool"))
        else:
            row.update(_indexed(row, record, "exiftool"))
            warning = record.get("ExifTool:Warning")
            if warning:  # e.g. a truncated JPEG: indexed, and the warning kept for the report
                row["error"] = f"ExifTool warning: {warning}"


def _failed(base: dict[str, Any], reason: str, reader: str) -> dict[str, Any]:
    return {**base, "state": "failed", "error": reason, "reader": reader or None, "fields": {}}


def _indexed(base: dict[str, Any], record: dict[str, Any], reader: str) -> dict[str, Any]:
    fields = index_fields(record)
    return {
        **base,
        "state": "indexed",
        "error": None,
        "reader": reader,
        "fields": fields,
        "keys": sorted(index_keys(fields, base["rel_path"])),
        **image_size(record),
    }


def image_size(record: dict[str, Any]) -> dict[str, int | None]:
    """ExifTool's Composite:ImageSize ("640x427") works for every format it reads."""
    size = str(record.get("Composite:ImageSize") or "")
    width, _, height = size.replace(" ", "x").partition("x")
    try:
        return {"width": int(width), "height": int(height)}
    except ValueError:
        return {"width": None, "height": None}
