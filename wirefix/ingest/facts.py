"""Facts that every recogniser pulls out of a notice's words: event date, place, urgency, language.

Kept apart from the agency recognisers so that each of them stays about its agency's wording.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from typing import Any

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
    r"\b[^.\n]{0,40}$",
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
            if _NOT_TAKEN.search(text[max(0, m.start() - 60) : m.start()]) or _dates_the_notice(
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


# Demonyms that agencies put before "city of X" ("the southern Syrian city of Daraa").
# Only what is needed to name a country from a caption; the matcher does not depend on it.
_DEMONYMS = {
    "Afghan": "Afghanistan",
    "Algerian": "Algeria",
    "American": "United States",
    "Argentine": "Argentina",
    "Australian": "Australia",
    "Austrian": "Austria",
    "Belgian": "Belgium",
    "Brazilian": "Brazil",
    "British": "United Kingdom",
    "Canadian": "Canada",
    "Chinese": "China",
    "Colombian": "Colombia",
    "Egyptian": "Egypt",
    "French": "France",
    "German": "Germany",
    "Greek": "Greece",
    "Indian": "India",
    "Iranian": "Iran",
    "Iraqi": "Iraq",
    "Israeli": "Israel",
    "Italian": "Italy",
    "Japanese": "Japan",
    "Jordanian": "Jordan",
    "Kenyan": "Kenya",
    "Lebanese": "Lebanon",
    "Libyan": "Libya",
    "Malian": "Mali",
    "Mexican": "Mexico",
    "Moroccan": "Morocco",
    "Nigerian": "Nigeria",
    "Pakistani": "Pakistan",
    "Palestinian": "Palestinian Territories",
    "Polish": "Poland",
    "Russian": "Russia",
    "Saudi": "Saudi Arabia",
    "Somali": "Somalia",
    "Spanish": "Spain",
    "Sudanese": "Sudan",
    "Syrian": "Syria",
    "Tunisian": "Tunisia",
    "Turkish": "Turkey",
    "Ukrainian": "Ukraine",
    "Venezuelan": "Venezuela",
    "Yemeni": "Yemen",
}
_NAME = r"[A-ZÀ-Ý][\w'’\-]+(?:[ \-][A-ZÀ-Ý][\w'’\-]+){0,3}"
_CITY_OF = re.compile(
    rf"\b(?:(?P<demonym>[A-Z][a-z]+)\s+)?(?:city|town|capital|village|port city|district|ville|"
    rf"ciudad|localidad|città|cidade|Stadt|stad)\s+(?:of|de|di|d'|van)\s+(?P<city>{_NAME})"
)
# A country may be written with dots ("U.S.", "Calif.").
_COUNTRY = r"[A-ZÀ-Ý][\w'’.\-]*(?:[ \-][A-ZÀ-Ý][\w'’.\-]*){0,3}"
_PLACE_PREPOSITION = r"(?:in|near|outside|at|à|en|em|dans|bei|nahe|no|na)"
_CITY_COUNTRY = re.compile(
    rf"\b{_PLACE_PREPOSITION}\s+(?P<city>{_NAME}),\s+(?P<country>{_COUNTRY})(?=[\s,.;)]|$)"
)
# "in Brasilia on November 2", "à Paris, le 7 mars", "in Berlin vom 3. Oktober", "a Ischia del".
_IN_CITY = re.compile(
    rf"\b{_PLACE_PREPOSITION}\s+(?P<city>{_NAME})(?=[,.;]|\s+(?:on|during|after|before|as|"
    rf"when|while|taken|le|el|vom|am|del|della|op|em|de)\b|\s*$)"
    rf"|\ba\s+(?P<city_it>{_NAME})\s+(?=(?:del|della|dello|dei|il|nel)\b)"
)
# Capitalised words after "in" that are not places.
_NOT_PLACES = {
    "The", "This", "That", "These", "Parliament", "Congress", "Court", "January", "February",
    "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "AFP", "Reuters", "Getty", "Getty Images", "EPA", "AP", "Photo", "Foto", "English", "French",
}  # fmt: skip
_DATELINE = re.compile(
    rf"^[ \t]*(?P<city>[A-ZÀ-Ý][A-ZÀ-Ý'\- ]{{2,}})(?:,\s+(?P<country>{_NAME})\s*[-–—(,]|"
    rf"\s+\((?P<paren>[A-ZÀ-Ý][A-ZÀ-Ý'\- ]{{2,}})\)(?=[,.\s]))|"
    # "DEN HAAG - Demonstranten ...": a city in capitals alone, then the caption.
    rf"^[ \t]*(?P<alone>[A-ZÀ-Ý][A-ZÀ-Ý'\-]+(?: [A-ZÀ-Ý][A-ZÀ-Ý'\-]+){{0,2}})"
    rf"\s+[-–—]\s+(?=[A-ZÀ-Ý])",
    re.M,
)
# dpa: "06.03.2025, Sachsen, Leipzig: Besucher ...", "18.09.2025, Hamburg: ..."
_DPA_DATELINE = re.compile(
    rf"^[ \t]*\d{{1,2}}\.\d{{1,2}}\.\d{{4}},\s+(?:(?P<region>{_NAME}),\s+)?(?P<city>{_NAME}):",
    re.M,
)
# "in Tondo, Manila, Philippines", "in Yatsushiro, Kumamoto Prefecture, southwestern Japan":
# the city is the first place, the country the first later part that is one.
_PLACE_LIST = re.compile(
    rf"\b{_PLACE_PREPOSITION}\s+(?P<city>{_NAME})((?:,\s+[\w'’.\- ]{{2,40}}?){{1,3}})(?=,|\.\s|$)",
    re.M,
)


# Country names as English captions write them (and as agencies' datelines do).
COUNTRIES = {
    "Afghanistan", "Albania", "Algeria", "Angola", "Argentina", "Armenia", "Australia", "Austria",
    "Azerbaijan", "Bahrain", "Bangladesh", "Belarus", "Belgium", "Bolivia", "Bosnia", "Brazil",
    "Bulgaria", "Burkina Faso", "Cambodia", "Cameroon", "Canada", "Chad", "Chile", "China",
    "Colombia", "Congo", "Croatia", "Cuba", "Cyprus", "Czech Republic", "Denmark", "Ecuador",
    "Egypt", "El Salvador", "England", "Eritrea", "Estonia", "Ethiopia", "Finland", "France",
    "Gaza", "Georgia", "Germany", "Ghana", "Greece", "Guatemala", "Haiti", "Honduras", "Hungary",
    "Iceland", "India", "Indonesia", "Iran", "Iraq", "Ireland", "Israel", "Italy", "Ivory Coast",
    "Jamaica", "Japan", "Jordan", "Kazakhstan", "Kenya", "Kosovo", "Kuwait", "Laos", "Latvia",
    "Lebanon", "Libya", "Lithuania", "Luxembourg", "Madagascar", "Malaysia", "Mali", "Malta",
    "Mexico", "Moldova", "Mongolia", "Montenegro", "Morocco", "Mozambique", "Myanmar", "Nepal",
    "Netherlands", "New Zealand", "Nicaragua", "Niger", "Nigeria", "North Korea", "Norway",
    "Oman", "Pakistan", "Panama", "Paraguay", "Peru", "Philippines", "Poland", "Portugal",
    "Qatar", "Romania", "Russia", "Rwanda", "Saudi Arabia", "Scotland", "Senegal", "Serbia",
    "Singapore", "Slovakia", "Slovenia", "Somalia", "South Africa", "South Korea", "South Sudan",
    "Spain", "Sri Lanka", "Sudan", "Sweden", "Switzerland", "Syria", "Taiwan", "Tanzania",
    "Thailand", "Tunisia", "Turkey", "Türkiye", "Uganda", "Ukraine", "United Arab Emirates",
    "United Kingdom", "United States", "Uruguay", "Uzbekistan", "Venezuela", "Vietnam", "Wales",
    "West Bank", "Yemen", "Zambia", "Zimbabwe", "U.S.", "USA", "UK", "Britain",
    "España", "Francia", "Alemania", "Italia", "Deutschland", "Frankreich",
    "México", "Perú", "Brasil", "Turquía", "Nederland", "Belgique", "Suisse",
}  # fmt: skip
_COUNTRY_WORDS = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in sorted({*_DEMONYMS, *COUNTRIES}, key=len,
                                                      reverse=True)) + r")(?![\w'’])",
    re.I,
)  # fmt: skip
_COUNTRY_KEYS = {c.casefold(): c for c in COUNTRIES}
_DEMONYM_KEYS = {d.casefold(): c for d, c in _DEMONYMS.items()}


def _country_last_named(text: str) -> str | None:
    """Where a caption names no city: the last country it names ("in Kharkiv region, Ukraine",
    "REUTERS/Adnan Hajj (LEBANON)"), never a demonym ("an Israeli air raid" is not Israel)."""
    found = None
    for m in _COUNTRY_WORDS.finditer(text):
        word = m.group(0)
        if word[:1].isupper() and (word in COUNTRIES or word.casefold() in _COUNTRY_KEYS):
            found = word
    return found


def _country_named(text: str) -> str | None:
    """The country a caption names elsewhere ("a Syrian pro-government position" -> Syria,
    "REUTERS/Adnan Hajj (LEBANON)" -> LEBANON), as written; a demonym gives its country.

    Only capitalised words count: "china" the porcelain and "turkey" the bird are not places.
    """
    for m in _COUNTRY_WORDS.finditer(text):
        word = m.group(0)
        if not word[:1].isupper():
            continue
        key = word.casefold()
        if key in _DEMONYM_KEYS and word not in COUNTRIES:
            return _DEMONYM_KEYS[key]
        return word
    return None


def is_country(word: str) -> bool:
    return word.strip(" .").casefold() in _COUNTRY_KEYS or word.strip(" .") in ("U.S", "U.K")


def event_place(text: str) -> tuple[str | None, str | None]:
    """(city, country) as a caption names them, or (None, None)."""
    m = _CITY_OF.search(text)
    if m:
        country = _DEMONYMS.get(m.group("demonym") or "") or _country_named(text)
        return m.group("city"), country
    m = _DATELINE.search(text)
    if m and not _NOT_DATELINE.search(m.group("alone") or ""):
        if m.group("alone"):
            return m.group("alone").strip(), _country_named(text)
        country = m.group("country") or (m.group("paren") or "").title() or None
        return m.group("city").strip().title(), country
    m = _DPA_DATELINE.search(text)
    if m:
        return m.group("city"), _country_named(text)
    for m in _PLACE_LIST.finditer(text):
        parts = [p.strip() for p in m.group(2).split(",") if p.strip()]
        country = next((w for p in parts for w in [_last_words(p)] if is_country(w)), None)
        if country and m.group("city") not in _NOT_PLACES:
            return m.group("city"), country
    for m in _CITY_COUNTRY.finditer(text):
        if m.group("city") not in _NOT_PLACES:
            return m.group("city"), m.group("country").rstrip(".") or None
    for m in _IN_CITY.finditer(text):
        city = m.group("city") or m.group("city_it")
        if city not in _NOT_PLACES:
            return city, _country_named(text)
    city = _city_before_date(text)
    if city:
        return city, _country_named(text)
    return None, _country_last_named(text)


_BEFORE_DATE = re.compile(rf"(?P<city>{_NAME}),\s+(?:(?:el|le|il|on|the|em|op)\s+)?$")


def _city_before_date(text: str) -> str | None:
    """ "... de Santiago, el 21 de septiembre de 2025", "a Bari,\n8 maggio 2025": the place a
    caption names right before its date."""
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            before = _BEFORE_DATE.search(text[max(0, m.start() - 60) : m.start()])
            if before and before.group("city") not in _NOT_PLACES and not is_country(
                before.group("city")
            ):
                return before.group("city")
            break
    return None


# Capitalised first words of a notice that are its heading, not a dateline's city.
_NOT_DATELINE = re.compile(
    r"CORR|RECTIF|RETTIF|BERICHT|KILL|ELIMIN|REFILE|ADVISORY|NOTE|ATTENTION|ACHTUNG|ATENCI|"
    r"ATTENZ|UPDATE|URGENT|WARNING|AVISO|AVVISO|\b(?:AFP|AP|REUTERS|EPA|ANSA|LUSA|ANP|DPA)\b"
)


def _last_words(part: str) -> str:
    """ "southwestern Japan" -> "Japan": the capitalised tail of a place part."""
    words = part.split()
    tail = []
    for word in reversed(words):
        if not word[:1].isupper():
            break
        tail.append(word)
    return " ".join(reversed(tail))


_URGENCY = re.compile(
    r"\b(?:immediately|immédiatement|inmediatamente|urgent(?:ly)?|as soon as possible|"
    r"without delay|mandatory kill|sans délai)\b",
    re.I,
)


def urgency(text: str) -> str | None:
    """The sentence that carries the agency's urgency wording, as written.

    The keyword is found first and the sentence grown around it: a pattern that matched the
    whole sentence at once would take quadratic time on a long line without full stops.
    """
    m = _URGENCY.search(text)
    if not m:
        return None
    start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
    ends = [i for i in (text.find(".", m.end()), text.find("\n", m.end())) if i >= 0]
    end = min(ends) if ends else len(text)
    return " ".join(text[start:end].split())


#: Languages the recognisers read (AFP writes in English, French and Spanish; the others English).
RECOGNISED_LANGUAGES = frozenset({"en", "fr", "es"})

# The languages agencies and newsrooms write notices in. Identifying among these only (not all
# 97 of the model) keeps a short notice full of names from being called Luxembourgish or Latin.
_NEWS_LANGUAGES = {
    "en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
    "ar": "Arabic", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "cs": "Czech",
    "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian", "el": "Greek", "tr": "Turkish",
    "he": "Hebrew", "fa": "Persian", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
    "fi": "Finnish", "ca": "Catalan", "id": "Indonesian", "vi": "Vietnamese", "th": "Thai",
    "hi": "Hindi", "hr": "Croatian", "sr": "Serbian", "bg": "Bulgarian",
}  # fmt: skip
# Text that says nothing of the language it sits in: bracketed values ("[ERIC FEFERBERG]"),
# words in capitals (names, agency codes, slugs), addresses, numbers and photo ids.
_NOT_LANGUAGE = re.compile(
    r"\[[^\]\n]{0,120}\]|https?://\S+|\S+@\S+|\b[\w-]*\d[\w-]*\b|"
    r"\b[A-ZÀ-Ý][A-ZÀ-Ý'’\-]+\b(?:\s+[A-ZÀ-Ý][A-ZÀ-Ý'’\-]+\b)*"
)


@functools.cache
def _identifier() -> Any:
    """py3langid's model, loaded once per process and only when a notice is read (0.6 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted(_NEWS_LANGUAGES))
    return identifier


def language(text: str) -> str:
    """The notice's language (ISO 639-1), identified by py3langid among the news languages.

    Names, capitals and bracketed values are taken out first; a notice with too few words of
    its own left to tell (a bare "KILL" line) is English, the wire's working language.
    """
    words = _NOT_LANGUAGE.sub(" ", text[:20_000])
    if sum(ch.isalpha() for ch in words) < 12:
        # A notice in capitals throughout: its words, lower-cased (the model knows lower case).
        words = text[:20_000].lower()
        if sum(ch.isalpha() for ch in words) < 12:
            return "en"
    code, _confidence = _identifier().classify(words)
    return str(code)


def language_name(code: str) -> str:
    return _NEWS_LANGUAGES.get(code, code)


_REPLACEMENT = re.compile(
    r"(?P<neg>\bno\b[^.\n]{0,40}|\bnot\b[^.\n]{0,10}|\bpas\s+de\s+|\bsin\s+)?"
    r"\b(?:replacement|remplacement|substitute|sustituci[oó]n|reemplazo|will\s+be\s+replaced|"
    r"sera\s+remplac[ée]e?|ser[aá]\s+sustituid[ao]|REFILED?\s+TO\s+FOLLOW)\b"
    r"(?P<after>[^.\n]{0,40})",
    re.I,
)


def replacement_follows(text: str) -> bool:
    """Whether the agency says a replacement or corrected version will be sent.

    "No replacement will follow" and "will not be replaced" say the opposite, so negations
    right before the word (or "will not" right after it) count against it.
    """
    for m in _REPLACEMENT.finditer(text):
        if m.group("neg") or re.match(r"\s*(?:will|shall)\s+not\b", m.group("after"), re.I):
            continue
        return True
    return False


_TRANSMITTED = re.compile(
    r"\b(?:transmitted|moved|sent|transmise?|transmitida)\s+(?:on\s+|le\s+|el\s+)?", re.I
)


def transmitted(text: str) -> str | None:
    """The date a notice says the photo was transmitted ("transmitted on February 20, 2017")."""
    for m in _TRANSMITTED.finditer(text):
        day = event_date(text[m.end() : m.end() + 40])
        if day:
            return day
    return None
