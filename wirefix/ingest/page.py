"""Published web pages as a notice carrier: the notice in a photo's caption, alt text or body.

News sites publish agency photos with whatever caption came with them, and sometimes that caption
is the agency's correction notice itself ("CORRECTION - ... [MOHAMAD ABAZEED] instead of [ERIC
FEFERBERG]. Please immediately remove ..."). Such a page is both a carrier of the notice and a
published copy that must be fixed, so the page's address, title, own publication time and the
images shown with the notice are kept with it (`PublishedPage`).

The markup is read with selectolax (the lexbor HTML5 parser), never with regular expressions.
Captions are looked at first (`<figcaption>`, elements whose class says caption, `alt` and
`title` of images), then the body's paragraphs. Only the words of the element that carries the
notice go to the recognisers, so the event date is the caption's, never the page's "Posted at".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from wirefix.ingest.recognisers import NoticeText
from wirefix.model import PublishedPage

# Words that make a caption or paragraph worth reading as a notice; the recognisers decide.
_NOTICE_WORDS = re.compile(
    r"erroneous\s+mention|mentions?\s+erronée|\binstead\s+of\s*\[|\bau\s+lieu\s+de\b|"
    r"\ben\s+(?:lugar|vez)\s+de\b|\bCORRECT(?:ION|S|ED|ING)\b|\bRECTIFICATI|\bREFILE\b|"
    r"should\s+read\b|\bMANDATORY\s+KILL\b|\bPICTURE\s+KILL\b|\bKILL\s+NOTICE\b|\bELIMINATE\b|"
    r"withdrawn\s+from|no\s+longer\s+be\s+used|retirée?s?\s+du\s+service|retirada\s+del\s+servicio",
    re.I,
)
# In the body (not a caption) a page's own "Correction: an earlier version of this story..."
# is not an agency's notice: only the agencies' own wording counts there.
_AGENCY_NOTICE_WORDS = re.compile(
    r"erroneous\s+mention|mentions?\s+erronée|\]\s*(?:instead\s+of|au\s+lieu\s+de)\s*\[|"
    r"\bMANDATORY\s+KILL\b|\bPICTURE\s+KILL\b|withdrawn\s+from\s+\w+\s+systems|"
    r"credit\s+should\s+read",
    re.I,
)
# A block that opens with a notice's heading in any of the agencies' languages.
_HEADED = re.compile(
    r"^\s*(?:CORRECTION|CORRECTED|CORRECTS|RECTIFICATIF|CORRECTIF|CORRECCIÓN|CORREZIONE|RETTIFICA|"
    r"KORREKTUR|BERICHTIGUNG|CORREÇÃO|CORRECTIE|MANDATORY\s+KILL|PICTURE\s+KILL|KILL|ELIMINATE|"
    r"REFILE|EDITOR'?S\s+NOTE|ATTENTION\s+EDITORS|ANULACIÓN|ANNULLAMENTO|INTREKKING|SPERRUNG)\b",
)
_SKIP = "script, style, noscript, template, svg, iframe"
_CAPTIONS = "figcaption, [class*=caption], [class*=Caption], [itemprop=caption], .wp-caption-text"
_BLOCKS = "p, li, blockquote, td, dd, h1, h2, h3, h4, h5, h6"
_PUBLISHED_META = (
    'meta[property="article:published_time"]',
    'meta[itemprop="datePublished"]',
    'meta[name="pubdate"]',
    'meta[name="publish-date"]',
    'meta[name="parsely-pub-date"]',
    'meta[name="DC.date.issued"]',
    'meta[name="date"]',
)
_POSTED = re.compile(r"^\s*(?:Posted|Published|Publié|Publicado|Updated|Mis à jour)\b", re.I)


def looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]


def decode(data: bytes) -> str:
    """The page's text: its declared charset, else UTF-8, else Windows-1252."""
    m = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    for encoding in ([m.group(1).decode("ascii")] if m else []) + ["utf-8"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


@dataclass(frozen=True)
class _Found:
    text: str
    where: str
    images: list[str]


def read_page(data: bytes, source: str, url: str | None = None) -> list[NoticeText]:
    """Every notice the page carries, each with the page as a published copy.

    A page where no caption or paragraph reads like a notice still gives one `NoticeText` (its
    visible words), so that it is stored `unparsed` and reported, never dropped.
    """
    tree = LexborHTMLParser(decode(data))
    published = _published(tree)  # before scripts go: JSON-LD is a script
    for node in tree.css(_SKIP):
        node.decompose()
    base = url or _meta(tree, 'link[rel="canonical"]', "href") or _og(tree, "url")
    images = _page_images(tree, base)
    found = list(_captions(tree, base)) or list(_body(tree, base, images))
    page_url = _meta(tree, 'link[rel="canonical"]', "href") or _og(tree, "url") or url
    title = _og(tree, "title") or _text(tree.css_first("title")) or _text(tree.css_first("h1"))
    if not found:
        body = tree.body
        words = body.text(separator="\n", strip=True) if body is not None else ""
        found = [_Found(words or "(empty page)", "page", images[:1])]
    notices = []
    seen: list[str] = []
    for item in found:
        key = " ".join(item.text.split()).casefold()
        if any(key in other for other in seen):
            continue  # the same words twice (an alt text repeating its caption)
        seen.append(key)
        page = PublishedPage(
            url=page_url,
            title=title,
            published_at=published,
            found_in=item.where,
            image_urls=item.images,
            page_image_urls=images,
        )
        notices.append(NoticeText(text=item.text, source=source, source_kind="page", page=page))
    return notices


def _captions(tree: LexborHTMLParser, base: str | None) -> Iterator[_Found]:
    for node in tree.css(_CAPTIONS):
        words = _text(node)
        if words and _notice_like(words):
            yield _Found(words, "figcaption" if node.tag == "figcaption" else "caption",
                         _images_near(node, base))  # fmt: skip
    for img in tree.css("img"):
        for attr in ("alt", "title"):
            words = " ".join((img.attributes.get(attr) or "").split())
            if words and _notice_like(words):
                # The photo's own caption beside it says whose photo it is, where and when.
                caption = _figure_caption(img)
                text = f"{words}\n\n{caption}" if caption and caption not in words else words
                yield _Found(text, attr, [u for u in [_src(img, base)] if u])


def _notice_like(words: str) -> bool:
    return bool(_NOTICE_WORDS.search(words) or _HEADED.match(words))


def _figure_caption(img: LexborNode) -> str | None:
    node: LexborNode | None = img.parent
    for _ in range(3):
        if node is None:
            return None
        caption = node.css_first("figcaption, .wp-caption-text, [class*=caption]")
        if caption is not None:
            return _text(caption) or None
        node = node.parent
    return None


def _body(tree: LexborHTMLParser, base: str | None, images: list[str]) -> Iterator[_Found]:
    for node in tree.css(_BLOCKS):
        if _holds(node, _BLOCK_TAGS):
            continue  # the innermost block only, so each paragraph is read once
        words = _text(node)
        if words and (_AGENCY_NOTICE_WORDS.search(words) or _HEADED.match(words)):
            yield _Found(words, "body", _images_near(node, base) or images[:1])


_BLOCK_TAGS = {"p", "li", "blockquote", "td", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "div"}


def _holds(node: LexborNode, tags: set[str]) -> bool:
    """Whether a block holds other blocks of `tags` (lexbor's own `css` includes the node)."""
    inside = node.traverse(include_text=False)
    next(inside, None)  # the node itself
    return any(child.tag in tags for child in inside)


def _text(node: LexborNode | None) -> str:
    if node is None:
        return ""
    return " ".join(node.text(separator=" ", strip=True).split())


def _meta(tree: LexborHTMLParser, selector: str, attr: str = "content") -> str | None:
    node = tree.css_first(selector)
    value = (node.attributes.get(attr) or "").strip() if node is not None else ""
    return value or None


def _og(tree: LexborHTMLParser, name: str) -> str | None:
    return _meta(tree, f'meta[property="og:{name}"]') or _meta(tree, f'meta[name="og:{name}"]')


def _src(img: LexborNode, base: str | None) -> str | None:
    attrs = img.attributes
    raw = attrs.get("src") or attrs.get("data-src") or attrs.get("data-lazy-src")
    if not raw and attrs.get("srcset"):
        raw = (attrs.get("srcset") or "").split(",")[0].split()[0]
    if not raw or raw.startswith("data:"):
        return None
    return urljoin(base, raw) if base else raw


def _page_images(tree: LexborHTMLParser, base: str | None) -> list[str]:
    urls: list[str] = []
    og = _og(tree, "image")
    for url in [urljoin(base, og) if og and base else og] + [
        _src(i, base) for i in tree.css("img")
    ]:
        if url and url not in urls:
            urls.append(url)
    return urls


def _images_near(node: LexborNode, base: str | None) -> list[str]:
    """The images a caption belongs to: those of its figure (or nearest enclosing block)."""
    parent: LexborNode | None = node
    for _ in range(4):
        parent = parent.parent if parent is not None else None
        if parent is None:
            break
        found = [u for u in (_src(i, base) for i in parent.css("img")) if u]
        if found:
            return list(dict.fromkeys(found))
    return []


def _published(tree: LexborHTMLParser) -> str | None:
    """The page's own publication time, as the page declares it (ISO 8601 where it can)."""
    for selector in _PUBLISHED_META:
        value = _meta(tree, selector)
        if value:
            return value
    for script in tree.css('script[type="application/ld+json"]'):
        value = _ld_published(script.text())
        if value:
            return value
    node = tree.css_first("time[datetime]")
    if node is not None and node.attributes.get("datetime"):
        return node.attributes.get("datetime")
    for node in tree.css("p, span, div, time"):
        words = _text(node)
        if _POSTED.match(words) and len(words) < 120 and not _holds(node, {"p", "div"}):
            return _parse_posted(words)
    return None


def _ld_published(raw: str) -> str | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("datePublished"), str):
                return str(item["datePublished"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _parse_posted(words: str) -> str | None:
    """ "Posted at 10:10 AM, Feb 24, 2017 and last updated ..." -> "2017-02-24T10:10:00"."""
    import dateparser  # only for pages that give their date in words (0.5 s to import)

    first = re.split(r"\s+and\s+|\s+\|\s+|;", _POSTED.sub("", words), maxsplit=1)[0]
    first = re.sub(r"^\s*(?:at|on|le|el)\s+", "", first.strip(" :,"), flags=re.I)
    parsed = dateparser.parse(first, settings={"RETURN_AS_TIMEZONE_AWARE": False})
    return parsed.isoformat() if parsed else None
