"""Verification of a rewritten file against its plan: ExifTool's read-back is the judge; every
planned tag reads as planned, every other as before, and no erroneous mention remains."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from wirefix.exiftool import check_value
from wirefix.jpeg.imagedata import image_data_hash
from wirefix.model import Notice
from wirefix.rewrite.plan import distinctive
from wirefix.rewrite.steps import WIREFIX_WRITER, RewriteError, Staged


def mentions_remain(data: bytes, notice: Notice) -> bool:
    """Whether the erroneous text of a correction may still be in `data`, in any tag.

    Deliberately over-eager (a false alarm only sends the file the full way): the longest word
    of each erroneous value is looked for in UTF-8, Latin-1, CP-1252 and UTF-16, in any letter
    case and both Unicode normal forms; a non-ASCII word's longest ASCII run too (XMP may escape
    the rest); a word with XML specials always counts as found."""
    folded = data.lower()
    for correction in notice.corrections:
        if correction.field == "date":
            return True
        if not distinctive(correction):
            continue  # the full way does not look beyond the field's tags either
        word = max(correction.erroneous.split(), key=len, default="")
        if not word or any(ch in word for ch in "&<>\"'"):
            return True
        if word.isascii():
            needles = {word.lower().encode("ascii")}
            needles |= {word.lower().encode(e) for e in ("utf-16-le", "utf-16-be")}
            if any(n in folded for n in needles):
                return True
            continue
        runs = [r for r in re.findall(r"[A-Za-z0-9]+", word) if len(r) >= 3]
        if runs and max(runs, key=len).lower().encode() in folded:
            return True
        forms = {unicodedata.normalize(f, v) for f in ("NFC", "NFD") for v in _cases(word)}
        for form in forms:
            for encoding in ("utf-8", "latin-1", "cp1252", "utf-16-le", "utf-16-be"):
                try:
                    needle = form.encode(encoding)
                except UnicodeEncodeError:
                    continue
                if needle in data or needle.lower() in folded:
                    return True
    return False


def _cases(word: str) -> set[str]:
    return {word, word.lower(), word.upper(), word.title(), word.casefold()}


def check_values(values: dict[str, Any]) -> None:
    """The same refusals whichever writer runs: a value ExifTool would refuse is refused."""
    for tag, value in values.items():
        check_value(tag, value)


def _check(after: dict[str, Any], s: Staged) -> None:
    """The new file reads without error, says what was planned, and nothing else moved."""
    before, writes = s.record, s.plan.writes
    if after.get("ExifTool:Error"):
        raise RewriteError(f"the rewritten file does not read back: {after['ExifTool:Error']}")
    for w in writes:
        got = after.get(w.tag)
        if not _equal(got, w.new):
            hint = before.get("ExifTool:Warning")
            raise RewriteError(
                f"{w.tag} reads back as {got!r}, planned {w.new!r}: the file holds a copy ExifTool "
                f"does not rewrite{f' (ExifTool: {hint})' if hint else ''}; file left alone"
            )
    planned = {w.tag for w in writes}
    moved = sorted(
        tag
        for tag in set(before) | set(after)
        if tag not in planned
        and not maintained_by_exiftool(tag, before.get(tag))
        and before.get(tag) != after.get(tag)
        and not (before.get(tag) == "" and tag not in after)  # ExifTool drops empty XMP items
    )
    if moved:
        shown = ", ".join(f"{t} ({before.get(t)!r} -> {after.get(t)!r})" for t in moved[:3])
        raise RewriteError(f"the write would also change {shown}; refused, file left alone")
    if s.result.writer == WIREFIX_WRITER:
        # ExifTool's own writes may tidy what it warned about; ours must not add a warning.
        new_warnings = set(_as_list(after.get("ExifTool:Warning"))) - set(
            _as_list(before.get("ExifTool:Warning"))
        )
        if new_warnings:
            raise RewriteError(f"ExifTool warns about the new file: {sorted(new_warnings)[0]}")
    new_method, new_hash = image_data_hash(s.tmp)
    if (new_method, new_hash) != (s.result.image_hash_method, s.result.image_hash_before):
        raise RewriteError("the image data changed during the rewrite; file left alone")


#: Tags that describe the file or its layout, or that ExifTool keeps current on every write.
_MAINTAINED = {"SourceFile", "Photoshop:IPTCDigest", "XMP-x:XMPToolkit"}


_MAINTAINED_GROUPS = ("System:", "File:", "ExifTool:", "Composite:")


_ADDED_WITH_IPTC = {"IPTC:EnvelopeRecordVersion", "IPTC:ApplicationRecordVersion"}


def maintained_by_exiftool(tag: str, old: Any) -> bool:
    """Offsets move when a block grows; record versions are added when IPTC gets a charset."""
    return (
        tag in _MAINTAINED
        or tag.startswith(_MAINTAINED_GROUPS)
        or tag.endswith(("Offset", "Offsets"))
        or (tag in _ADDED_WITH_IPTC and old is None)
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _equal(got: Any, planned: Any) -> bool:
    def norm(v: Any) -> Any:
        if isinstance(v, list):
            return [str(x) for x in v]
        return None if v is None else str(v)

    g, p = norm(got), norm(planned)
    if isinstance(p, list) and not isinstance(g, list) and len(p) == 1:
        return g == p[0]
    return g == p
