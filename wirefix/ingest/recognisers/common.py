"""What every agency recogniser shares: correction-pair phrasings, field names, building a Notice.

Kept here so that each agency module is only about that agency's own wording.
"""

from __future__ import annotations

import re
from typing import Any

from wirefix.ingest import facts
from wirefix.ingest.recognisers import NoticeText
from wirefix.model import Correction, Event, Notice, NoticeKind, NoticeStatus, nfc

# Recognisers read at most this much of a notice: real notices are a few kilobytes, and a
# bounded input keeps every regular expression's cost bounded too.
MAX_ANALYSED_CHARS = 100_000

# Words agencies use for the field a correction is about, mapped to wirefix's field names.
_FIELD_WORDS = [
    (re.compile(r"credit|crédit|crédito|credito|Bildnachweis|Quellenangabe|来源", re.I), "credit"),
    (
        re.compile(
            r"photographer|byline|by-line|name|spelling|\bnom\b|nombre|fot[oó]grafo|Fotograf|"
            r"fotograaf|firmat|署名|摄影|記者|사진기자",
            re.I,
        ),
        "byline",
    ),
    (re.compile(r"\bdate\b|\bday\b|fecha", re.I), "date"),
    (re.compile(r"\bcity\b|location|dateline|\bville\b|ciudad", re.I), "city"),
    (re.compile(r"country|\bpays\b|\bpaís\b", re.I), "country"),
    (re.compile(r"headline|titre|titular", re.I), "headline"),
    (re.compile(r"caption|légende|leyenda|pie de foto|description", re.I), "caption"),
]


def field_from_words(words: str | None) -> str:
    """The wirefix field an agency's words name ("SPELLING OF PHOTOGRAPHER'S NAME" -> byline)."""
    if not words:
        return "other"
    for pattern, name in _FIELD_WORDS:
        if pattern.search(words):
            return name
    return "other"


def clean(value: str) -> str:
    """One line, NFC, without the quotes and trailing punctuation that surround quoted values."""
    value = " ".join(value.split())
    value = value.strip(" \"'“”‘’«»")
    return nfc(value.rstrip(" .;,:"))


# "CORRECTS SPELLING OF NAME TO X FROM Y", "CORRECTS DATE TO FEB. 20 FROM FEB. 21".
_CORRECTS_TO_FROM = re.compile(
    r"\bCORRECT(?:S|ING|ED)\s+(?P<what>[^\n.;]{0,60}?)\s*\bTO\s+(?P<a>[^\n;]{1,120}?)\s+FROM\s+"
    r"(?P<b>[^\n;]{1,120}?)(?=[;,)]\s|\.\s+(?!\d)|[.;,)]?$|\n|\s[-–—]\s)",
    re.M,
)
# "CORRECTS PHOTOGRAPHER'S NAME FROM Y TO X", "CORRECTING DATE FROM Y TO X".
_CORRECTS_FROM_TO = re.compile(
    r"\bCORRECT(?:S|ING|ED)\s+(?P<what>[^\n.;]{0,60}?)\s*\bFROM\s+(?P<b>[^\n;]{1,120}?)\s+TO\s+"
    r"(?P<a>[^\n;]{1,120}?)(?=[;,)]\s|\.\s+(?!\d)|[.;,)]?$|\n|\s[-–—]\s)",
    re.M,
)
# "CORRECTS X TO Y" (AFP and AP caption prefixes; the erroneous value comes first).
_CORRECTS_X_TO_Y = re.compile(
    r"\bCORRECT(?:S|ING)\s+(?P<b>[^\n;]{1,120}?)\s+TO\s+(?P<a>[^\n;]{1,120}?)(?=[;,)]\s|\.\s+(?!\d)|[.;,)]?$|\n|\s[-–—]\s)",
    re.M,
)
# "[X] instead of [Y]" (AFP), "X instead of Y".
_INSTEAD_OF = re.compile(
    r"[\[【［](?P<a>[^\[\]【】［］\n]{1,120})[\]】］]\s*(?:instead\s+of|au\s+lieu\s+de|en\s+lugar\s+de|"
    r"en\s+vez\s+de|statt|anstatt|anstelle\s+von|invece\s+di|anziché|em\s+vez\s+de|"
    r"ao\s+invés\s+de|no\s+lugar\s+de|in\s+plaats\s+van|而不是|而非|代替|ではなく|대신)"
    r"\s*[\[【［](?P<b>[^\[\]【】［］\n]{1,120})[\]】］]",
    re.I,
)
# "the credit should read X, not Y" / "should read X instead of Y".
_SHOULD_READ = re.compile(
    r"(?:(?P<what>[\w' ]{1,40}?)\s+)?should\s+(?:read|be)\s*:?\s+(?P<a>[^\n;]{1,120}?)"
    r"(?:,?\s+(?:not|instead\s+of|rather\s+than)\s+(?P<b>[^\n;]{1,120}?))?"
    r"(?=;\s|\.\s+(?!\d)|[.;]?$|\n|\s[-–—]\s)",
    re.I | re.M,
)
_LEADING_WHAT = re.compile(r"^(?:the\s+)?(?P<what>[\w' ]+?)\s+(?P<rest>[A-Z0-9].*)$")


def pairs(text: str) -> tuple[list[Correction], list[str]]:
    """Correction pairs in any agency's standard phrasings, and "should read" values without
    the erroneous one (returned apart: a correction needs both sides, so they go to a person)."""
    text = text[:MAX_ANALYSED_CHARS]
    found: list[Correction] = []
    spans: list[tuple[int, int]] = []

    def add(field: str, bad: str, good: str, span: tuple[int, int]) -> None:
        if any(s <= span[0] < e for s, e in spans):
            return
        bad, good = clean(bad), clean(good)
        if bad and good and bad.casefold() != good.casefold():
            found.append(Correction(field=field, erroneous=bad, corrected=good))
            spans.append(span)

    for m in _INSTEAD_OF.finditer(text):
        add("other", m.group("b"), m.group("a"), m.span())
    for pattern in (_CORRECTS_TO_FROM, _CORRECTS_FROM_TO):
        for m in pattern.finditer(text):
            add(field_from_words(m.group("what")), m.group("b"), m.group("a"), m.span())
    for m in _CORRECTS_X_TO_Y.finditer(text):
        bad, what = m.group("b"), None
        lead = _LEADING_WHAT.match(bad)
        if lead and field_from_words(lead.group("what")) != "other":
            what, bad = lead.group("what"), lead.group("rest")
        add(field_from_words(what), bad, m.group("a"), m.span())
    half: list[str] = []
    for m in _SHOULD_READ.finditer(text):
        if m.group("b"):
            add(field_from_words(m.group("what")), m.group("b"), m.group("a"), m.span())
        else:
            half.append(clean(m.group("a")))
    return found, [h for h in half if h]


_ID_LIKE = re.compile(r"\s+(?=[A-Z0-9]*\d)[A-Z0-9_]{6,}$")


def sign_off_name(raw: str | None) -> str | None:
    """A caption sign-off's name without what follows it on the line (an id, a comma clause)."""
    if not raw:
        return None
    name = _ID_LIKE.sub("", raw.split(",")[0]).strip(" ()")
    return nfc(name) or None


def build(
    item: NoticeText,
    *,
    agency: str | None,
    kind: NoticeKind,
    text: str,
    corrections: list[Correction] | None = None,
    identifiers: dict[str, str] | None = None,
    status: NoticeStatus = "parsed",
    reason: str | None = None,
    photographer: str | None = None,
    caption: str | None = None,
    event_text: str | None = None,
    transmitted: str | None = None,
) -> Notice:
    """A Notice with the facts every agency shares (language, event, urgency, replacement)."""
    text = nfc(text)
    place_text = event_text if event_text is not None else (caption or text)
    city, country = facts.event_place(place_text[:MAX_ANALYSED_CHARS])
    return Notice(
        agency=agency,
        kind=kind,
        language=item.metadata.get("language") or facts.language(text[:MAX_ANALYSED_CHARS]),
        corrections=corrections or [],
        identifiers={k: nfc(v) for k, v in (identifiers or item.identifiers).items()},
        event=Event(
            date=facts.event_date(place_text[:MAX_ANALYSED_CHARS], item.sent_at),
            city=city or item.metadata.get("city"),
            country=country or item.metadata.get("country"),
        ),
        photographer=nfc(photographer) if photographer else item.metadata.get("byline"),
        urgency=facts.urgency(text[:MAX_ANALYSED_CHARS]),
        status=status,
        reason=reason,
        text=" ".join(text.split()),
        caption=nfc(caption) if caption else None,
        source=item.source,
        source_kind=item.source_kind,
        sent_at=item.sent_at,
        replacement_follows=facts.replacement_follows(text[:MAX_ANALYSED_CHARS]),
        transmitted=transmitted or facts.transmitted(text[:MAX_ANALYSED_CHARS]),
    )


def kill(
    item: NoticeText,
    *,
    agency: str | None,
    text: str,
    identifiers: dict[str, str],
    unnamed: str,
    **facts_: Any,
) -> Notice:
    """A kill is certain only when it names the photo; without an identifier a person must
    confirm which photo it means (`unnamed` says so in the agency's terms)."""
    return build(
        item,
        agency=agency,
        kind="kill",
        text=text,
        identifiers=identifiers,
        status="parsed" if identifiers else "needs_review",
        reason=None if identifiers else unnamed,
        **facts_,
    )
