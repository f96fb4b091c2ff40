"""Getty Images notices.

Getty's captions end with the credit: "(Photo by Name/Getty Images)" or "Name/Provider via Getty
Images" (Getty editorial policy). Advisories are "EDITOR'S NOTE:" lines in the caption; credit
corrections say what the credit should read. A Getty photo is named by its AssetID, which Getty puts
in the XMP-GettyImagesGIFT AssetID tag and in IPTC Object Name, and in its image page address
(".../news-photo/<slug>/<AssetID>").
"""

from __future__ import annotations

import re

from wirefix.ingest.evidence import Signal
from wirefix.ingest.recognisers import NoticeText, common
from wirefix.model import Correction, Notice, nfc

_GETTY = re.compile(r"\bGetty\s+Images\b", re.I)
_EDITORS_NOTE = re.compile(r"\bEDITOR'?S\s+NOTE\b\s*:?", re.I)
_KILL = re.compile(
    r"\bMANDATORY\s+KILL\b|\bKILL\s+NOTICE\b|\b(?:image|photo|picture)\s+(?:has\s+been|was)\s+"
    r"(?:removed|withdrawn|killed)\b|\bshould\s+no\s+longer\s+be\s+used\b|\bdo\s+not\s+use\b",
    re.I,
)
_CORRECTION = re.compile(
    r"\bCORRECTION\b|\bCORRECTS?\b|\bshould\s+read\b|\bincorrect(?:ly)?\b|\berroneous", re.I
)
_NAME = r"(?:[A-ZÀ-Ý][\w'’.-]*\s){0,3}[A-ZÀ-Ý][\w'’.-]*"
_CREDIT = re.compile(
    rf"(?:Photo\s+by\s+(?P<by>[^()\n/]{{2,60}}?)|(?P<name>{_NAME}))/"
    rf"(?:[\w .'’-]{{1,40}}?\s+via\s+)?Getty\s+Images"
)
_ASSET_ID = re.compile(
    r"\b(?:Asset\s*ID|(?:Getty\s+Images\s+)?(?:Editorial|Creative)\s*(?:#|No\.?|number|ID))"
    r"\s*[:#]?\s*(?P<a>\d{6,12})\b"
    r"|gettyimages\.[a-z.]+/detail/[^\s/]+/[^\s/]+/(?P<b>\d{6,12})",
    re.I,
)


#: Getty's own words, for weighing this reading against the others' (wirefix.ingest.evidence).
SIGNALS = (
    Signal(_ASSET_ID, 0.4, "a Getty AssetID"),
    Signal(re.compile(r"Photo\s+by\s+[^()\n/]{2,60}/Getty\s+Images"), 0.2, "a Getty staff credit"),
)


def recognise(item: NoticeText) -> Notice | None:
    text = item.text
    if not _GETTY.search(text) and "getty_id" not in item.identifiers:
        return None
    kill, note = _KILL.search(text), _EDITORS_NOTE.search(text)
    correction = _CORRECTION.search(common.STANDING_CREDIT.sub(" ", text))
    if not (kill or note or correction):
        return None
    ids = _identifiers(item, text)
    credit = _CREDIT.search(text)
    photographer = nfc(credit.group("by") or credit.group("name")).strip() if credit else None
    if kill:
        return common.kill(
            item,
            agency="Getty Images",
            text=text,
            identifiers=ids,
            unnamed="Getty kill names no AssetID: a person must confirm the photo",
            photographer=photographer,
        )
    if correction:
        corrections, half = common.pairs(text)
        corrections = [
            c if c.field != "other" or "Getty" not in c.corrected else _as_credit(c)
            for c in corrections
        ]
        credit_fix = next((c for c in corrections if c.field == "credit"), None)
        if credit_fix:  # the photographer is the one the corrected credit names
            photographer = credit_fix.corrected.split("/")[0].strip()
        return common.build(
            item,
            agency="Getty Images",
            kind="correction",
            text=text,
            corrections=corrections,
            identifiers=ids,
            status="parsed" if corrections else "needs_review",
            reason=None
            if corrections
            else "Getty correction without an erroneous/corrected pair"
            + (f" (should read {half[0]!r})" if half else ""),
            photographer=photographer,
        )
    return common.build(
        item,
        agency="Getty Images",
        kind="advisory",
        text=text,
        identifiers=ids,
        photographer=photographer,
    )


def _as_credit(c: Correction) -> Correction:
    """A pair whose corrected side ends "/Getty Images" is a credit, whatever the words said."""
    return Correction(field="credit", erroneous=c.erroneous, corrected=c.corrected)


def _identifiers(item: NoticeText, text: str) -> dict[str, str]:
    ids = dict(item.identifiers)
    # Getty writes the AssetID into Object Name; only an all-digit Object Name is one.
    name = ids.get("object_name", "")
    if name.isdigit() and 6 <= len(name) <= 12:
        ids.setdefault("getty_id", name)
    m = _ASSET_ID.search(text)
    if m:
        ids.setdefault("getty_id", m.group("a") or m.group("b"))
    return ids
