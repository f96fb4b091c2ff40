"""EPA (European Pressphoto Agency) notices.

EPA captions are signed "EPA/NAME" or, for photos distributed with EFE, "EPA-EFE/NAME". No public
example of an EPA kill or correction text was found, so this module only claims notices that are
clearly EPA's and reads them with the shared phrasings; the words it classifies on are the ones
every agency uses (kill / withdrawn / correction / should read).
"""

from __future__ import annotations

import re

from wirefix.ingest.evidence import Signal
from wirefix.ingest.recognisers import NoticeText, common
from wirefix.model import Notice

_EPA = re.compile(r"\bEPA(?:-EFE)?/|\bEuropean\s+Pressphoto\s+Agency\b|\bepa\s+european\b", re.I)
_KILL = re.compile(
    r"\bMANDATORY\s+KILL\b|\bPICTURE\s+KILL\b|\bKILL\b|\bwithdrawn\b|\bno\s+longer\s+be\s+used\b",
    re.I,
)
_CORRECTION = re.compile(r"\bCORRECT(?:ION|S|ED|ING)\b|\bshould\s+read\b|\bREFILE\b", re.I)
_ADVISORY = re.compile(r"\bATTENTION\s+EDITOR|\bEDITORIAL\s+USE\s+ONLY\b|\bADVISORY\b", re.I)
_SIGN_OFF = re.compile(r"\bEPA(?:-EFE)?/(?P<name>[^\n/.(]+?)(?:\s*$|\s*/|\.\s|\n|\s*\()", re.M)


#: EPA's own words, for weighing this reading against the others' (wirefix.ingest.evidence).
SIGNALS = (Signal(_SIGN_OFF, 0.4, "an EPA caption sign-off"),)


def recognise(item: NoticeText) -> Notice | None:
    text = item.text
    if not _EPA.search(text):
        return None
    kill, correction, advisory = (
        _KILL.search(text),
        _CORRECTION.search(text),
        _ADVISORY.search(text),
    )
    if not (kill or correction or advisory):
        return None
    sign_off = _SIGN_OFF.search(text)
    photographer = common.sign_off_name(sign_off.group("name")) if sign_off else None
    ids = dict(item.identifiers)
    if kill:
        return common.kill(
            item,
            agency="EPA",
            text=text,
            identifiers=ids,
            unnamed="EPA kill names no photo its carrier identifies: confirm it",
            photographer=photographer,
        )
    if correction:
        corrections, half = common.pairs(text)
        return common.build(
            item,
            agency="EPA",
            kind="correction",
            text=text,
            corrections=corrections,
            identifiers=ids,
            status="parsed" if corrections else "needs_review",
            reason=None
            if corrections
            else "EPA correction without a pair" + (f" (should read {half[0]!r})" if half else ""),
            photographer=photographer,
        )
    return common.build(
        item, agency="EPA", kind="advisory", text=text, identifiers=ids, photographer=photographer
    )
