"""What every agency recogniser shares: correction-pair phrasings, field names, building a Notice.

Kept here so that each agency module is only about that agency's own wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from wirefix.ingest import dates, facts, places
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
            r"fotograaf|firmat|署名|摄影|記者|사진기자|촬영기자|fotoğrafçı|фотограф",
            re.I,
        ),
        "byline",
    ),
    (
        re.compile(
            r"\bdate\b|\bday\b|fecha|\bDatum\b|\bdata\b|tarih|\bdatum\b|日付|날짜|дата", re.I
        ),
        "date",
    ),
    (
        re.compile(
            r"\bcity\b|location|dateline|\bville\b|ciudad|place\s*name|plaatsnaam|località|"
            r"localidade|\blieu\b|\bOrt\b|Ortsname|地点|地名",
            re.I,
        ),
        "city",
    ),
    (re.compile(r"country|\bpays\b|\bpaís\b", re.I), "country"),
    (re.compile(r"headline|titre|titular", re.I), "headline"),
    (
        re.compile(
            r"caption|légende|leyenda|pie de foto|description|写真説明|キャプション|说明|說明|"
            r"Bildtext|Bildunterschrift|didascalia|legenda|bijschrift|altyazı|подпись|사진 설명",
            re.I,
        ),
        "caption",
    ),
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
    if value.endswith(")") and value.count(")") > value.count("("):
        value = value[:-1]  # "(Photo credit should read X/AFP via Getty Images)"
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
# "CORRECTS DATE TO TUESDAY, OCT. 8, 2024, NOT MONDAY, OCT. 7, 2024 -" (AP).
_CORRECTS_TO_NOT = re.compile(
    r"\bcorrect(?:s|ing|ed)\s+(?P<what>[^\n.;]{0,60}?)\s*\bto\s+(?P<a>[^\n;()]{1,120}?)"
    r"(?:,?\s+not\s+(?P<b>[^\n;()]{1,120}?)(?=\s[-–—]\s|\.?\s*$|\n)"
    r"|\s*\(\s*not:?\s+(?P<b2>[^\n;()]{1,120}?)\s*\))",
    re.M | re.I,
)
# "Refiled to correct the spelling of the photographer's name to X from Y." (Reuters)
_CORRECT_TO_FROM_WORDS = re.compile(
    r"\bcorrect(?:s|ed|ing)?\s+(?:the\s+)?(?P<what>[\w' ]{0,60}?)\s+to\s+(?P<a>[^\n;]{1,120}?)\s+"
    r"from\s+(?P<b>[^\n;]{1,120}?)(?=[.;]\s|[.;]?$|\n)",
    re.I | re.M,
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
# "the credit should read X, not Y" / "should read X instead of Y", and the same in the other
# notice languages. The verb is found first and the rest matched from it: a pattern that began
# with the optional "what" words would try each of them at every position of a long line.
_SHOULD_READ_VERB = re.compile(
    r"\b(?:should\s+(?:read|be)|debe\s+(?:decir|leerse)|léase|doit\s+(?:se\s+lire|être)|"
    r"il\s+faut\s+lire|leia-se|deve\s+ler-se|moet\s+(?:zijn|luiden)|dovrebbe\s+essere|leggasi|"
    r"muss\s+(?:es\s+)?(?:heißen|lauten))",
    re.I,
)
_SHOULD_READ_TAIL = re.compile(
    r"\s*:?\s+(?P<a>[^\n;]{1,120}?)"
    r"(?:,?\s+(?:not|instead\s+of|rather\s+than|y\s+no|et\s+non|e\s+non|und\s+nicht|"
    r"en\s+niet|e\s+não|no)\s+(?P<b>[^\n;]{1,120}?))?"
    r"(?=[;,]\s+(?:como|comme|come|wie|as|zoals)\b|;\s|\.\s+(?!\d)|[.;]?$|\n|\s[-–—]\s)",
    re.I | re.M,
)
_WHAT_BEFORE = re.compile(r"(?P<what>[\w' ]{1,40}?)\s+$")


def _should_read(text: str) -> Iterator[tuple[str | None, str, str | None, tuple[int, int]]]:
    """(what, right value, wrong value or None, span) of each "should read" in `text`."""
    for verb in _SHOULD_READ_VERB.finditer(text):
        tail = _SHOULD_READ_TAIL.match(text, verb.end())
        if tail is None:
            continue
        before = _WHAT_BEFORE.search(text, max(0, verb.start() - 41), verb.start())
        what = before.group("what") if before else None
        yield what, tail.group("a"), tail.group("b"), (verb.start(), tail.end())


# A value as notices write one outside brackets: capitalised words, or a quoted phrase.
_VALUE = (
    r"(?:[\"“«'‘](?P<{0}q>[^\"”»'’\n]{{1,80}})[\"”»'’]|"
    r"(?P<{0}>[A-ZÀ-Ý0-9][\w'’.\-]*(?:[ \t]+(?:[A-ZÀ-Ý0-9][\w'’.\-]*|de|van|der|den|da|di|al|"
    r"el|la|le|y|von|du|dos)){{0,5}}))"
)
_NEGATION = r"(?:not|nicht|non|pas|no|niet|não|NOT)"
# "Lees: DEN HAAG in plaats van ROTTERDAM", "Porto instead of Lisbon": unbracketed values.
_BARE_INSTEAD_OF = re.compile(
    _VALUE.format("a")
    + r"\s+(?:instead\s+of|in\s+plaats\s+van|au\s+lieu\s+de|en\s+lugar\s+de|en\s+vez\s+de|"
    r"statt|anstatt|anstelle\s+von|invece\s+di|anziché|em\s+vez\s+de|no\s+lugar\s+de)\s+"
    + _VALUE.format("b")
)
# "Richtig ist: X (nicht: Y)", "CORRECTED DATE: 14 March 2025 (NOT 13 March 2025)".
_NOT_IN_PARENS = re.compile(
    r"(?P<what>\b(?:richtig|korrekt|correct(?:ed|o|e|a)?|corrett[oa]|juist|heißen|lauten|read)\b"
    r"[\w' ]{0,30}?)\s*:\s*(?P<a>[^()\n:]{1,80}?)\s*\(\s*(?:"
    + _NEGATION
    + r"|statt|anstatt|instead\s+of|au\s+lieu\s+de|en\s+lugar\s+de|invece\s+di|in\s+plaats\s+van)"
    r"\s*:?\s*(?P<b>[^()\n]{1,80}?)\s*\)",
    re.I,
)
# "la località corretta è BARI e non BRINDISI", "the correct name is X and not Y".
_IS_AND_NOT = re.compile(
    r"(?P<what>\b[\w' ]{0,40}?)\s+(?:è|is|est|es|ist|é|era|was)\s+"
    + _VALUE.format("a")
    + r"\s*,?\s+(?:e|and|et|y|und|en)?\s*"
    + _NEGATION
    + r"\s+"
    + _VALUE.format("b")
)
# "onde se lê "Porto" deve ler-se "Matosinhos"", "where it reads X, it should read Y".
_WHERE_IT_READS = re.compile(
    r"(?:where\s+it\s+(?:reads|says|said)|onde\s+se\s+lê|donde\s+dec[ií]a|donde\s+dice|donde\s+pone|"
    r"là\s+où\s+(?:on\s+lit|il\s+est\s+"
    r"écrit)|wo\s+(?:es\s+heißt|steht)|waar\s+staat|dove\s+si\s+legge)\s*:?\s*"
    + _VALUE.format("b")
    + r"\s*,?\s*(?:(?:it\s+)?should\s+read|deve\s+ler-se|debe\s+(?:decir|leerse)|il\s+faut\s+lire|"
    r"lire|muss\s+es\s+heißen|moet\s+staan|leggasi|si\s+legga)\s*:?\s*" + _VALUE.format("a"),
    re.I,
)
# Chinese: 拍摄地点“都江堰”有误，应为“雅安” ("... 'X' is wrong, it should be 'Y'").
_CJK_WRONG_SHOULD_BE = re.compile(
    r"[“\"「](?P<b>[^”\"」]{1,40})[”\"」]\s*(?:有误|错误|有錯|錯誤)[，,]?\s*(?:应为|应是|应该是|更正为|應為)"
    r"\s*[“\"「](?P<a>[^”\"」]{1,40})[”\"」]"
)
# "taken in ISTANBUL and not in ANKARA": the place it was, and the one it was said to be.
_IN_NOT_IN = re.compile(
    r"\b(?:in|at)\s+"
    + _VALUE.format("a")
    + r"\s+(?:and\s+)?not\s+(?:in|at)\s+"
    + _VALUE.format("b")
)
# Turkish: tarih "12 Mart 2024" yerine "13 Mart 2024" ("instead of" follows the wrong value).
_TR_YERINE = re.compile(
    r"[\"“'‘](?P<b>[^\"”'’\n]{1,80})[\"”'’]\s+yerine\s+[\"“'‘](?P<a>[^\"”'’\n]{1,80})[\"”'’]"
)
# Japanese: 「頭を下げる王毅大使」とあるのは「すぐに着席する王毅大使」の誤り (A is an error for B).
_JA_ERROR_FOR = re.compile(r"「(?P<b>[^」]{1,60})」\s*とあるのは\s*「(?P<a>[^」]{1,60})」\s*の誤り")
# Korean: '정다은'에서 '정다운'으로 바로잡습니다 ("from X to Y we correct").
_KO_FROM_TO = re.compile(
    r"['‘\"](?P<b>[^'’\"\n]{1,40})['’\"]\s*에서\s*['‘\"](?P<a>[^'’\"\n]{1,40})['’\"]\s*(?:으로|로)\s*"
    r"(?:바로잡|정정|수정)"
)
# Getty: "The person previously misidentified as Noemi Okafor is Naomi Okafor-Reyes."
_MISIDENTIFIED = re.compile(
    r"(?:misidentified|misnamed|wrongly\s+identified|incorrectly\s+identified|identified\s+in\s+error)"
    r"\s+as\s+"
    + _VALUE.format("b")
    + r"\s+(?:is|was|should\s+be|is\s+in\s+fact)\s+"
    + _VALUE.format("a")
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
        good = _aligned(good, bad)
        if bad and good and bad.casefold() != good.casefold():
            found.append(Correction(field=field, erroneous=bad, corrected=good))
            spans.append(span)

    for m in _INSTEAD_OF.finditer(text):
        add("other", m.group("b"), m.group("a"), m.span())
    for m in _CORRECTS_TO_NOT.finditer(text):
        add(
            field_from_words(m.group("what")), m.group("b") or m.group("b2"), m.group("a"), m.span()
        )
    for pattern in (_CORRECTS_TO_FROM, _CORRECTS_FROM_TO, _CORRECT_TO_FROM_WORDS):
        for m in pattern.finditer(text):
            add(field_from_words(m.group("what")), m.group("b"), m.group("a"), m.span())
    for m in _CORRECTS_X_TO_Y.finditer(text):
        bad, what = m.group("b"), None
        lead = _LEADING_WHAT.match(bad)
        if lead and field_from_words(lead.group("what")) != "other":
            what, bad = lead.group("what"), lead.group("rest")
        add(field_from_words(what), bad, m.group("a"), m.span())
    for m in _NOT_IN_PARENS.finditer(text):
        add(field_from_words(m.group("what")), m.group("b"), m.group("a"), m.span())
    for m in _WHERE_IT_READS.finditer(text):
        add("other", _val(m, "b"), _val(m, "a"), m.span())
    for m in _CJK_WRONG_SHOULD_BE.finditer(text):
        what = text[max(0, m.start() - 12) : m.start()]
        add(field_from_words(what), m.group("b"), m.group("a"), m.span())
    for m in _MISIDENTIFIED.finditer(text):
        add("caption", _val(m, "b"), _val(m, "a"), m.span())
    for m in _IN_NOT_IN.finditer(text):
        add("city", _val(m, "b"), _val(m, "a"), m.span())
    for pattern in (_TR_YERINE, _JA_ERROR_FOR, _KO_FROM_TO):
        for m in pattern.finditer(text):
            what = text[max(0, m.start() - 40) : m.start()]
            add(field_from_words(what), m.group("b"), m.group("a"), m.span())
    half: list[str] = []
    for what, good, bad, span in _should_read(text):
        if bad:
            add(field_from_words(what), bad, good, span)
        else:
            half.append(clean(good))
    previous = _PREVIOUSLY.search(text)
    if previous and half:  # "The credit previously read X." ... "credit should read Y"
        what = previous.group("what") or ""
        add(field_from_words(what) if what else "other", previous.group("b"), half[0],
            previous.span())  # fmt: skip
    for m in _BARE_INSTEAD_OF.finditer(text):
        add("other", _val(m, "b"), _val(m, "a"), m.span())
    for m in _IS_AND_NOT.finditer(text):
        add(field_from_words(m.group("what")), _val(m, "b"), _val(m, "a"), m.span())
    return [_whole_dates(c, text) for c in found], [h for h in half if h]


_PREVIOUSLY = re.compile(
    r"(?P<what>\b[\w' ]{0,30}?)\s*\bpreviously\s+(?:read|said|was|stated)\s*:?\s+"
    r"(?P<b>[^\n;]{2,120}?)(?=\.\s|\.?$|\n)",
    re.I | re.M,
)


def _aligned(good: str, bad: str) -> str:
    """ "Oberbürgermeisterin Annegret Schäfer-Kühn" for "Annegret Schäfer-Kuhn": the right value
    without the words in front of it that the wrong one does not have (a title, "the")."""
    g, b = good.split(), bad.split()
    if len(g) > len(b) >= 1 and g[-len(b)][:1].casefold() == b[0][:1].casefold():
        tail = g[-len(b) :]
        if tail[0].casefold() == b[0].casefold() or len(b) > 1:
            return " ".join(tail)
    return good


def _val(m: re.Match[str], name: str) -> str:
    """A matched value, quoted or bare; a bare one ends with its sentence ("ROTTERDAM. Excuses")."""
    if m.group(name + "q"):
        return m.group(name + "q")
    return re.split(r"(?<=[a-zà-ÿ]{2}|[A-ZÀ-Ý]{2})\.\s", m.group(name) or "", maxsplit=1)[0]


# "Photo credit should read: X/PA Wire" is how some agencies always give their credit: without
# other correction words it is an instruction, not a correction.
STANDING_CREDIT = re.compile(r"\b(?:photo\s+)?credit\s+should\s+read\s*:?", re.I)


_DATE_VALUE = re.compile(
    r"(?:(?:MON|TUES|WEDNES|THURS|FRI|SATUR|SUN)DAY,?\s+)?(?:[A-Z]{3,9}\.?\s+\d{1,2}(?:,?\s+\d{4})?|"
    r"\d{1,2}\s+[A-Z]{3,9}\.?(?:\s+\d{4})?)",
    re.I,
)


def _whole_dates(c: Correction, text: str) -> Correction:
    """A date cut at its comma ("MONDAY" of "MONDAY, OCT. 13, 2025") is read whole again."""
    if c.field != "date":
        return c
    whole = []
    for value in (c.erroneous, c.corrected):
        at = text.find(value)
        m = _DATE_VALUE.match(text, at) if at >= 0 else None
        whole.append(clean(m.group(0)) if m and len(m.group(0)) > len(value) else value)
    return Correction("date", whole[0], whole[1])


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
    city, country = places.event_place(place_text[:MAX_ANALYSED_CHARS])
    return Notice(
        agency=agency,
        kind=kind,
        language=item.metadata.get("language") or facts.language(text[:MAX_ANALYSED_CHARS]),
        corrections=corrections or [],
        identifiers={k: nfc(v) for k, v in (identifiers or item.identifiers).items()},
        event=Event(
            date=dates.event_date(place_text[:MAX_ANALYSED_CHARS], item.sent_at),
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
