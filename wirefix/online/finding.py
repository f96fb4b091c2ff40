"""How an online copy is found and why: identifiers and file names, the erroneous text or the
agency's boilerplate in its words, its image's perceptual hash; posts that show it."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from wirefix.captions import has_boilerplate
from wirefix.model import Notice
from wirefix.online import text
from wirefix.online.affected import Affected, phash_of
from wirefix.online.base import Media, Post, Site, SiteError
from wirefix.online.wordpress import plain


def _stem(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0].casefold()
    return re.sub(r"(-scaled|-\d+x\d+|-\d+)$", "", stem)


def _search_words(notice: Notice, affected: list[Affected]) -> list[str]:
    words = [v for v in notice.identifiers.values() if len(v) >= 4]
    words += [w for w, _ in text.pairs(notice)]
    words += ["erroneous mention"]
    words += [_stem(a.rel_path) for a in affected]
    if notice.page:
        words += [_stem(u) for u in notice.page.image_urls]
    return sorted(set(words))


def _since(notice: Notice) -> str | None:
    if not notice.event.date:
        return None
    try:
        return (date.fromisoformat(notice.event.date) - timedelta(days=1)).isoformat()
    except ValueError:
        return None


def _media_reasons(
    site: Site, m: Media, notice: Notice, affected: list[Affected], distance: int
) -> tuple[list[str], Affected | None]:
    reasons: list[str] = []
    words = " ".join([*m.text_fields.values(), m.file_name])
    for key, value in notice.identifiers.items():
        if len(value) >= 4 and value.casefold() in words.casefold():
            reasons.append(f"identifier {key} {value}")
    for a in affected:
        if _stem(a.rel_path) == _stem(m.file_name):
            reasons.append(f"file name {m.file_name} as {a.rel_path}")
    if notice.page:
        for u in notice.page.image_urls:
            if _stem(u) == _stem(m.file_name) or u in m.urls:
                reasons.append(f"shown with the notice on {notice.page.url}")
    for name, value in m.text_fields.items():
        if has_boilerplate(html.unescape(value)):
            reasons.append(f"agency boilerplate in {name}")
        elif text.mentions(value, notice) and text.like_notice_caption(value, notice):
            reasons.append(f"the photo's erroneous caption in {name}")
    best: Affected | None = None
    if affected:
        thumb = m.sizes.get("medium") or m.sizes.get("large") or m.url
        try:
            got = phash_of(site.fetch(thumb))
        except SiteError:
            got = None
        if got:
            ranked = sorted(affected, key=lambda a: (a.phash - got[0], a.width != m.width))
            d = ranked[0].phash - got[0]
            if d <= distance:
                best = ranked[0]
                reasons.append(f"image: perceptual hash {d}/64 bits from {best.rel_path}")
    if best is None:
        named = [a for a in affected if _stem(a.rel_path) == _stem(m.file_name)]
        best = named[0] if named else None
    return reasons, best


def _marks(m: Media) -> list[str]:
    return [*m.urls, f"wp-image-{m.id}", f'"id":{m.id}', f"attachment_{m.id}"]


def _post_reasons(p: Post, notice: Notice, copies: list[Media]) -> list[str]:
    reasons: list[str] = []
    for m in copies:
        if p.featured_media == m.id:
            reasons.append(f"featured image is media {m.id}")
        if any(mark in p.content for mark in _marks(m)):
            reasons.append(f"embeds media {m.id}")
    if notice.page and notice.page.url and _same_url(p.url, notice.page.url):
        reasons.append("the page the notice came from")
    if has_boilerplate(plain(p.content)) or text.BOILERPLATE_NEEDLES[0] in plain(p.title).lower():
        reasons.append("agency boilerplate in the body")
    elif text.mentions(p.content, notice) and text.like_notice_caption(p.content, notice):
        reasons.append("the photo's erroneous caption in the body")
    return reasons


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")
