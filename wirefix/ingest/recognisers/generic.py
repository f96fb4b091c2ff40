"""The fallback: classify what the agency recognisers did not claim, never drop it.

It pulls "X instead of Y", "should read X" and "corrects X to Y" pairs and kill wording from any
agency (PA, dpa, EFE, ANSA and the rest); when it finds nothing to act on, the notice is stored as
`unparsed` with the reason. It never names a photo: only the carrier's own identifiers are kept.
"""

from __future__ import annotations

import re

from wirefix.ingest.recognisers import NoticeText, common
from wirefix.model import Notice, NoticeKind, NoticeStatus

NOT_UNDERSTOOD = "no agency recogniser understood this notice"

_KILL = re.compile(
    r"\b(?:MANDATORY KILL|PICTURE KILL|KILL NOTICE|ELIMINATE|has been killed|"
    r"should no longer be used|withdrawn|make no further use|killing the image|"
    r"retirée? du service|retirada del servicio|"
    # German, Italian, Portuguese, Dutch: "no longer use", "withdrawn", "delete".
    r"nicht mehr (?:zu )?verwenden|zurückgezogen|Sperrfrist|Sperrvermerk|"
    r"non (?:più )?utilizzar\w*|non deve più essere utilizzat\w|ritirat[ao]|"
    r"não (?:deve|pode) (?:mais )?ser (?:usad|utilizad)\w|foi retirad[ao]|"
    r"niet meer (?:te )?gebruiken|ingetrokken|ANULACI[ÓO]N|anulada|se ruega eliminar|"
    r"kullanmayınız|kullanılmamalı|kaldırılmıştır|iptal edilmiştir|"
    r"отозван\w*|не использовать|просим удалить|ОТЗЫВ)\b"
    r"|撤回|撤销|停止使用|请勿使用|不再使用|使用しないで|配信を取り消|사용하지|삭제해"
    r"|حذف إلزامي|عدم استخدام",
    re.I,
)
_CORRECTION = re.compile(
    r"\bCORRECT(?:ION|S|ED|ING)\b|\bREFILE\b|\bRECTIFICATI|\bKORREKTUR\b|\bBerichtigung\b|"
    r"\bRETTIFICA\b|\bCORREZIONE\b|\bCORRE(?:Ç|CÇ|C)ÃO\b|\bCORRECTIE\b|\bRECTIFICATIE\b|"
    r"\bDÜZELTME\b|\bDüzeltme\b|ИСПРАВЛЕНИЕ|Исправление|تصحيح|\bCORRECTIF\b|"
    r"更正|订正|訂正|정정",
    re.I,
)
_ADVISORY = re.compile(
    r"\b(?:EDITOR'?S NOTE|ADVISORY|HANDOUT|MANDATORY CREDIT|ATTENTION EDITORS?)\b", re.I
)
# The sender, in the order a wire notice usually names itself; "PA" only as "PA Media"/"PA Wire"
# because a bare "PA" is too common a word.
_AGENCIES = [
    ("AFP", re.compile(r"\bAFP\b")),
    ("AP", re.compile(r"\bAssociated Press\b|\bAP Photo\b")),
    ("Reuters", re.compile(r"\bReuters\b", re.I)),
    ("Getty Images", re.compile(r"\bGetty Images\b", re.I)),
    ("EPA", re.compile(r"\bEPA\b")),
    ("PA", re.compile(r"\bPA (?:Media|Wire|Images)\b|\bPress Association\b")),
    ("dpa", re.compile(r"\bdpa\b")),
    ("EFE", re.compile(r"\bEFE\b")),
    ("ANSA", re.compile(r"\bANSA\b")),
    ("LUSA", re.compile(r"\bLUSA\b|\bLusa\b")),
    ("ANP", re.compile(r"\bANP\b")),
    ("Belga", re.compile(r"\bBELGA\b|\bBelga\b")),
    ("Xinhua", re.compile(r"\bXinhua\b|新华社|新華社", re.I)),
    ("Kyodo", re.compile(r"\bKyodo\b|共同通信|共同社", re.I)),
    ("Yonhap", re.compile(r"\bYonhap\b|연합뉴스", re.I)),
    ("Anadolu", re.compile(r"\bAnadolu\b|\bAA FOTO\b|الأناضول")),
    ("TASS", re.compile(r"\bTASS\b|ТАСС")),
]


def agency_named(text: str) -> str | None:
    """The first agency the text names, by where it is named."""
    hits = [(m.start(), name) for name, p in _AGENCIES if (m := p.search(text))]
    return min(hits)[1] if hits else None


def recognise(item: NoticeText) -> Notice:
    text = item.text[: common.MAX_ANALYSED_CHARS]
    corrections, half = common.pairs(text)
    kind: NoticeKind = "advisory"
    status: NoticeStatus = "unparsed"
    reason: str | None = NOT_UNDERSTOOD
    if _KILL.search(text):
        kind, status = "kill", "needs_review"
        reason = "kill wording found, but no recogniser could name the photo"
    elif corrections:
        kind, status = "correction", "needs_review"
        reason = "correction pairs found by the generic reader; check the field"
    elif _CORRECTION.search(text) or (half and not common.STANDING_CREDIT.search(text)):
        kind, status = "correction", "needs_review"
        reason = "correction wording without an erroneous/corrected pair" + (
            f" (should read {half[0]!r})" if half else ""
        )
    elif _ADVISORY.search(text):
        kind, status, reason = "advisory", "parsed", None
    return common.build(
        item,
        agency=agency_named(text),
        kind=kind,
        text=item.text,
        corrections=corrections,
        status=status,
        reason=reason,
    )
