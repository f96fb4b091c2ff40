"""Credit lines: who took the photo, which agency made it and which ones carried it.

A news photo's credit names a chain, originator first and the distributors after it:
"MOHAMAD ABAZEED/AFP/Getty Images", "(Photo by X/AFP via Getty Images)", "REUTERS/X/Alamy",
"(AP Photo/X)", "EPA-EFE/X", an AFP caption's sign-off "/ AFP / X /". A notice names its credit
chain in those words ("Photo credit should read X/AFP/Getty Images"), and the chain tells the
originator (AFP, which issued the notice) from the distributors (Getty Images, which only carried
it). Without that, whoever redistributes a photo would look like its author, and a file credited
to the originator would look like another agency's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from wirefix.agencies import DISTRIBUTORS, agency_name
from wirefix.model import nfc

# Words a name segment never is: a credit's surrounding prose ("Photo credit should read").
_NOT_A_NAME = {
    "the", "a", "an", "and", "or", "of", "photo", "photos", "picture", "credit", "by", "via",
    "handout", "file", "pool", "this", "that", "please", "caption", "correction",
}  # fmt: skip

_SEGMENT_WORD = r"[^\s/()\[\],;:]+"
# Up to six slash-separated segments (the outer ones may run into prose), at least one slash.
_CHAIN = re.compile(
    rf"(?P<chain>(?:{_SEGMENT_WORD}(?:[ \t]+{_SEGMENT_WORD}){{0,12}})?"
    rf"(?:[ \t]*/[ \t]*(?:{_SEGMENT_WORD}(?:[ \t]+{_SEGMENT_WORD}){{0,12}})?){{1,5}})"
)
_SHOULD_READ = re.compile(
    r"(?:photo\s+)?credit\b[^.()\n]{0,30}?\bshould\s+(?:read|be)\s*:?\s*(?P<credit>[^()\n]{3,160}?)"
    r"\s*(?:\)|$|\n|\.(?:\s|$)|,?\s+(?:not|instead\s+of|rather\s+than)\b)",
    re.I,
)
# "X/WANA (West Asia News Agency) via REUTERS": an agency's name spelled out before "via".
_EXPANSION_BEFORE_VIA = re.compile(r"(?<=\w)\s*\((?=[A-Z])[^()\n]{3,50}\)(?=\s+v[ií]a\s)")
# "(Ayşegül Yıldırım Özdemir - Anadolu Ajansı)", "(تصوير: محمود أبو الريش - الأناضول)".
_DASH_CREDIT = re.compile(
    r"\((?:[^():\n]{1,20}:\s*)?(?P<name>[^()\n\-–]{3,60}?)\s+[-–]\s+(?P<agency>[^()\n]{2,40})\)"
)
_VIA = re.compile(r"(?:^|\s+)v[ií]a\s+", re.I)
_WRONG_AFTER = re.compile(r",?\s+(?:instead\s+of|not|rather\s+than|y\s+no|et\s+non|statt)\s+", re.I)
# What stands before a credit's name: "Photo by", "Foto de", "Photo:", "Bild:", "Credit:".
_LEAD_IN = re.compile(
    r"^\(?\s*(?:(?:photo|photos|picture|image|foto|fotos|bild|credit|crédit|crédito|byline)"
    r"\s*(?:by|de|di|von|van|:)?\s*:?\s*)+",
    re.I,
)


@dataclass(frozen=True)
class CreditChain:
    """One credit as the words give it: photographer(s), originator, distributors."""

    raw: str
    photographers: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)  # in the order the credit names them
    should_read: bool = False  # the notice says this is what the credit must read
    start: int = 0
    carriers: list[str] = field(default_factory=list)  # named after "via": distributors

    @property
    def originator(self) -> str | None:
        """The first agency that is not a mere distributor, else the first agency."""
        makers = [a for a in self.agencies if a not in DISTRIBUTORS and a not in self.carriers]
        if makers:
            return makers[0]
        return self.agencies[0] if self.agencies else None

    @property
    def distributors(self) -> list[str]:
        origin = self.originator
        return [a for a in self.agencies if a != origin]

    @property
    def photographer(self) -> str | None:
        return self.photographers[0] if self.photographers else None


# Lower-case particles inside people's names ("Remko de Waal", "Ahmad al-Rubaye").
_PARTICLES = {"de", "da", "das", "do", "dos", "van", "der", "den", "von", "le", "la", "del",
              "di", "du", "al", "el", "bin", "ibn", "ter", "y", "e", "zu", "of"}  # fmt: skip


def _is_name(words: list[str]) -> bool:
    if not 1 <= len(words) <= 5:
        return False
    if all(w.casefold().strip(".") in _NOT_A_NAME for w in words):
        return False
    capitalised = all(
        w[:1].isupper() or not w[:1].isalpha() or w.casefold() in _PARTICLES for w in words
    )
    return capitalised and words[0][:1].isupper() and any(ch.isalpha() for w in words for ch in w)


# What wires append to a sign-off: "PIOTR NOWAK POLAND OUT", "... NO SALES", "MANDATORY CREDIT".
_RESTRICTION = re.compile(
    r"(?:\s+[A-Z]{2,}){0,2}\s+OUT\b.*$|\s+(?:NO\s+(?:SALES|ARCHIVES|RESALES)|EDITORIAL\s+USE|"
    r"MANDATORY\s+CREDIT|TPX\b|HANDOUT\b).*$"
)
_INITIALS = re.compile(r"^(?:[A-ZÀ-Ý]\.){1,3}$")


def _edge_words(segment: str, first: bool) -> list[str]:
    """The capitalised words at a chain's outer edge: "Photo by JOHN DOE" -> [JOHN, DOE]."""
    words = segment.split()
    picked: list[str] = []
    for word in reversed(words) if first else words:
        particle = word.casefold() in _PARTICLES and bool(picked)
        if particle:
            picked.append(word)
            continue
        initial = bool(_INITIALS.match(word))  # "H.W.", "A." inside a name
        if not (word[:1].isupper() or word[:1].isdigit()) or (
            word.endswith((".", "!", "?")) and not initial
        ):
            if not first and word[:1].isupper():
                picked.append(word.rstrip(".!?"))  # "Zhang Yuwei. We apologize": its last word
            break
        if not first and picked and len(word) > 1 and word.isupper() != picked[0].isupper():
            break  # "Ahmed Jadallah TPX IMAGES OF THE DAY": the name ends where the case does
        picked.append(word)
    while picked and picked[-1].casefold() in _PARTICLES:
        picked.pop()
    return list(reversed(picked)) if first else picked


def _parse(raw: str, start: int, should_read: bool = False) -> CreditChain | None:
    pieces: list[tuple[str, bool]] = []  # (segment, named after "via": a distributor)
    for part in raw.split("/"):
        for k, piece in enumerate(_VIA.split(part)):
            via = k > 0 or bool(_VIA.match(part))
            pieces.append((_LEAD_IN.sub("", piece).strip(), via))
    agencies: list[str] = []
    carriers: list[str] = []
    names: list[str] = []
    last = len(pieces) - 1
    for n, (segment, via) in enumerate(pieces):
        if not segment:
            continue
        agency = agency_name(segment)
        if agency is None and n in (0, last) and len(pieces) > 1:
            # "dpa +++ dpa-Bildfunk +++", "REUTERS ATTENTION EDITORS - ...": an agency word at
            # the segment's inner edge (next to the slash), then prose.
            words = segment.split()
            agency = agency_name(words[-1] if n == 0 else words[0])
        if agency is None and n in (0, last) and not should_read:
            # The outer segments run into the caption's prose: keep only the name-like edge.
            edge = _edge_words(segment, first=n == 0)
            agency = agency_name(" ".join(edge))
            segment = " ".join(edge)
        elif agency is None and n == 0 and should_read:
            segment = " ".join(_edge_words(segment, first=True)) or segment
        if agency:
            if agency not in agencies:
                agencies.append(agency)
            if via and agency not in carriers:
                carriers.append(agency)
            continue
        words = _RESTRICTION.sub("", segment).split()
        if _is_name(words):
            names.append(nfc(" ".join(words)))
    if not agencies:
        return None
    return CreditChain(
        raw=nfc(" ".join(raw.split())).strip(" /"),
        photographers=names,
        agencies=agencies,
        should_read=should_read,
        start=start,
        carriers=carriers,
    )


# Credits without a slash: ANP's and Belga's "ANP JEROEN VAN DER MEULEN" at a caption's end,
# Xinhua's "新华社记者 王小明 摄" ("photo by Xinhua reporter ...").
_SPACED = re.compile(
    r"(?<![\w/])(?P<agency>ANP|BELGA|AFP PHOTO)\s+"
    r"(?P<name>[A-ZÀ-Ý][A-ZÀ-Ý'’.\-]+(?:\s+[A-ZÀ-Ý][A-ZÀ-Ý'’.\-]+){1,4})[ \t]*$",
    re.M,
)
_CJK_REPORTER = re.compile(
    r"(?P<agency>新华社|新華社|中新社)?\s*记者\s*(?P<name>[^\s\d，。、]{2,4})\s*摄"
)
_CJK_AGENCIES = {"新华社": "Xinhua", "新華社": "Xinhua", "中新社": "China News Service"}


def credit_names(credit: str) -> list[str]:
    """The people a credit line names ("EFE/Sebastián Iturralde" -> ["Sebastián Iturralde"])."""
    chain = _parse(credit, 0, should_read=True)
    return chain.photographers if chain else []


def _slash_chains(text: str) -> Iterator[re.Match[str]]:
    """`_CHAIN` matches, tried only on lines with a slash and from a little before the first
    one: a chain never crosses a line, and the pattern is costly to try at every position."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        slash = text.find("/", start, end)
        if slash >= 0:
            yield from _CHAIN.finditer(text, max(start, slash - 200), end)
        start = end + 1


def chains(text: str) -> list[CreditChain]:
    """Every credit chain in `text`: "should read" credits first, then in the order written."""
    text = _EXPANSION_BEFORE_VIA.sub("", text[:100_000])
    found: list[CreditChain] = []
    taken: list[tuple[int, int]] = []
    for m in _SHOULD_READ.finditer(text):
        credit = m.group("credit").strip()
        chain = _parse(credit, m.start("credit"), should_read=True)
        if chain is None and agency_name(credit):
            chain = CreditChain(raw=credit, agencies=[agency_name(credit) or credit],
                                should_read=True, start=m.start("credit"))  # fmt: skip
        if chain:
            found.append(chain)
            taken.append(m.span())
    for m in _slash_chains(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        # "should read Xinhua/Zhang Yuwei instead of Xinhua/Zhang Yuewei": the wrong credit
        # after "instead of" is not one the photo carries.
        raw = _WRONG_AFTER.split(m.group("chain"), maxsplit=1)[0]
        chain = _parse(raw, m.start())
        if chain:
            found.append(chain)
    for m in _SPACED.finditer(text):
        agency = agency_name(m.group("agency"))
        if agency:
            found.append(CreditChain(raw=m.group(0).strip(), photographers=[nfc(m.group("name"))],
                                     agencies=[agency], start=m.start()))  # fmt: skip
    for m in _DASH_CREDIT.finditer(text):
        agency = agency_name(m.group("agency"))
        name = " ".join(m.group("name").split())
        if agency and not agency_name(name):
            found.append(CreditChain(raw=m.group(0), photographers=[nfc(name)], agencies=[agency],
                                     start=m.start()))  # fmt: skip
    for m in _CJK_REPORTER.finditer(text):
        agency = _CJK_AGENCIES.get(m.group("agency") or "") or (
            "Xinhua" if "新华社" in text or "新華社" in text else None
        )
        if agency:
            found.append(CreditChain(raw=m.group(0).strip(), photographers=[nfc(m.group("name"))],
                                     agencies=[agency], start=m.start()))  # fmt: skip
    return found


@dataclass(frozen=True)
class Credits:
    """What all of a notice's credit chains say together."""

    originator: str | None = None
    distributors: list[str] = field(default_factory=list)
    photographer: str | None = None
    credit_line: str | None = None  # the credit the notice says is right
    conflicting_originators: list[str] = field(default_factory=list)


def read_credits(text: str, found: list[CreditChain] | None = None) -> Credits:
    """The originator, distributors and photographer the notice's credits agree on.

    "Should read" credits count first (they are the agency's word on the credit); when chains
    name different originators, the first wins and the others are reported, not dropped.
    """
    found = chains(text) if found is None else found
    if not found:
        return Credits()
    ordered = sorted(found, key=lambda c: (not c.should_read, c.start))
    origins = list(dict.fromkeys(c.originator for c in ordered if c.originator))
    originator = origins[0] if origins else None
    distributors: list[str] = []
    for c in ordered:
        if c.originator != originator:
            continue  # another photo's credit, on the same page or in the same e-mail
        for agency in c.agencies:
            if agency != originator and agency not in distributors:
                distributors.append(agency)
    should = next((c for c in ordered if c.should_read), None)
    photographer = next((c.photographer for c in ordered if c.photographer), None)
    return Credits(
        originator=originator,
        distributors=distributors,
        photographer=photographer,
        credit_line=should.raw if should else None,
        conflicting_originators=[o for o in origins[1:] if o not in DISTRIBUTORS],
    )
