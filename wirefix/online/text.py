"""Correcting the words of an online copy: the notice's pairs, and the agency's boilerplate out."""

from __future__ import annotations

import html
import re

from rapidfuzz import fuzz

from wirefix.captions import clean_caption, has_boilerplate
from wirefix.model import Notice

#: Words only AFP's instructions carry: a caption holding them published the notice itself.
BOILERPLATE_NEEDLES = ("erroneous mention", "mentions erronée")


def pairs(notice: Notice) -> list[tuple[str, str]]:
    """(erroneous, corrected), longest first, so a credit line goes before the name in it."""
    seen = {
        (c.erroneous, c.corrected)
        for c in notice.corrections
        if c.erroneous and c.corrected and c.field != "date"
    }
    return sorted(seen, key=lambda p: len(p[0]), reverse=True)


def fix(text: str, notice: Notice) -> str:
    """`text` with the boilerplate taken out and every erroneous value corrected."""
    if not text:
        return text
    out = clean_caption(text) if has_boilerplate(text) else text
    for wrong, right in pairs(notice):
        out = out.replace(wrong, right)
    return out


def mentions(text: str, notice: Notice) -> list[str]:
    """What of the notice's error is in `text`: erroneous values and boilerplate words."""
    folded = html.unescape(text or "").casefold()
    found = [w for w, _ in pairs(notice) if w.casefold() in folded]
    found += [b for b in BOILERPLATE_NEEDLES if b in folded]
    return found


def like_notice_caption(text: str, notice: Notice) -> bool:
    """Whether `text` is the notice's photo's caption (erroneous or corrected), not another's."""
    if not notice.caption or not text:
        return False
    plain = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(text)).split())
    right = notice.caption
    wrong = fix_back(right, notice)
    return max(fuzz.partial_ratio(right, plain), fuzz.partial_ratio(wrong, plain)) >= 90


def fix_back(text: str, notice: Notice) -> str:
    """The caption as it read before the correction."""
    for wrong, right in pairs(notice):
        text = text.replace(right, wrong)
    return text


_CONTAINERS = re.compile(
    r"(?P<open><figcaption\b[^>]*>|\[caption\b[^\]]*\]|<p\b[^>]*>|<h[1-6]\b[^>]*>|<li\b[^>]*>)"
    r"(?P<body>.*?)"
    r"(?P<close></figcaption>|\[/caption\]|</p>|</h[1-6]>|</li>)",
    re.S | re.I,
)
_FIGURE = re.compile(r"<figure\b.*?</figure>|\[caption\b.*?\[/caption\]", re.S | re.I)
_ALT = re.compile(r'(\balt=")([^"]*)(")', re.I)


def fix_post(content: str, notice: Notice, copy_marks: list[str]) -> str:
    """A post body corrected where it carries the photo: every figure holding one of
    `copy_marks` (a copy's URLs, `wp-image-ID`) has its caption and alt text fixed, every
    caption, paragraph or heading holding the boilerplate or the photo's caption is fixed; the
    rest of the post (another photo of the same photographer, the story) is left as it is."""

    def fix_alts(block: str) -> str:
        return _ALT.sub(
            lambda m: m[1] + html.escape(fix(html.unescape(m[2]), notice)) + m[3], block
        )

    def fix_containers(block: str, always: bool) -> str:
        def one(m: re.Match[str]) -> str:
            body = m["body"]
            if always or has_boilerplate(html.unescape(body)) or like_notice_caption(body, notice):
                body = fix(body, notice)
            return m["open"] + body + m["close"]

        return _CONTAINERS.sub(one, block)

    out = []
    pos = 0
    for m in _FIGURE.finditer(content):
        out.append(fix_containers(content[pos : m.start()], always=False))
        block = m[0]
        if any(mark in block for mark in copy_marks):
            out.append(fix_alts(fix_containers(block, always=True)))
        else:
            out.append(fix_containers(block, always=False))
        pos = m.end()
    out.append(fix_containers(content[pos:], always=False))
    return "".join(out)
