"""Stage 3a, plan: the exact tag writes that fix one file, from a fresh ExifTool read (SPEC §6).

The plan is made from the file as it is now, never from the index. Every tag of the field's
MWG / IPTC-XMP group that holds the erroneous value is corrected, so EXIF, IPTC and XMP agree;
then every other writable text tag that still mentions the erroneous value is corrected too
(a sign-off inside a caption, a credit line, a copyright); captions lose agency boilerplate.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from wirefix.captions import clean_caption, dedupe_credit_lines, has_boilerplate
from wirefix.errors import WirefixError
from wirefix.model import Correction, EditPlan, Notice, TagWrite, nfc
from wirefix.tagmap import (
    FIELD_TAGS,
    IPTC_LIMITS,
    NEVER_REWRITE,
    WRITABLE_GROUPS,
    normalise_date,
)


class PlanError(WirefixError):
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
                if replaced is None:
                    replaced = _replace_cut(value, correction, tag, notes)
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
            replaced = _replace_cut_tail(replaced, value, record.get(tag), correction, tag, notes)
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

    # 5. An IPTC value that is its XMP twin cut at the IIM limit follows the corrected twin.
    _follow_twins(record, new, causes, notes)

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


def field_limit(tag: str) -> int | None:
    """The IIM byte limit that applies to `tag`: its own, or its IPTC twin's for the XMP and
    EXIF tags of a field (a tool that copies IPTC into XMP copies the cut value too)."""
    if tag in IPTC_LIMITS:
        return IPTC_LIMITS[tag]
    for tags in FIELD_TAGS.values():
        if tag in tags:
            return next((IPTC_LIMITS[t] for t in tags if t in IPTC_LIMITS), None)
    return None


@functools.lru_cache(maxsize=1024)
def cut_forms(text: str, limit: int) -> frozenset[str]:
    """Every way a reader may show `text` once a writer cut it to `limit` bytes: ExifTool's own
    cut ("." for each byte of a broken character), a raw cut as ExifTool's JSON reads it ("?"
    for each broken byte), a cut on a character boundary, U+FFFD, and Latin-1 IPTC (text cut
    in CP-1252, or UTF-8 bytes read as CP-1252 where no charset is declared). Empty when
    `text` fits."""
    forms: set[str] = set()
    for form in {nfc(text), unicodedata.normalize("NFD", text)}:
        raw = form.encode("utf-8")
        if len(raw) > limit:
            cut = raw[:limit]
            forms |= {
                cut.decode("utf-8", "ignore"),
                cut.decode("utf-8", "replace"),
                fix_utf8(cut, "."),
                fix_utf8(cut, "?"),
                _cp1252(cut),
            }
        try:
            latin = form.encode("cp1252")
        except UnicodeEncodeError:
            continue
        if len(latin) > limit:
            forms.add(_cp1252(latin[:limit]))
    return frozenset(f for f in forms if f.strip())


def fix_utf8(data: bytes, bad: str) -> str:
    """`data` as UTF-8 with each byte that is not part of a valid character replaced by `bad`,
    as ExifTool's XMP::FixUTF8 does (its write after a cut uses ".", its JSON output "?")."""
    text = data.decode("utf-8", "surrogateescape")
    return re.sub("[\udc80-\udcff]", bad, text)


def _cp1252(data: bytes) -> str:
    """ExifTool's "Latin" IPTC reading: CP-1252, its five undefined bytes as Latin-1."""
    return "".join(
        chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252") for b in data
    )


def _replace_cut(value: Any, c: Correction, tag: str, notes: list[str]) -> Any:
    """A field tag holding the erroneous value cut at the IIM limit holds the erroneous value:
    ExifTool cut "ZOFIA WOJCIECHOWSKA-KOWALSKA DUDŹ" to "ZOFIA WOJCIECHOWSKA-KOWALSKA DUD" when
    it wrote IPTC By-line. The plan writes the corrected value (cut again by the housekeeping)
    and says what it recognised."""
    limit = field_limit(tag)
    if limit is None:
        return None
    forms = cut_forms(c.erroneous, limit)
    if not forms:
        return None
    items = value if isinstance(value, list) else [value]
    held = [v for v in items if isinstance(v, str) and any(_same(v, f) for f in forms)]
    if not held:
        return None
    notes.append(
        f"{tag} holds {held[0]!r}, the erroneous {c.erroneous!r} cut at {limit} bytes; "
        "corrected as the erroneous value"
    )
    fixed = [c.corrected if v in held else v for v in items]
    return fixed if isinstance(value, list) else fixed[0]


def _replace_cut_tail(
    replaced: Any, value: Any, original: Any, c: Correction, tag: str, notes: list[str]
) -> Any:
    """A limited IPTC text cut at its limit in the middle of a mention ("... / AFP / ERIC FEFER"
    at the end of a 2,000-byte caption): the cut mention is corrected when it keeps at least
    half of the erroneous value (and five characters), else it is named in a note for a person.
    Returns the new value, `replaced` when nothing was cut, or None when nothing changes."""
    limit = IPTC_LIMITS.get(tag)
    if limit is None or not isinstance(original, str) or not isinstance(value, str):
        return replaced
    size = len(original.encode("utf-8"))
    if not limit - 3 <= size <= limit + 2:
        return replaced
    base = replaced if isinstance(replaced, str) else value
    found = _cut_mention(base, c)
    if found is None:
        return replaced
    start, kept = found
    wrong = nfc(c.erroneous)
    tail = base[start:]
    if kept < max(5, len(wrong) / 2):
        notes.append(
            f"{tag} ends with {tail!r}, which may be the erroneous {c.erroneous!r} cut at "
            f"{limit} bytes; too short to be sure, check by hand"
        )
        return replaced
    notes.append(
        f"{tag} ends with {tail!r}, the erroneous {c.erroneous!r} cut at {limit} bytes; corrected"
    )
    return base[:start] + c.corrected


def _cut_mention(text: str, c: Correction) -> tuple[int, int] | None:
    """(start, characters kept) of a cut-off start of the erroneous value that ends `text`,
    starting a word; the cut may leave ".", "?" or U+FFFD for a broken last character."""
    text, wrong = nfc(text), nfc(c.erroneous)
    for kept in range(len(wrong) - 1, 0, -1):
        prefix = wrong[:kept]
        broken = len(wrong[kept].encode("utf-8"))
        tails = (
            {prefix}
            | {prefix + mark * n for n in range(1, broken) for mark in ".?"}
            | ({prefix + "\ufffd"} if broken > 1 else set())
        )
        for tail in tails:
            start = len(text) - len(tail)
            if (
                start >= 0
                and text[start:].casefold() == tail.casefold()
                and (start == 0 or not text[start - 1].isalnum())
                and not prefix[-1:].isspace()
            ):
                return start, kept
    return None


def _follow_twins(
    record: dict[str, Any], new: dict[str, Any], causes: dict[str, str], notes: list[str]
) -> None:
    """An IPTC value that is exactly its XMP twin cut at the IIM limit (a caption or credit line
    cut at 2,000 or 32 bytes) was copied from it: when the twin is corrected, the IPTC value
    becomes the corrected twin, which the housekeeping cuts again. This corrects a mention that
    the cut split, wherever it was."""
    for tags in FIELD_TAGS.values():
        iptc = next((t for t in tags if t in IPTC_LIMITS), None)
        xmp = next((t for t in tags if t.startswith("XMP-")), None)
        if iptc is None or xmp is None or xmp not in new:
            continue
        old_iptc, old_xmp = record.get(iptc), record.get(xmp)
        if not isinstance(old_iptc, str) or not isinstance(old_xmp, str):
            continue
        limit = IPTC_LIMITS[iptc]
        if not isinstance(new[xmp], str) or old_iptc not in cut_forms(old_xmp, limit):
            continue
        if new[xmp].encode("utf-8")[:limit].decode("utf-8", "ignore") != old_iptc:
            new[iptc], causes[iptc] = new[xmp], causes[xmp]
            notes.append(
                f"{iptc} held {xmp} cut at {IPTC_LIMITS[iptc]} bytes; it follows the corrected "
                f"{xmp}"
            )


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
        text = pattern.sub(c.corrected, nfc(value))
        return text if text != value else None
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
