"""Agencies by the names credits give them, for ingest (credit chains) and match (credits).

A credit names an agency in many ways ("AFP", "AFP PHOTO", "Agence France-Presse"; "REX",
"Shutterstock"); comparing canonical names keeps "AFP/Getty Images" from looking like another
agency than AFP's, and "APA" from looking like AP's.
"""

from __future__ import annotations

import re

# Canonical agency name -> the words that name it in a credit segment (whole segment, any case).
AGENCY_ALIASES: dict[str, tuple[str, ...]] = {
    "AFP": ("afp", "afp photo", "agence france-presse", "agence france presse", "afp/pool"),
    "AP": ("ap", "ap photo", "ap images", "associated press", "the associated press"),
    "Reuters": ("reuters", "thomson reuters", "reuters photo"),
    "Getty Images": ("getty images", "getty", "getty images news", "getty images sport"),
    "EPA": ("epa", "epa-efe", "epa images", "european pressphoto agency"),
    "EFE": ("efe", "agencia efe"),
    "PA": ("pa", "pa images", "pa wire", "pa media", "press association"),
    "dpa": ("dpa", "dpa picture alliance", "picture alliance", "picture-alliance"),
    "ANSA": ("ansa",),
    "Anadolu": (
        "anadolu",
        "anadolu agency",
        "anadolu ajansi",
        "anadolu ajansı",
        "aa",
        "الأناضول",
        "وكالة الأناضول",
    ),
    "Xinhua": ("xinhua", "xinhua news agency", "新华社", "新華社"),
    "Kyodo": ("kyodo", "kyodo news", "共同", "共同通信"),
    "Yonhap": ("yonhap", "연합뉴스"),
    "TASS": ("tass", "itar-tass", "тасс"),
    "Sipa": ("sipa", "sipa press", "sipa usa"),
    "Alamy": ("alamy", "alamy live news", "alamy stock photo"),
    "Shutterstock": ("shutterstock", "rex", "rex features", "rex/shutterstock"),
    "ZUMA Press": ("zuma", "zuma press", "zuma wire", "zuma press wire", "zumapress"),
    "Corbis": ("corbis",),
    "Newscom": ("newscom",),
    "NurPhoto": ("nurphoto",),
    # LightRocket is SOPA Images' imprint at Getty: "X/SOPA Images/LightRocket via Getty Images".
    "SOPA Images": ("sopa images", "sopa images/lightrocket", "lightrocket"),
    "Bloomberg": ("bloomberg",),
    "ABACA": ("abaca", "abacapress"),
    "Imagn": ("imagn", "usa today sports"),
    "ANP": ("anp",),
    "Belga": ("belga",),
    "Keystone": ("keystone", "keystone-sda"),
    "APA": ("apa", "apa-picturedesk"),
    "TT": ("tt", "tt news agency"),
    "NTB": ("ntb", "ntb scanpix"),
    "Ritzau Scanpix": ("ritzau", "ritzau scanpix"),
    "Lehtikuva": ("lehtikuva",),
    "PAP": ("pap",),
    "AAP": ("aap", "aap image"),
    "The Canadian Press": ("cp", "the canadian press", "canadian press"),
    "Jiji Press": ("jiji", "jiji press"),
    "UPI": ("upi",),
    "Sputnik": ("sputnik", "ria novosti"),
    "Agência Brasil": ("agência brasil", "agencia brasil"),
    "LUSA": ("lusa",),
    "WENN": ("wenn",),
    "Landov": ("landov",),
    "WANA": ("wana", "west asia news agency"),
    "VII Photo Agency": ("vii", "vii photo agency", "vii photo"),
    "KCNA": ("kcna", "korean central news agency"),
    "KNS": ("kns",),
    "Barcroft Media": ("barcroft media", "barcroft"),
    "Polaris": ("polaris", "polaris images"),
    "Redux": ("redux", "redux pictures"),
    "Splash News": ("splash news", "splash"),
    "eyevine": ("eyevine",),
    "Avalon": ("avalon",),
    "Backgrid": ("backgrid",),
    "Scanpix": ("scanpix",),
}
_ALIAS = {alias: name for name, aliases in AGENCY_ALIASES.items() for alias in aliases}
_SEPARATORS = re.compile(r"\s*/\s*|\s+via\s+|\s*[,;|]\s*|\s+-\s+|\(|\)", re.I)

# Agencies that sell other agencies' photos: after another agency in a chain they are
# distributors; alone ("Photo by X/Getty Images") they are the originator.
DISTRIBUTORS = {
    "Getty Images", "Alamy", "Shutterstock", "ZUMA Press", "Corbis", "Newscom", "Sipa", "Landov",
    "Barcroft Media", "Polaris", "Redux", "Splash News", "eyevine", "Avalon", "Backgrid",
}  # fmt: skip


def agency_name(segment: str) -> str | None:
    """The canonical agency a credit segment names ("AFP PHOTO" -> AFP), else None."""
    key = " ".join(segment.casefold().replace("’", "'").split()).strip(" .-")
    return _ALIAS.get(key)


def agencies_in(credit: str) -> list[str]:
    """Every agency a file's credit or source names, in order ("X/AFP via Getty Images")."""
    found: list[str] = []
    whole = agency_name(credit)
    parts = [credit] if whole else _SEPARATORS.split(credit)
    for part in parts:
        name = agency_name(part or "")
        if name is None and part:
            words = part.split()
            # "Photo by X/AFP", "AFP PHOTO", "REUTERS TV": the agency is a segment's first or
            # last word, or the whole segment.
            name = agency_name(words[0]) if words else None
            name = name or (agency_name(words[-1]) if len(words) > 1 else None)
        if name and name not in found:
            found.append(name)
    return found


def same_agency(a: str, b: str) -> bool:
    """Whether two names are one agency ("Reuters" and "REUTERS", "AP" and "Associated Press")."""
    return (agency_name(a) or a.casefold()) == (agency_name(b) or b.casefold())
