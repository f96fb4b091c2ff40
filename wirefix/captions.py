"""Agency correction boilerplate inside captions, and how to take it out.

A re-sent photo's caption carries the agency's instructions to its clients ("CORRECTION - ...",
"The erroneous mention[s] ... Failure to promptly comply ... will entail liability ..."). None of
it may be published, so the rewrite removes it and keeps the caption proper.
"""

from __future__ import annotations

import re

# AFP, English and French: from the opening of the instructions to their closing courtesy.
_AFP_BOILERPLATE = re.compile(
    r"\s*/?\s*(?:The\s+)?erroneous\s+mentions?(?:\[s\])?\s+appearing.*?"
    r"(?:(?:further\s+information\s+you\s+may\s+require|for\s+your\s+understanding)[^.]*\.|$)"
    r"|\s*/?\s*(?:La|Les)\s+mentions?\s+erronée.*?(?:information\s+complémentaire[^.]*\.|$)",
    re.I | re.S,
)
_PREFIX = re.compile(
    r"^\s*(?:CORRECTION|CORRECTED|CORRECTS?\s+[^-–—]+?\s+TO\s+[^-–—]+?|REFILE(?:\s*-\s*CORRECTING[^-–—]*)?"
    r"|RECTIFICATIF)\s*[-–—:]\s*",
    re.I,
)


def has_boilerplate(caption: str) -> bool:
    return bool(_AFP_BOILERPLATE.search(caption) or _PREFIX.match(caption))


def clean_caption(caption: str) -> str:
    """The caption without the agency's correction prefix and instructions."""
    text = _AFP_BOILERPLATE.sub("", caption)
    text = _PREFIX.sub("", text)
    text = re.sub(r"[ \t]+", " ", text).strip()
    return text.rstrip("/ ").strip() if text.endswith("/") else text
