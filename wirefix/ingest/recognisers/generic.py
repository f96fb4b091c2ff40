"""The fallback: classify what the agency recognisers did not claim, never drop it.

It pulls "X instead of Y", "should read X" and "corrects X to Y" pairs and kill wording from any
agency; when it finds nothing to act on, the notice is stored as `unparsed` with the reason.
"""

from __future__ import annotations

import re

from wirefix.ingest import facts
from wirefix.ingest.recognisers import NoticeText
from wirefix.model import Correction, Event, Notice, nfc

_KILL = re.compile(
    r"\b(?:MANDATORY KILL|PICTURE KILL|KILL NOTICE|ELIMINATE|has been killed|"
    r"should no longer be used|withdrawn|make no further use)\b",
    re.I,
)
_PAIRS = [
    # (pattern, which group is corrected, which is erroneous)
    (re.compile(r"\[(?P<a>[^\[\]]+)\]\s*instead of\s*\[(?P<b>[^\[\]]+)\]", re.I), "a", "b"),
    (re.compile(r"\bCORRECTS?\s+(?P<b>.+?)\s+TO\s+(?P<a>.+?)(?:[.;,]|$)", re.M), "a", "b"),
]
_ADVISORY = re.compile(r"\b(?:EDITOR'?S NOTE|ADVISORY|HANDOUT|MANDATORY CREDIT)\b", re.I)
_AGENCIES = re.compile(r"\b(AFP|AP|Reuters|Getty Images|EPA|PA|dpa|EFE|ANSA)\b")


def recognise(item: NoticeText) -> Notice:
    text = nfc(item.text)
    corrections = []
    for pattern, good, bad in _PAIRS:
        for m in pattern.finditer(text):
            corrections.append(
                Correction(
                    field="other",
                    erroneous=" ".join(m.group(bad).split()),
                    corrected=" ".join(m.group(good).split()),
                )
            )
    agency_m = _AGENCIES.search(text)
    kind, status, reason = "advisory", "unparsed", "no agency recogniser understood this notice"
    if _KILL.search(text):
        kind, status = "kill", "needs_review"
        reason = "kill wording found, but no recogniser could name the photo"
    elif corrections:
        kind, status = "correction", "needs_review"
        reason = "correction pairs found by the generic reader; the field is not known"
    elif _ADVISORY.search(text):
        kind, status, reason = "advisory", "parsed", None
    city, country = facts.event_place(text)
    return Notice(
        agency=agency_m.group(1) if agency_m else None,
        kind=kind,
        language=facts.language(text),
        corrections=corrections,
        identifiers=dict(item.identifiers),
        event=Event(date=facts.event_date(text, item.sent_at), city=city, country=country),
        photographer=None,
        urgency=facts.urgency(text),
        status=status,
        reason=reason,
        text=" ".join(text.split()),
        source=item.source,
        source_kind=item.source_kind,
        sent_at=item.sent_at,
    )
