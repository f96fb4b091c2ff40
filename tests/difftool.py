"""Compare the fast path with ExifTool, field by field, as the differential test and bench do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wirefix.exiftool import ExifTool
from wirefix.index.readers import image_size
from wirefix.jpeg import read as fastread
from wirefix.tagmap import FIELD_TAGS, index_fields

#: Tags whose raw values (not only the index's view of them) the rewrite's fast path plans from.
RAW_TAGS = sorted(
    {t for tags in FIELD_TAGS.values() for t in tags}
    | {"IPTC:CodedCharacterSet", "Photoshop:IPTCDigest"}
)


def view(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "fields": index_fields(record),
        **image_size(record),
        "raw": {t: record[t] for t in RAW_TAGS if t in record},
        # The index keeps ExifTool's warning (readers.py): the fast path must give the same.
        "warning": record.get("ExifTool:Warning"),
    }


def differences(paths: list[Path], et: ExifTool) -> tuple[dict[str, Any], dict[str, str]]:
    """(path -> (fast, exiftool) for every file read both ways that disagrees, path -> fallback
    reason for every file the fast path handed to ExifTool)."""
    records = et.read([str(p.resolve()) for p in paths])
    diffs: dict[str, Any] = {}
    fallbacks: dict[str, str] = {}
    for path, rec in zip(paths, records, strict=True):
        try:
            fast = fastread.read(str(path))
        except fastread.Empty:
            assert rec.get("ExifTool:Error") == "File is empty", rec
            continue
        except fastread.Fallback as exc:
            fallbacks[path.name] = str(exc)
            continue
        if "ExifTool:Error" in rec:
            diffs[path.name] = ("read by fast path", rec["ExifTool:Error"])
        elif view(fast) != view(rec):
            diffs[path.name] = (view(fast), view(rec))
    return diffs, fallbacks
