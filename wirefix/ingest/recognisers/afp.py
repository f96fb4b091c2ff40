"""AFP notices.

The correction AFP sends inside a re-sent photo's caption (and by e-mail) reads:

    CORRECTION - <caption> / AFP / MOHAMAD ABAZEED / The erroneous mention[s] appearing in the
    metadata of this photo has been modified in AFP systems in the following manner:
    [MOHAMAD ABAZEED] instead of [ERIC FEFERBERG]. Please immediately remove ...

The corrected value comes first, the erroneous one second. French notices say
"[X] au lieu de [Y]". Caption corrections also come as a "CORRECTS X TO Y" prefix. Kills say
"MANDATORY KILL", "withdrawn from AFP systems and may no longer be used", "no longer be used in any
manner" (the 2024 Princess of Wales kill), or in French / Spanish "retirée du service" /
"retirada del servicio"; they name the photo by its AFP number (000_XXXXXX) when they can.
"""

from __future__ import annotations

import re

from wirefix.ingest import dates, facts, places
from wirefix.ingest.evidence import Signal
from wirefix.ingest.recognisers import NoticeText, common
from wirefix.model import Correction, Event, Notice, NoticeStatus, nfc

_BOILERPLATE_START = re.compile(
    r"(?:The\s+)?erroneous\s+mention|(?:La|Les)\s+mentions?\s+erronée|"
    r"(?:La|Las)\s+menci(?:ó|o)n(?:es)?\s+err(?:ó|o)nea",
    re.I,
)
_PAIR = re.compile(
    r"\[(?P<corrected>[^\[\]]+)\]\s*(?P<sep>instead\s+of|au\s+lieu\s+de|en\s+lugar\s+de)\s*"
    r"\[(?P<erroneous>[^\[\]]+)\]",
    re.I,
)
_CORRECTION_PREFIX = re.compile(r"^\s*(?:CORRECTION|CORRECTED|RECTIFICATIF)\s*[-–—:]\s*", re.I)
_KILL = re.compile(
    # AFP marks killed photos "Mandatory Kill" in every language service; the French press
    # renders it "effacement obligatoire" (20 Minutes, 2013).
    r"MANDATORY\s+KILL|effacement\s+obligatoire|withdrawn\s+from\s+AFP\s+systems|"
    r"no\s+longer\s+be\s+used|"
    r"retirée?s?\s+du\s+service|retirada\s+del\s+servicio|"
    r"ne\s+doit\s+plus\s+être\s+utilisée|ya\s+no\s+(?:debe|puede)\s+(?:ser\s+)?utilizad",
    re.I,
)
_CORRECTS = re.compile(r"^\s*CORRECTS?\s+\S", re.M)
_AFP = re.compile(r"\bAFP\b")
_SIGN_OFF = re.compile(r"/\s*AFP(?:\s+PHOTO)?\s*/\s*(?P<name>[^/\n]+?)\s*(?:/|$)")
_AFP_ID = re.compile(r"\b000_[A-Z0-9]{5,12}\b")
_CORRECTS_LINE = re.compile(r"^\s*CORRECTS?\s[^\n]*?(?:\.\s+|\n|$)")
# The credit line a distributor appends after the boilerplate, on the same paragraph.
_CREDIT_AFTER = re.compile(
    r"\s*\((?:Photo\s+)?credit\s+should\s+read[^()]{1,160}\)"
    r"|[ \t]*(?:Photo\s+)?credit\s+should\s+read[^()\n]{1,160}",
    re.I,
)
# The last sentence of AFP's boilerplate; the notice ends with it when it is there.
_BOILERPLATE_END = re.compile(
    r"(?:further\s+information\s+you\s+may\s+require|information\s+complémentaire|"
    r"información\s+(?:adicional|complementaria))[^.]*\.|"
    r"thank\s+you\s+(?:very\s+much\s+)?for\s+your\s+understanding\.",
    re.I,
)


#: AFP's own words, for weighing this reading against the others' (wirefix.ingest.evidence).
SIGNALS = (
    Signal(_BOILERPLATE_START, 0.4, "AFP's correction boilerplate"),
    Signal(
        re.compile(r"\bAFP\s+systems\b|systèmes\s+de\s+l'AFP|sistemas\s+de\s+(?:la\s+)?AFP", re.I),
        0.3,
        "names AFP's systems",
    ),
    Signal(_AFP_ID, 0.3, "an AFP photo number"),
    Signal(_SIGN_OFF, 0.2, "an AFP caption sign-off"),
)


def recognise(item: NoticeText) -> Notice | None:
    text = nfc(item.text)
    if not _AFP.search(text) and not _BOILERPLATE_START.search(text):
        return None
    start = _BOILERPLATE_START.search(text)
    kill = _KILL.search(text)
    if not start and not kill and not (_AFP.search(text) and _CORRECTS.search(text)):
        return None
    language = facts.language(text)
    if start:
        return _correction(item, text, start.start(), language)
    if kill:
        return _kill(item, text, language)
    return _corrects_prefix(item, text)


def _corrects_prefix(item: NoticeText, text: str) -> Notice:
    """A re-sent caption that starts "CORRECTS X TO Y": the pair is the notice."""
    corrections, half = common.pairs(text)
    caption = _CORRECTS_LINE.sub("", text, count=1).strip() or None
    sign_off = _SIGN_OFF.search(caption or "")
    return common.build(
        item,
        agency="AFP",
        kind="correction",
        text=text,
        corrections=corrections,
        identifiers=_identifiers(item, text),
        status="parsed" if corrections else "needs_review",
        reason=None
        if corrections
        else "AFP CORRECTS prefix without a X TO Y pair"
        + (f" (reads {half[0]!r})" if half else ""),
        photographer=sign_off.group("name").strip() if sign_off else None,
        caption=caption,
    )


def _notice_span(text: str, boiler_start: int) -> tuple[str, str]:
    """(caption before the boilerplate, the notice's own words from caption start to the end)."""
    # The caption is the paragraph that leads into the boilerplate ("CORRECTION - ...").
    para_start = text.rfind("\n\n", 0, boiler_start)
    para_start = 0 if para_start < 0 else para_start + 2
    caption = text[para_start:boiler_start]
    end_m = _BOILERPLATE_END.search(text, boiler_start)
    para_end = text.find("\n\n", boiler_start)
    # Without AFP's usual last sentence, the boilerplate's paragraph ends it.
    end = end_m.end() if end_m else para_end if para_end >= 0 else len(text)
    credit = _CREDIT_AFTER.match(text, end)
    if credit:  # "(Photo credit should read X/AFP/Getty Images)": the notice's last words
        end = credit.end()
    if not _reads_like_caption(_CORRECTION_PREFIX.sub("", caption)):
        # The boilerplate came first, as its own paragraph ("AFP PHOTO - CORRECTION" above it):
        # the caption is the paragraph after it.
        for m in re.finditer(r"(?:^|\n\s*\n)(?P<para>.+?)(?=\n\s*\n|\Z)", text[end:], re.S):
            para = "\n".join(
                line for line in m.group("para").splitlines() if not _ID_LINE.match(line)
            )
            para = _CAPTION_LABEL.sub("", para)
            if _reads_like_caption(para):
                return para, text[para_start : end + m.end()]
    return caption, text[para_start:end]


# "LÉGENDE CORRIGÉE :", "PIE DE FOTO CORREGIDO:", "Corrected caption:" above the caption.
_CAPTION_LABEL = re.compile(
    r"^\s*(?:(?:corrected|original|new)\s+caption|caption|l[ée]gende(?:\s+corrig[ée]e)?|"
    r"pie\s+de\s+foto(?:\s+corregido)?|leyenda(?:\s+corregida)?|didascalia(?:\s+corretta)?|"
    r"bildtext|legenda(?:\s+corrigida)?)\s*:\s*",
    re.I,
)


def _reads_like_caption(text: str) -> bool:
    """A caption has words of its own, not only a heading's capitals, slugs and numbers."""
    lower = [w for w in text.split() if w[:1].islower()]
    return len(lower) >= 4 or (len(text.split()) >= 6 and bool(dates.event_date(text)))


_ID_LINE = re.compile(r"^\s*(?:AFP\s+(?:ref|photo)\s*:?\s*)?000_[A-Z0-9]{5,12}\s*$|^\s*$", re.I)


def _correction(item: NoticeText, text: str, boiler_start: int, language: str) -> Notice:
    caption_raw, span = _notice_span(text, boiler_start)
    caption = _clean_caption(caption_raw)
    pairs = [
        (nfc(" ".join(m.group("corrected").split())), nfc(" ".join(m.group("erroneous").split())))
        for m in _PAIR.finditer(span)
    ]
    sign_off = _SIGN_OFF.search(caption or "")
    signed = sign_off.group("name").strip() if sign_off else None
    corrections = [
        Correction(field=_field_for(corrected, signed), erroneous=erroneous, corrected=corrected)
        for corrected, erroneous in pairs
    ]
    photographer = next((c.corrected for c in corrections if c.field == "byline"), signed)
    status: NoticeStatus = "parsed"
    reason: str | None = None
    if not corrections:
        status, reason = (
            "needs_review",
            "AFP correction wording found but no [X] instead of [Y] pair",
        )
    city, country = places.event_place(caption or "")
    return Notice(
        agency="AFP",
        kind="correction",
        language=language,
        corrections=corrections,
        identifiers=_identifiers(item, text),
        event=Event(
            date=dates.event_date(caption or span, item.sent_at),
            city=city or item.metadata.get("city"),
            country=country or item.metadata.get("country"),
        ),
        photographer=photographer,
        urgency=facts.urgency(span),
        status=status,
        reason=reason,
        text=" ".join(span.split()),
        caption=caption,
        source=item.source,
        source_kind=item.source_kind,
        sent_at=item.sent_at,
        replacement_follows=facts.replacement_follows(span),
    )


# AFP's kill names the photo, its slug and its photographer in one run of capitals: "THIS PHOTO
# NUMBER 000_34L82NW BRITAIN-ROYALS BY PRINCE OF WALES HAS BEEN WITHDRAWN FROM AFP SYSTEMS".
_KILL_BY = re.compile(
    r"\b000_[A-Z0-9]{5,12}\s+(?:[A-Z0-9][A-Z0-9-]*\s+)?BY\s+(?P<name>[A-ZÀ-Ý][A-ZÀ-Ý'’.\- ]{2,60}?)"
    r"\s+(?:HAS|HAVE|IS|WAS)\s+BEEN\b"
)


def _kill(item: NoticeText, text: str, language: str) -> Notice:
    ids = _identifiers(item, text)
    by = _KILL_BY.search(text)
    if by:
        return common.kill(
            item,
            agency="AFP",
            text=text,
            identifiers=ids,
            unnamed="kill names no AFP photo number: a person must confirm the photo",
            photographer=by.group("name").strip(),
        )
    sign_off = _SIGN_OFF.search(text)
    return common.kill(
        item,
        agency="AFP",
        text=text,
        identifiers=ids,
        unnamed="kill names no AFP photo number: a person must confirm the photo",
        photographer=sign_off.group("name").strip() if sign_off else None,
    )


def _identifiers(item: NoticeText, text: str) -> dict[str, str]:
    """The carrier's ids and every AFP photo number the words name (a kill may list several)."""
    ids = dict(item.identifiers)
    for n, number in enumerate(dict.fromkeys(_AFP_ID.findall(text))):
        ids.setdefault("afp_id" if n == 0 else f"afp_id_{n + 1}", number)
    return ids


def _clean_caption(raw: str) -> str | None:
    caption = _CORRECTION_PREFIX.sub("", raw).strip()
    caption = caption.rstrip("/ ").strip()
    caption = re.sub(r"\s+", " ", caption)
    return caption or None


_DATE_LIKE = re.compile(r"\d{4}|\b\d{1,2}[/.]\d{1,2}\b")


def _field_for(corrected: str, signed: str | None) -> str:
    """Which field an AFP pair corrects. AFP does not say; the caption's sign-off does."""
    if signed and corrected.casefold() == signed.casefold():
        return "byline"
    if _DATE_LIKE.search(corrected) and dates.event_date(corrected):
        return "date"
    if corrected.isupper() and len(corrected.split()) in (2, 3, 4):
        return "byline"  # AFP writes photographers' names in capitals
    return "other"
