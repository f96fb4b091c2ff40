"""The event's place in a notice: datelines, 'in CITY, COUNTRY', demonyms and the countries
named, in the news languages."""

from __future__ import annotations

import re

from wirefix.agencies import agency_name
from wirefix.ingest.dates import _DATE_PATTERNS, _MONTHS_EN

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


_NAME = (
    # "Viana do Castelo", "Villa del Parque"; not "de" ("estadio Monumental de Santiago").
    r"[A-ZÀ-Ý][\w'’\-]+(?:[ \-](?:[A-ZÀ-Ý][\w'’\-]+|(?:do|da|dos|das|del|di|du|van|von)"
    r"(?=\s[A-ZÀ-Ý]))){0,3}"
)


_CITY_OF = re.compile(
    rf"\b(?:(?P<demonym>[A-Z][a-z]+)\s+)?(?:city|town|capital|village|port city|district|ville|"
    rf"ciudad|localidad|città|cidade|Stadt|stad)\s+(?:of|de|di|d'|van)\s+(?P<city>{_NAME})"
)


# A country may be written with dots ("U.S.", "Calif.").
_COUNTRY = r"[A-ZÀ-Ý][\w'’.\-]*(?:[ \-][A-ZÀ-Ý][\w'’.\-]*){0,3}"


_PLACE_PREPOSITION = (
    # Not "at" nor "outside": "at Headingley", "outside St Mary's Church" name a place in a city.
    r"(?:in|near|à|en|em|dans|bei|nahe|no|na|près\s+de|cerca\s+de|vicino\s+a|perto\s+de)"
)


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
    rf"^[ \t]*(?P<city>[A-ZÀ-ÝĀ-Ž][A-ZÀ-ÝĀ-Ž'\- ]{{2,}})(?:,\s+(?P<country>{_NAME})\s*[-–—(,]|"
    rf"\s+\((?P<paren>[A-ZÀ-Ý][A-ZÀ-Ý'\- ]{{1,}})\)(?=[,.\s])|,(?=\s+\d))|"
    # "DEN HAAG - Demonstranten ...": a city in capitals alone, then the caption.
    rf"^[ \t]*(?P<alone>[A-ZÀ-Ý][A-ZÀ-Ý'\-]+(?: [A-ZÀ-Ý][A-ZÀ-Ý'\-]+){{0,2}})"
    rf"\s+[-–—]\s+(?=[A-ZÀ-Ý])",
    re.M,
)


# "en Sevilla (España)", "in Quito (Ecuador)".
_CITY_PAREN_COUNTRY = re.compile(
    rf"\b{_PLACE_PREPOSITION}\s+(?P<city>{_NAME})\s+\((?P<country>{_NAME})\)"
)


# Yonhap: "(광주=연합뉴스) 정다운 기자 = ..."
_KOREAN_DATELINE = re.compile(r"\((?P<city>[^=()\s]{1,10})=연합뉴스\)")


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
                                                      reverse=True)) + r")(?![\w])(?!['’][a-rt-z])",
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
    found: list[str] = []
    for m in _COUNTRY_WORDS.finditer(text):
        word = m.group(0)
        if not word[:1].isupper():
            continue
        key = word.casefold()
        found.append(_DEMONYM_KEYS[key] if key in _DEMONYM_KEYS and word not in COUNTRIES else word)
    # A slug's "SYRIA-CONFLICT" names the country too, but the caption's "Syrian" reads better.
    return next((w for w in found if not w.isupper() or len(w) <= 3), found[0] if found else None)


def is_country(word: str) -> bool:
    return word.strip(" .").casefold() in _COUNTRY_KEYS or word.strip(" .") in ("U.S", "U.K")


def event_place(text: str) -> tuple[str | None, str | None]:
    """(city, country) as a caption names them, or (None, None)."""
    m = _CITY_OF.search(text)
    if m:
        country = _DEMONYMS.get(m.group("demonym") or "") or _country_named(text)
        return m.group("city"), country
    for m in _DATELINE.finditer(text):
        head = m.group("alone") or m.group("city") or ""
        if _NOT_DATELINE.search(head) or agency_name(head.split()[0] if head.split() else ""):
            continue  # "AA FOTO - DÜZELTME", "GETTY IMAGES EDITORIAL - ...": a heading
        if m.group("alone"):
            return m.group("alone").strip(), _country_named(text)
        paren = m.group("paren") or ""
        country = m.group("country") or (None if agency_name(paren) else paren.title() or None)
        return _title(m.group("city").strip()), country
    m = _KOREAN_DATELINE.search(text)
    if m:
        return m.group("city"), _country_named(text)
    m = _DPA_DATELINE.search(text)
    if m:
        return m.group("city"), _country_named(text)
    m = _CITY_PAREN_COUNTRY.search(text)
    if m and m.group("city") not in _NOT_PLACES:
        return m.group("city"), m.group("country")
    for m in _PLACE_LIST.finditer(text):
        parts = [p.strip() for p in m.group(2).split(",") if p.strip()]
        country = next((w for p in parts for w in [_last_words(p)] if is_country(w)), None)
        if country and m.group("city") not in _NOT_PLACES:
            return m.group("city"), country
    for m in _CITY_COUNTRY.finditer(text):
        if m.group("city") not in _NOT_PLACES:
            return m.group("city"), _no_date_words(m.group("country").rstrip(".")) or None
    for m in _IN_CITY.finditer(text):
        city = m.group("city") or m.group("city_it")
        if city not in _NOT_PLACES:
            return city, _country_named(text)
    before = _city_before_date(text)
    if before:
        return before[0], before[1] or _country_named(text)
    return None, _country_last_named(text)


_BEFORE_DATE = re.compile(
    rf"(?P<city>{_NAME}),\s+(?:(?P<country>{_NAME}),\s+)?(?:(?:el|le|il|on|the|em|op)\s+)?$"
)


def _city_before_date(text: str) -> tuple[str, str | None] | None:
    """ "... de Santiago, el 21 de septiembre de 2025", "a Bari,\n8 maggio 2025": the place a
    caption names right before its date."""
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            before = _BEFORE_DATE.search(text[max(0, m.start() - 80) : m.start()])
            if before:
                city, country = before.group("city"), before.group("country")
                if country and not is_country(country):
                    city, country = country, None  # "de Matosinhos, Porto, 9 de abril"
                if city not in _NOT_PLACES and not is_country(city):
                    return city, country
            break
    return None


# Capitalised first words of a notice that are its heading, not a dateline's city.
_NOT_DATELINE = re.compile(
    r"FOTO|PHOTO|PICTURE|IMAGES|EDITORIAL|MEDIA|DESK|SERVICE|DÜZELTME|INTREKKING|ANULACI|"
    r"CORR|RECTIF|RETTIF|BERICHT|KILL|ELIMIN|REFILE|ADVISORY|NOTE|ATTENTION|ACHTUNG|ATENCI|"
    r"ATTENZ|UPDATE|URGENT|WARNING|AVISO|AVVISO|\b(?:AFP|AP|REUTERS|EPA|ANSA|LUSA|ANP|DPA)\b"
)


_DATE_WORD = re.compile(
    rf"\s+(?:{_MONTHS_EN}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b.*$", re.I
)


def _no_date_words(country: str) -> str:
    """ "Argentina March" (from "in Rosario, Argentina March 3") -> "Argentina"."""
    return _DATE_WORD.sub("", country)


def _title(name: str) -> str:
    """ "GAZİANTEP" -> "Gaziantep", "SAINT-ÉTIENNE" -> "Saint-Étienne" (str.title() would leave
    the combining dot of a lower-cased Turkish İ)."""
    words = re.sub(r"[^\W\d_]+", lambda m: m.group(0)[0] + m.group(0)[1:].lower(), name)
    return words.replace("i\u0307", "i")


def _last_words(part: str) -> str:
    """ "southwestern Japan" -> "Japan": the capitalised tail of a place part."""
    words = part.split()
    tail = []
    for word in reversed(words):
        if not word[:1].isupper():
            break
        tail.append(word)
    return " ".join(reversed(tail))
