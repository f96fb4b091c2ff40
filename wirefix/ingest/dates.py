"""The event's date in a notice: absolute dates in the news languages, relative ones ('on
Monday', 'yesterday') against the notice's own date, and the dates that say when the notice
was sent rather than when the photo was taken."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_MONTHS_EN = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?"
)


_MONTHS_FR = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre"
    "|décembre|decembre"
)


_MONTHS_ES = (
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
)


_MONTHS_DE = (
    "Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
)


_MONTHS_IT = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre"
)


_MONTHS_PT = (
    "janeiro|fevereiro|março|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro"
)


_MONTHS_TR = "Ocak|Şubat|Mart|Nisan|Mayıs|Haziran|Temmuz|Ağustos|Eylül|Ekim|Kasım|Aralık"


_MONTHS_RU = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"


_MONTHS_NL = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
)


_DATE_PATTERNS = [
    # "on February 20, 2017", "Feb. 20 2017"
    re.compile(
        rf"\b(?P<m>{_MONTHS_EN})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I
    ),
    # "20 February 2017"
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<m>{_MONTHS_EN})\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:er)?\s+(?P<m>{_MONTHS_FR})\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+de\s+(?P<m>{_MONTHS_ES})\s+de\s+(?P<y>\d{{4}})\b", re.I),
    # "3. Oktober 2022", "26 novembre 2022", "25 de abril de 2023", "3 oktober 2022"
    re.compile(
        rf"\b(?P<d>\d{{1,2}})\.?\s+(?:de\s+)?(?P<m>{_MONTHS_DE}|{_MONTHS_IT}|{_MONTHS_PT}|{_MONTHS_NL})"
        rf"\s+(?:de\s+)?(?P<y>\d{{4}})\b",
        re.I,
    ),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<m>{_MONTHS_TR}|{_MONTHS_RU})\s+(?P<y>\d{{4}})", re.I),
    # "2024년 5월 18일", Yonhap's "2024.5.18"
    re.compile(r"(?P<y>\d{4})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일"),
    re.compile(r"(?<![\d.])(?P<y>20\d{2}|19\d{2})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})(?![\d.]\d)"),
    # "2023年2月20日"
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    # Day first, as in Europe: "06.03.2025," (dpa), "10/11/2025.-" (EFE), "dated 07/07/16" (PA).
    re.compile(r"(?<![\d./])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?![\d.]\d)"),
    re.compile(r"(?<![\d/])(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\d/])"),
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
]


# Month words -> number. The patterns above already decided the language, so one table serves.
def _numbered(*names: str) -> dict[str, int]:
    return {name: n for n, name in enumerate(names, start=1)}


_MONTH_NUMBER = {
    **_numbered("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    **_numbered("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                "septembre", "octobre", "novembre", "décembre"),
    "fevrier": 2, "aout": 8, "decembre": 12,
    **_numbered("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                "septiembre", "octubre", "noviembre", "diciembre"),
    **_numbered("januar", "februar", "märz", "april", "mai", "juni", "juli", "august",
                "september", "oktober", "november", "dezember"),
    **_numbered("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
                "settembre", "ottobre", "novembre", "dicembre"),
    **_numbered("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
                "setembro", "outubro", "novembro", "dezembro"),
    **_numbered("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                "september", "oktober", "november", "december"),
    **_numbered("ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos",
                "eylül", "ekim", "kasım", "aralık"),
    **_numbered("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                "сентября", "октября", "ноября", "декабря"),
    "jänner": 1, "marco": 3,
}  # fmt: skip


def _month(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    word = word.casefold().rstrip(".")
    return _MONTH_NUMBER.get(word) or _MONTH_NUMBER.get(word[:3])


def _absolute(m: re.Match[str]) -> date | None:
    # Parsed here rather than by dateparser: the pattern already says which part is which,
    # and dateparser was most of the time spent per notice.
    """The date a pattern matched, or None for one that does not exist (February 30)."""
    month = _month(m.group("m"))
    year, day = int(m.group("y")), int(m.group("d"))
    if year < 100:
        year += 2000 if year < 70 else 1900
    if month and month > 12 and day <= 12:  # "11/20/2025": the American order after all
        month, day = day, month
    try:
        return date(year, month, day) if month else None
    except ValueError:
        return None


# A date these words lead into is when the photo was released, sent or filed, not taken.
_NOT_TAKEN = re.compile(
    r"(?:released|issued|issue\s+date|distributed|published|transmitted|sent|provided|supplied|"
    r"publicad[ao]|difundid[ao]|veröffentlicht|diffusée?|transmise?)"
    r"\b[^.\n]{0,80}$",
    re.I,
)


_WEEKDAYS = {
    **dict.fromkeys(("monday", "lundi", "lunes"), 0),
    **dict.fromkeys(("tuesday", "mardi", "martes"), 1),
    **dict.fromkeys(("wednesday", "mercredi", "miércoles", "miercoles"), 2),
    **dict.fromkeys(("thursday", "jeudi", "jueves"), 3),
    **dict.fromkeys(("friday", "vendredi", "viernes"), 4),
    **dict.fromkeys(("saturday", "samedi", "sábado", "sabado"), 5),
    **dict.fromkeys(("sunday", "dimanche", "domingo"), 6),
}


_DAY_OFFSET = {"today": 0, "aujourd'hui": 0, "hoy": 0, "yesterday": -1, "hier": -1, "ayer": -1}


_WEEKDAY_WORDS = "|".join(_WEEKDAYS)


_RELATIVE = re.compile(
    rf"\b(?P<word>today|yesterday|aujourd'hui|hier|hoy|ayer)\b"
    rf"(?:\s*\(\s*(?P<weekday>{_WEEKDAY_WORDS})\s*\))?",
    re.I,
)


# "on Sunday", "ce dimanche", "el domingo": the last such day on or before the notice's date.
_ON_WEEKDAY = re.compile(rf"\b(?:on|ce|el|le)\s+(?P<weekday>{_WEEKDAY_WORDS})\b", re.I)


_WEEKDAY_OR_TIME = re.compile(
    r"^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|[\d:]+|gmt|utc|am|pm|[,.\s-])*$", re.I
)


def _dates_the_notice(text: str, m: re.Match[str]) -> bool:
    """A date alone on one of the notice's first lines ("Monday March 11, 2024" under the
    heading) is when the notice was sent, not when the photo was taken."""
    line_start = text.rfind("\n", 0, m.start()) + 1
    line_end = text.find("\n", m.end())
    line_end = len(text) if line_end < 0 else line_end
    if text.count("\n", 0, line_start) > 3 or "\n" not in text.strip():
        return False  # a value ("November 2, 2022") or a caption on one line: an event date
    rest = text[line_start : m.start()] + " " + text[m.end() : line_end]
    return bool(_WEEKDAY_OR_TIME.match(rest.strip()))


def event_date(text: str, sent_at: str | None = None) -> str | None:
    """The first absolute date in `text` (ISO), else a relative one resolved against `sent_at`.

    "today (Sunday)" is resolved only when the notice has its own date: a notice never gets a
    date it does not carry, and never the date it happens to be read on.
    """
    best: tuple[int, str] | None = None
    released = False
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if _NOT_TAKEN.search(text[max(0, m.start() - 100) : m.start()]) or _dates_the_notice(
                text, m
            ):
                released = True
                continue  # "released by Kensington Palace on March 10, 2024"
            parsed = _absolute(m)
            if parsed and (best is None or m.start() < best[0]):
                best = (m.start(), parsed.isoformat())
            break  # only each pattern's first taken date: the caption's date comes first
    if best:
        return best[1]
    if released:
        return None  # the words date the release, not the photo ("undated handout")
    base = _own_date(sent_at)
    return relative_date(text, base) if base else None


def _own_date(sent_at: str | None) -> date | None:
    if not sent_at:
        return None
    try:
        return datetime.fromisoformat(sent_at).date()
    except ValueError:
        return None


def relative_date(text: str, base: date) -> str | None:
    """ "today (Sunday)", "yesterday", "on Sunday" against the notice's own date `base`.

    When the weekday in brackets disagrees with `base` (a notice sent just after midnight UTC
    about "today (Sunday)"), the nearest day within two days that is that weekday wins.
    """
    m = _RELATIVE.search(text)
    if m:
        day = base + timedelta(days=_DAY_OFFSET[m.group("word").casefold()])
        named = m.group("weekday")
        if named:
            want = _WEEKDAYS[named.casefold()]
            near = [day + timedelta(days=d) for d in (0, -1, 1, -2, 2)]
            day = next((d for d in near if d.weekday() == want), day)
        return day.isoformat()
    m = _ON_WEEKDAY.search(text)
    if m:
        want = _WEEKDAYS[m.group("weekday").casefold()]
        return (base - timedelta(days=(base.weekday() - want) % 7)).isoformat()
    return None
