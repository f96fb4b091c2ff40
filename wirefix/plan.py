"""Stage 3a, plan: the exact tag writes that fix one file, from a fresh ExifTool read (SPEC §6).

The plan is made from the file as it is now, never from the index. Every tag of the field's
MWG / IPTC-XMP group that holds the erroneous value is corrected, so EXIF, IPTC and XMP agree;
then every other writable text tag that still mentions the erroneous value is corrected too
(a sign-off inside a caption, a credit line, a copyright); captions lose agency boilerplate.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from wirefix.captions import clean_caption, dedupe_credit_lines, has_boilerplate
from wirefix.model import Correction, EditPlan, Notice, TagWrite, nfc
from wirefix.tagmap import (
    FIELD_TAGS,
    IPTC_LIMITS,
    NEVER_REWRITE,
    WRITABLE_GROUPS,
    normalise_date,
)


class PlanError(Exception):
    """The file cannot be planned for (ExifTool could not read it); the message says why."""


def make_plan(notice: Notice, record: dict[str, Any]) -> EditPlan:
    """What to write into the file ExifTool read as `record` (`-G1 -a` JSON) for `notice`."""
    path = str(record.get("SourceFile"))
    if record.get("ExifTool:Error"):
        raise PlanError(f"{path}: {record['ExifTool:Error']}")
    if notice.kind == "kill":
        return EditPlan(path=path, action="kill")
    if notice.kind != "correction":
        return EditPlan(path=path, action="rewrite", notes=[f"{notice.kind}: nothing to rewrite"])

    new: dict[str, Any] = {}  # tag -> new value (what the file will say)
    causes: dict[str, str] = {}

    def current(tag: str) -> Any:
        return new.get(tag, record.get(tag))

    # 1. Captions: drop the agency's boilerplate before anything else, so its "[ERIC FEFERBERG]"
    #    is removed rather than "corrected" into the published caption.
    for tag in FIELD_TAGS["caption"]:
        value = record.get(tag)
        if isinstance(value, str) and has_boilerplate(value):
            cleaned = clean_caption(value)
            if cleaned != value:
                new[tag], causes[tag] = cleaned, "cleanup"

    notes: list[str] = []
    for correction in notice.corrections:
        # 2. The field's own tags, whole values (list items for XMP bags and "; " EXIF lists).
        whole: set[str] = set()
        for tag in FIELD_TAGS.get(correction.field, ()):
            value = current(tag)
            if correction.field == "date":
                replaced = _replace_date(value, correction)
            else:
                replaced = _replace_whole(value, correction)
            if replaced is not None:
                new[tag], causes[tag] = replaced, correction.field
                whole.add(tag)  # already right: a mention search would find "X" in "X-Y"
        # 3. Any other writable text tag that mentions the erroneous value (dates are values,
        #    not mentions: "2017-02-19" inside a caption is left for a person).
        if correction.field == "date":
            continue
        if not distinctive(correction):
            notes.append(
                f"{correction.erroneous!r} is too short to look for outside the {correction.field} "
                "tags; other mentions, if any, are left for a person"
            )
            continue
        left: list[str] = []
        for tag in record:
            value = current(tag)
            if tag in whole:
                continue
            replaced = _replace_mention(value, correction)
            if replaced is None:
                continue
            if _rewritable(tag, value):
                new[tag], causes[tag] = replaced, causes.get(tag, correction.field)
            elif not tag.startswith(("System:", "File:", "Composite:", "ExifTool:")):
                left.append(tag)
        if left:
            # Maker notes, custom XMP namespaces, URLs...: compliance must know they remain.
            notes.append(
                f"{correction.erroneous!r} still appears in {', '.join(left)}, which wirefix "
                "does not rewrite (docs/tags.md); check by hand"
            )

    # 4. A refiled caption may now carry two identical or competing credit lines.
    prefer = next((c.corrected for c in notice.corrections), None)
    for tag in FIELD_TAGS["caption"]:
        value = current(tag)
        if isinstance(value, str):
            deduped = dedupe_credit_lines(value, prefer)
            if deduped != value:
                new[tag], causes[tag] = deduped, causes.get(tag, "cleanup")

    writes = [
        TagWrite(tag=tag, old=record.get(tag), new=value, field=causes[tag])
        for tag, value in new.items()
        if value != record.get(tag)
    ]
    plan = EditPlan(path=path, action="rewrite", writes=writes, notes=notes if writes else [])
    _iptc_housekeeping(plan, record)
    return plan


def _rewritable(tag: str, value: Any) -> bool:
    """Text tags in groups ExifTool writes, except addresses: a credit inside a URL names a
    server, not a person (`http://library.racingfotos.com/`)."""
    group = tag.split(":", 1)[0]
    if tag in NEVER_REWRITE or group not in WRITABLE_GROUPS:
        return False
    texts = value if isinstance(value, list) else [value]
    return not any(isinstance(t, str) and _URL.search(t) for t in texts)


_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)", re.I)


def _same(a: str, b: str) -> bool:
    return " ".join(nfc(a).casefold().split()) == " ".join(nfc(b).casefold().split())


def _replace_whole(value: Any, c: Correction) -> Any:
    if isinstance(value, list):
        if any(isinstance(v, str) and _same(v, c.erroneous) for v in value):
            return [
                c.corrected if isinstance(v, str) and _same(v, c.erroneous) else v for v in value
            ]
        return None
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(";")]
        if any(_same(p, c.erroneous) for p in parts):
            return "; ".join(c.corrected if _same(p, c.erroneous) else p for p in parts)
    return None


def distinctive(c: Correction) -> bool:
    """Worth a search through every tag: not one short token such as "AFP"
    (which appears in sign-offs and credits that are right)."""
    return len(c.erroneous.split()) > 1 or len(c.erroneous.strip()) >= 5


def _replace_date(value: Any, c: Correction) -> Any:
    """Dates are compared as days and rewritten in the tag's own form, time of day kept:
    IPTC "2017:02:19", XMP "2017:02:19 10:00:00+00:00", EXIF "2017:02:19 10:00:00"."""
    if not isinstance(value, str):
        return None
    wrong, right = normalise_date(c.erroneous), normalise_date(c.corrected)
    if not wrong or not right or normalise_date(value) != wrong:
        return None
    separator = value.strip()[4]
    return right.replace("-", separator) + value.strip()[10:]


@functools.lru_cache(maxsize=256)
def _mention_pattern(erroneous: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in nfc(erroneous).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.I)


def _replace_mention(value: Any, c: Correction) -> Any:
    pattern = _mention_pattern(c.erroneous)
    if isinstance(value, list):
        out = [pattern.sub(c.corrected, nfc(v)) if isinstance(v, str) else v for v in value]
        return out if out != value else None
    if isinstance(value, str):
        out = pattern.sub(c.corrected, nfc(value))
        return out if out != value else None
    return None


def _iptc_housekeeping(plan: EditPlan, record: dict[str, Any]) -> None:
    """Keep IPTC readable and MWG-consistent once we touch it.

    - IPTC limits are bytes: the IPTC copy is cut on a character boundary and the full value
      stays in XMP; the plan says so.
    - IPTC without a UTF-8 declaration is read by ExifTool as Latin-1; once wirefix writes IPTC
      it declares UTF-8 and writes the non-ASCII values again, so old accents and new names
      both survive (ASCII reads the same either way).
    - IPTCDigest is set to `new` where the file has one, or MWG readers would ignore the XMP.
    """
    iptc_writes = [w for w in plan.writes if w.tag.startswith("IPTC:")]
    if not iptc_writes:
        return
    planned = {w.tag for w in plan.writes}
    for i, w in enumerate(list(plan.writes)):
        limit = IPTC_LIMITS.get(w.tag)
        if limit and isinstance(w.new, str) and len(w.new.encode("utf-8")) > limit:
            cut = w.new.encode("utf-8")[:limit].decode("utf-8", "ignore")
            plan.writes[i] = TagWrite(w.tag, w.old, cut, w.field)
            plan.notes.append(_keep_whole(plan, record, planned, w, limit))
    iptc_text = [str(v) for t, v in record.items() if t.startswith("IPTC:")]
    iptc_text += [str(w.new) for w in iptc_writes]
    # Declared on every IPTC write (SPEC §6); in PNG only when needed, where the IPTC sits in a
    # text chunk and some readers mishandle the envelope record (osxphotos' notes).
    needed = not all(t.isascii() for t in iptc_text) or record.get("File:FileType") != "PNG"
    if record.get("IPTC:CodedCharacterSet") != "UTF8" and needed:
        # ASCII reads the same in Latin-1 and UTF-8: only the rest needs writing again (and
        # rewriting an over-long or formatted ASCII value could only shorten or reformat it).
        planned = {w.tag for w in plan.writes}
        for tag, value in record.items():
            if (
                tag.startswith("IPTC:")
                and tag not in planned
                and tag not in NEVER_REWRITE
                and not str(value).isascii()
            ):
                plan.writes.append(TagWrite(tag, value, value, "encoding"))
        plan.writes.append(
            TagWrite(
                "IPTC:CodedCharacterSet", record.get("IPTC:CodedCharacterSet"), "UTF8", "encoding"
            )
        )
        plan.notes.append("IPTC written as UTF-8 with CodedCharacterSet declared")
    if "Photoshop:IPTCDigest" in record:
        plan.notes.append("IPTCDigest updated so MWG readers keep trusting the XMP")


def _keep_whole(
    plan: EditPlan, record: dict[str, Any], planned: set[str], w: TagWrite, limit: int
) -> str:
    """Say where the whole value of a shortened IPTC tag lives; add its XMP twin if missing."""
    xmp = next(
        (t for tags in FIELD_TAGS.values() if w.tag in tags for t in tags if t.startswith("XMP-")),
        None,
    )
    head = f"{w.tag} shortened to {limit} bytes in IPTC"
    if xmp is None:
        return f"{head}; the full value is in this audit entry only"
    if xmp in planned:
        return f"{head}; the full value is in {xmp}"
    if xmp not in record:
        plan.writes.append(TagWrite(xmp, None, w.new, w.field))
        return f"{head}; the full value is in {xmp}, added for it"
    return f"{head}; {xmp} holds {record[xmp]!r}, so the full value is in this entry only"


def exiftool_values(plan: EditPlan, record: dict[str, Any]) -> dict[str, Any]:
    """The `-j=` JSON body for a plan."""
    values: dict[str, Any] = {w.tag: w.new for w in plan.writes}
    if "Photoshop:IPTCDigest" in record and any(w.tag.startswith("IPTC:") for w in plan.writes):
        values["Photoshop:IPTCDigest"] = "new"
    return values
