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


_CREDIT_LINE = re.compile(r"\s*\(\s*Photo\s+credit\s+should\s+read\s+([^)]*)\)", re.I)


def dedupe_credit_lines(caption: str, prefer: str | None = None) -> str:
    """Keep one "(Photo credit should read ...)": the one naming `prefer` (the corrected value)
    if any does, else the last. A refiled caption often carries the old and the new line."""
    lines = list(_CREDIT_LINE.finditer(caption))
    if len(lines) < 2:
        return caption
    keep = lines[-1]
    if prefer:
        keep = next((m for m in lines if prefer.casefold() in m.group(1).casefold()), keep)
    out, pos = [], 0
    for m in lines:
        out.append(caption[pos : m.start()])
        if m is keep:
            out.append(m.group(0))
        pos = m.end()
    out.append(caption[pos:])
    return "".join(out).strip()
