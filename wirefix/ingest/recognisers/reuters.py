"""Reuters notices (text; NewsML-G2 items whose status says it are read by `feed`).

Kills are "PICTURE KILL" advisories saying the picture has been withdrawn and to make no further use
of it. Minor corrections are REFILEs: "The term REFILE appears in the caption, but NO correction
template is published" (Reuters API Developer Guide), e.g. "REFILE - CORRECTING SPELLING OF NAME".
Pictures are named by their USN ("RC2Y5X9RVD61"; older ones "RTS3IXMK", "RTX29KSL"). Captions are
signed "REUTERS/Name".
"""

from __future__ import annotations

import re

from wirefix.ingest.evidence import Signal
from wirefix.ingest.recognisers import NoticeText, common
from wirefix.model import Notice

_REUTERS = re.compile(r"\bREUTERS\b|\bReuters\b|\bThomson\s+Reuters\b")
_KILL = re.compile(
    r"\bPICTURE\s+KILL\b|\bKILL\s+-|\bhas\s+been\s+withdrawn\b|\bwithdrawn\b[^.\n]{0,80}"
    r"\bno\s+further\s+use\b|\bmake\s+no\s+further\s+use\b|\bedStat:D\b",
    re.I,
)
_REFILE = re.compile(
    r"\bREFILE\b\s*[-–—:]?\s*(?P<why>CORRECTING(?:\s+[^\s.]+){0,4}\s+(?:NAME|DATE|CREDIT|CAPTION|"
    r"LOCATION|CITY|COUNTRY|SPELLING|BYLINE|IDENTIFICATION|HEADLINE|AGE|TITLE)\b|CORRECTING"
    r"(?:\s+[^\s.]+){1,4})?",
    re.I,
)
_CORRECTED = re.compile(r"^\s*(?:CORRECTED|CORRECTION)\b|\bedStat:C\b", re.M)
_ADVISORY = re.compile(r"\bADVISORY\b|\bEDITOR'?S\s+NOTE\b|\bATTENTION\s+EDITORS\b", re.I)
_USN = re.compile(r"\b(?=[A-Z0-9]*\d)(?:RC[A-Z0-9]{10}|RTS[A-Z0-9]{5,6}|RTX[A-Z0-9]{4,6})\b")
_SIGN_OFF = re.compile(r"\bREUTERS/(?P<name>[^\n/.(]+?)(?:\s*\(|\s*$|\s*/|\.\s|\n)", re.M)


#: Reuters' own words, for weighing this reading against the others' (wirefix.ingest.evidence).
SIGNALS = (
    Signal(_USN, 0.4, "a Reuters USN"),
    Signal(_SIGN_OFF, 0.3, "a Reuters caption sign-off"),
    Signal(re.compile(r"\bPICTURE\s+KILL\b|\bREFILE\b"), 0.2, "Reuters' kill or refile wording"),
)


def recognise(item: NoticeText) -> Notice | None:
    text = item.text
    if not _REUTERS.search(text):
        return None
    kill, refile = _KILL.search(text), _REFILE.search(text)
    corrected, advisory = _CORRECTED.search(text), _ADVISORY.search(text)
    if not (kill or refile or corrected or advisory):
        return None
    ids = dict(item.identifiers)
    for n, usn in enumerate(dict.fromkeys(_USN.findall(text))):
        ids.setdefault("usn" if n == 0 else f"usn_{n + 1}", usn)
    sign_off = _SIGN_OFF.search(text)
    photographer = common.sign_off_name(sign_off.group("name")) if sign_off else None
    if kill:
        return common.kill(
            item,
            agency="Reuters",
            text=text,
            identifiers=ids,
            unnamed="Reuters kill names no USN: a person must confirm the photo",
            photographer=photographer,
        )
    if refile or corrected:
        corrections, half = common.pairs(text)
        why = refile.group("why") if refile and refile.group("why") else None
        reason = None
        if not corrections:
            # A REFILE re-sends the whole caption with the right value in it and does not say
            # what the wrong one was: the field is known, the pair is not.
            reason = "Reuters REFILE without a FROM/TO pair" + (f": {why.strip()}" if why else "")
            if half:
                reason += f" (should read {half[0]!r})"
        return common.build(
            item,
            agency="Reuters",
            kind="correction",
            text=text,
            corrections=corrections,
            identifiers=ids,
            status="parsed" if corrections else "needs_review",
            reason=reason,
            photographer=photographer,
        )
    return common.build(
        item,
        agency="Reuters",
        kind="advisory",
        text=text,
        identifiers=ids,
        photographer=photographer,
    )
