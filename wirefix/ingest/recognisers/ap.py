"""Associated Press notices.

AP kills are headed "ELIMINATE" or "MANDATORY KILL", say the photo "has been killed and should no
longer be used" (or, in 2024, "At closer inspection it appears that the source has manipulated the
image. Please remove it from all platforms"), and name the photo by transmission reference and date:
"AP PHOTO TOK801 TRANSMITTED JULY 16, 2011". Caption corrections start "CORRECTS ...". Handout and
"MANDATORY CREDIT" instructions are advisories. AP signs captions "(AP Photo/Name)".
"""

from __future__ import annotations

import re

from wirefix.ingest import dates
from wirefix.ingest.evidence import Signal
from wirefix.ingest.recognisers import NoticeText, common
from wirefix.model import Notice, nfc

_AP = re.compile(
    r"\bAP\s+PHOTO\b|\bAP\s+FOTOS?\b|\(AP\s+Photo\b|\bAssociated\s+Press\b|\bAP\b(?!-)"
)
_KILL = re.compile(
    r"\bELIMINATE\b|\bELIMINAR\b|\bELIMINACIÓN\b|\bMANDATORY\s+KILL\b|\bhas\s+been\s+killed\b"
    r"|\bshould\s+no\s+longer\s+be\s+used"
    r"|\bsource\s+has\s+manipulated\b|\bremove\s+it\s+from\s+all\s+platforms\b|\bPHOTO\s+KILL\b",
    re.I,
)
_CORRECTS = re.compile(r"^\s*(?:CORRECTS?|CORRECTION)\b", re.M)
_ADVISORY = re.compile(
    r"\bMANDATORY\s+CREDIT\b|\bHANDOUT\b|\bEDITOR'?S\s+NOTE\b|\bADVISORY\b|\bEDS\s+NOTE\b"
    r"|\bNO\s+SALES\b|\bEMBARGOED\b",
    re.I,
)
# "AP PHOTO TOK801 TRANSMITTED JULY 16, 2011": an AP transmission reference is a bureau code
# (letters) and a number.
_TRANSMITTED = re.compile(
    r"\bAP\s+PHOTOS?\s+(?P<ref>[A-Z]{2,6}\d{1,4}(?:\s*,\s*[A-Z]{2,6}\d{1,4})*)\s+"
    r"(?:WAS\s+)?TRANSMITTED\s+(?:ON\s+)?(?P<date>[A-Z][a-z]*\.?\s+\d{1,2},?\s+\d{4})",
    re.I,
)
# AP's photo desk names the photo in its headers: "MXGDL104  08 FEB 25" (reference and day),
# "CORRECTION  NAIR109", "ELIMINATE PHOTO LON801.", "ELIMINAR FOTO BAIR104", a line of its own.
_REF = r"(?P<ref>[A-Z]{2,6}\d{1,4})"
_HEADER_REFS = tuple(
    re.compile(p, re.M)
    for p in (
        rf"^[ \t]*{_REF}[ \t]+\d{{1,2}}[ \t]+[A-Z]{{3}}[ \t]+\d{{2,4}}\b",
        rf"(?:CORRECTION|CORRECCIÓN|ELIMINATION|ELIMINACIÓN)[ \t]+{_REF}[ \t]*$",
        rf"\b(?:ELIMINATE|ELIMINAR|KILL)[ \t]+(?:PHOTO|FOTO)S?[ \t]+{_REF}\b",
        rf"^[ \t]*{_REF}[ \t]*$",
    )
)
_SIGN_OFF = re.compile(r"\(AP\s+Photo/(?P<name>[^,)\n]+?)(?:,\s*[^)\n]*)?\)")


#: AP's own words, for weighing this reading against the others' (wirefix.ingest.evidence).
SIGNALS = (
    Signal(_TRANSMITTED, 0.4, "an AP transmission reference"),
    Signal(_SIGN_OFF, 0.3, "an AP caption sign-off"),
    Signal(re.compile(r"\bAssociated\s+Press\b"), 0.2, "names the Associated Press"),
)


def recognise(item: NoticeText) -> Notice | None:
    text = item.text
    if not _AP.search(text) or (re.search(r"\bAFP\b", text) and not _TRANSMITTED.search(text)):
        return None
    kill, corrects = _KILL.search(text), _CORRECTS.search(text)
    advisory = _ADVISORY.search(text)
    if not (kill or corrects or advisory or _TRANSMITTED.search(text)):
        return None
    ids = dict(item.identifiers)
    transmitted = None
    refs = _TRANSMITTED.search(text)
    found = re.split(r"\s*,\s*", refs.group("ref").upper()) if refs else []
    found += [m.group("ref") for p in _HEADER_REFS for m in p.finditer(text)]
    for n, ref in enumerate(dict.fromkeys(found)):
        ids.setdefault("transmission_ref" if n == 0 else f"transmission_ref_{n + 1}", ref)
    if refs:
        transmitted = dates.event_date(refs.group("date"))
    # The transmission date is not the event date: read the event from the rest of the words.
    event_text = _TRANSMITTED.sub(" ", text)
    sign_off = _SIGN_OFF.search(text)
    photographer = nfc(sign_off.group("name").strip()) if sign_off else None
    if kill:
        return common.kill(
            item,
            agency="AP",
            text=text,
            identifiers=ids,
            unnamed="AP kill names no transmission reference: confirm the photo",
            photographer=photographer,
            event_text=event_text,
            transmitted=transmitted,
        )
    if corrects:
        corrections, half = common.pairs(text)
        reason = None
        if not corrections:
            reason = "AP CORRECTS line without an X TO Y pair" + (
                f" (should read {half[0]!r})" if half else ""
            )
        return common.build(
            item,
            agency="AP",
            kind="correction",
            text=text,
            corrections=corrections,
            identifiers=ids,
            status="parsed" if corrections else "needs_review",
            reason=reason,
            photographer=photographer,
            event_text=event_text,
            transmitted=transmitted,
        )
    return common.build(
        item,
        agency="AP",
        kind="advisory",
        text=text,
        identifiers=ids,
        photographer=photographer,
        event_text=event_text,
        transmitted=transmitted,
    )
