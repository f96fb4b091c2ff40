"""Every real file with a byline, creator or credit gets a correction (issue 5).

For each: the intended tags change, every other tag reads the same (`exiftool -a -G1 -j` before
and after, minus what ExifTool itself maintains), the image data hash is unchanged, ExifTool
reports no new error or warning. A file wirefix cannot write safely is refused with a reason and
left byte-identical. The corpus is read in place and copied to tmp; it is never modified.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, exiftool_tags
from helpers_rewrite import fix

from wirefix.exiftool import ExifTool
from wirefix.jpeg.imagedata import image_data_hash
from wirefix.model import Correction
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.plan import distinctive

NEW_BYLINE = "Łukasz Ørsted-Kowalski 김"
NEW_CREDIT = "Crédit Corrigé/AFP"
# Maintained by ExifTool or the file system, not by the photo's metadata; ExifTool's own
# messages are compared separately below.
VOLATILE_PREFIXES = ("System:", "File:", "ExifTool:", "Composite:")
VOLATILE = {"SourceFile", "Photoshop:IPTCDigest", "XMP-x:XMPToolkit"}


#: The real files wirefix refuses to rewrite, each for a reason a person can act on. A file
#: refused that is not listed, or listed and no longer refused, fails: refusals are counted.
EXPECTED_REFUSALS = {
    "exiftool-DNG.dng": "cannot prove the picture unchanged for this format",
    "exiftool-Photoshop.psd": "cannot prove the picture unchanged for this format",
    "imagemeta-sunrise.webp": "cannot prove the picture unchanged for this format",
    "exiftool-ExifTool.jpg": "carries C2PA Content Credentials",
    "exiv2-iptc-psAPP13-wIPTC1-psAPP13-wIPTC2.jpg": "the write would also change IPTC2:",
    "exiv2-iptc-psAPP13-wIPTCmid1-wIPTCempty-wIPTCmid2.jpg": "the write would also change IPTC2:",
    "exiv2-table.jpg": "Corrupted JPEG image",
    "grid-cech.jpg": "Duplicate XMP property",
    # XMP behind a non-standard APP1 header: ExifTool reads it but does not rewrite it.
    "grid-corbis.jpg": "the file holds a copy ExifTool does not rewrite",
    "grid-getty.jpg": "the file holds a copy ExifTool does not rewrite",
    "grid-guardian-turner.jpg": "the file holds a copy ExifTool does not rewrite",
    "grid-pa.jpg": "the file holds a copy ExifTool does not rewrite",
}


def _manifest() -> list[dict]:
    path = CORPUS / "manifest.json"
    if not path.is_file():
        if os.environ.get("CI"):
            raise RuntimeError(f"CI needs the real-file corpus at {CORPUS}")
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

    expected_refusal = EXPECTED_REFUSALS.get(entry["file"])
    if result.outcome != "ok":
        assert result.error and str(photo) in result.error, "a refusal names the file and why"
        assert hashlib.sha256(photo.read_bytes()).hexdigest() == original
        # A refusal is a correct outcome (format without a pixel proof, C2PA, a second XMP or
        # IPTC block ExifTool cannot reach separately, a corrupt file), but only a known one.
        assert expected_refusal is not None, f"newly refused: {result.error}"
        assert expected_refusal in result.error
        return
    assert expected_refusal is None, "now rewritten: take it off EXPECTED_REFUSALS"
    assert result.changes, "the correction changed nothing"
    assert any(w.field in ("byline", "credit") for w in result.changes)
    after = assert_only_planned_changed(photo, before, pixels, result.changes)
    # Every tag wirefix wrote no longer holds a wrong value the plan looks for everywhere (a
    # short one such as "AP" is corrected in its own field only, so it may rightly stay in
    # "(AP Photo/...)"): the field's own tags hold the right value.
    for write in result.changes:
        now = after.get(write.tag)
        text = " ".join(now) if isinstance(now, list) else str(now)
        for field, wrong, right in corrections:
            if wrong in right:
                continue
            if distinctive(Correction(field, wrong, right)):
                assert not re.search(rf"(?<!\w){re.escape(wrong)}(?!\w)", text), (write.tag, text)
            if write.field == field:
                assert wrong != text, (write.tag, text)


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
