"""Feed items (NewsML-G2, ninjs) whose status alone says what they are.

IPTC: `pubStatus stat:canceled` means the item "may not be used under any circumstances", and the
edit-status signal `edStat:D` is a deletion (Reuters: "delete all item versions"): both are kills.
`edStat:C` is a correction; `sig:correction` (Superdesk's NewsML-G2 output) too. The ids are the
item's own (guid, altId / altids), never guessed from the words. Items with a usable status fall
through to the agency recognisers, which read their edNote, headline and caption.
"""

from __future__ import annotations

from wirefix.ingest.recognisers import NoticeText, common
from wirefix.ingest.recognisers.generic import agency_named
from wirefix.model import Notice

_KILL_STATUS = {"stat:canceled", "stat:cancelled", "canceled", "cancelled"}
_KILL_SIGNALS = {"edstat:d"}
_CORRECTION_SIGNALS = {"edstat:c", "sig:correction"}


def recognise(item: NoticeText) -> Notice | None:
    if item.source_kind not in ("newsml", "ninjs"):
        return None
    status = item.metadata.get("pubstatus", "").casefold()
    signals = {s.strip().casefold() for s in item.metadata.get("signals", "").split()}
    agency = item.metadata.get("provider") or agency_named(item.text)
    ids = dict(item.identifiers)
    if status in _KILL_STATUS or signals & _KILL_SIGNALS:
        why = f"pubStatus {status}" if status in _KILL_STATUS else "signal edStat:D"
        return common.kill(
            item,
            agency=agency,
            text=item.text or why,
            identifiers=ids,
            unnamed=f"{why} on an item without ids: confirm the photo",
        )
    if signals & _CORRECTION_SIGNALS:
        corrections, half = common.pairs(item.text)
        reason = None
        if not corrections:
            # A corrected item is the whole item again, right this time; what was wrong is not
            # in it, so a person compares it with the stored version.
            reason = "corrected feed item (edStat:C) does not say what was wrong" + (
                f" (should read {half[0]!r})" if half else ""
            )
        return common.build(
            item,
            agency=agency,
            kind="correction",
            text=item.text,
            corrections=corrections,
            identifiers=ids,
            status="parsed" if corrections else "needs_review",
            reason=reason,
        )
    return None
