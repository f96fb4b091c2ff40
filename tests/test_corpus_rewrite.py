"""Every real file with a byline, creator or credit gets a correction (issue 5).

For each: the intended tags change, every other tag reads the same (`exiftool -a -G1 -j` before
and after, minus what ExifTool itself maintains), the image data hash is unchanged, ExifTool
reports no new error or warning. A file wirefix cannot write safely is refused with a reason and
left byte-identical. The corpus is read in place and copied to tmp; it is never modified.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, exiftool_tags
from helpers_rewrite import fix

from wirefix.exiftool import ExifTool
from wirefix.imagedata import image_data_hash
from wirefix.rewrite import BackupStore

NEW_BYLINE = "Łukasz Ørsted-Kowalski 김"
NEW_CREDIT = "Crédit Corrigé/AFP"
# Maintained by ExifTool or the file system, not by the photo's metadata; ExifTool's own
# messages are compared separately below.
VOLATILE_PREFIXES = ("System:", "File:", "ExifTool:", "Composite:")
VOLATILE = {"SourceFile", "Photoshop:IPTCDigest", "XMP-x:XMPToolkit"}


def _manifest() -> list[dict]:
    path = CORPUS / "manifest.json"
    if not path.is_file():
        return []
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [e for e in entries if e.get("byline") or e.get("creator") or e.get("credit")]


def _first(value: object) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return str(value) if value else None


def corrections_for(entry: dict) -> list[tuple[str, str, str]]:
    """The corrections each corpus file gets: its own byline (or creator) and credit."""
    corrections = []
    byline = _first(entry.get("byline")) or _first(entry.get("creator"))
    if byline:
        corrections.append(("byline", byline, NEW_BYLINE))
    if _first(entry.get("credit")):
        corrections.append(("credit", _first(entry["credit"]), NEW_CREDIT))
    return corrections


def _volatile(tag: str, old: object, new: object) -> bool:
    if tag in VOLATILE or tag.startswith(VOLATILE_PREFIXES) or tag.endswith(("Offset", "Offsets")):
        return True  # layout: thumbnails and strips move when the metadata grows
    if tag in ("IPTC:EnvelopeRecordVersion", "IPTC:ApplicationRecordVersion"):
        return old is None  # added by ExifTool with CodedCharacterSet
    return old == "" and new is None  # ExifTool drops empty XMP properties


@pytest.fixture(scope="module")
def et():
    with ExifTool(timeout=60) as tool:
        yield tool


@pytest.mark.parametrize("entry", _manifest(), ids=lambda e: e["file"])
def test_correction_on_real_file(et, entry: dict, tmp_path: Path) -> None:
    photo = tmp_path / entry["file"]
    shutil.copy(CORPUS / entry["file"], photo)
    original = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert original == entry["sha256"], "the shared corpus must never change"
    corrections = corrections_for(entry)
    before = exiftool_tags(photo)
    pixels = image_data_hash(photo)

    result, _ = fix(photo, et, BackupStore(tmp_path / "backups"), *corrections)

    if result.outcome != "ok":
        assert result.error and str(photo) in result.error, "a refusal names the file and why"
        assert hashlib.sha256(photo.read_bytes()).hexdigest() == original
        # A refusal is a correct outcome (format without a pixel proof, C2PA, a second XMP or
        # IPTC block ExifTool cannot reach separately, a corrupt file); it is shown with -rP.
        print(f"refused: {result.error}")
        return
    assert result.changes, "the correction changed nothing"
    assert any(w.field in ("byline", "credit") for w in result.changes)
    after = assert_only_planned_changed(photo, before, pixels, result.changes)
    assert "ERRONEOUS" not in json.dumps(after)


def assert_only_planned_changed(
    photo: Path, before: dict, pixels: tuple[str, str], changes: list
) -> dict:
    """ExifTool's full read of `photo` now: every planned tag as planned, every other tag as
    `before` (minus what ExifTool maintains), the same pixels, no new error or warning."""
    after = exiftool_tags(photo)
    planned = {w.tag for w in changes}
    for w in changes:
        got = after.get(w.tag)
        assert (got if isinstance(got, list) else [got]) == (
            w.new if isinstance(w.new, list) else [w.new]
        ) or str(got) == str(w.new), w.tag
    changed = {t for t in set(before) | set(after) if before.get(t) != after.get(t)}
    unexpected = {t for t in changed - planned if not _volatile(t, before.get(t), after.get(t))}
    assert not unexpected, {t: (before.get(t), after.get(t)) for t in unexpected}
    assert image_data_hash(photo) == pixels
    for key in ("ExifTool:Error", "ExifTool:Warning"):
        assert after.get(key) in (None, before.get(key)), after.get(key)
    return after
