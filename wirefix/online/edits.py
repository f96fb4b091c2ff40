"""The edits to an online copy: corrected fields, post bodies relinked to a replaced item or
cleared of a killed one, and the re-fetch past the cache that proves each change."""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from wirefix.captions import has_boilerplate
from wirefix.model import Notice
from wirefix.online import text
from wirefix.online.base import Media
from wirefix.online.finding import _marks
from wirefix.online.wordpress import plain
from wirefix.rewrite.verify import mentions_remain


def _bust(url: str) -> str:
    parts = urlsplit(url)
    q = (parts.query + "&" if parts.query else "") + f"wirefix-verify={uuid.uuid4().hex}"
    return urlunsplit(parts._replace(query=q))


def _check(
    http: requests.Session,
    url: str,
    notice: Notice,
    expect: str,
    timeout: float,
    absent: list[str] | None = None,
) -> dict[str, Any]:
    """One URL fetched past the cache (a unique query: the CDN must ask the origin) and
    through it (what readers get), each with status, body hash and whether the error shows."""
    out: dict[str, Any] = {"url": url, "expect": expect}
    ok = True
    for how, target, headers in (
        ("origin", _bust(url), {"Cache-Control": "no-cache", "Pragma": "no-cache"}),
        ("served", url, {}),
    ):
        try:
            r = http.get(target, headers=headers, timeout=timeout)
        except requests.RequestException as exc:
            out[how] = {"error": str(exc)}
            ok = False
            continue
        body = r.content
        is_image = r.headers.get("Content-Type", "").startswith("image/")
        if is_image:
            shows = mentions_remain(body, notice) or b"erroneous mention" in body.lower()
        else:
            page = body.decode("utf-8", "replace")
            attrs = re.findall(r'\b(?:alt|title)="([^"]*)"', page)  # what readers' tools read
            words = plain(page) + " " + " ".join(html.unescape(a) for a in attrs)
            shows = (
                has_boilerplate(words)
                or (bool(text.mentions(words, notice)) and text.like_notice_caption(words, notice))
                or any(u in page for u in absent or [])
            )
        out[how] = {
            "status": r.status_code,
            "sha256": hashlib.sha256(body).hexdigest(),
            "error_shows": bool(shows) if r.status_code == 200 else None,
            "cache": r.headers.get("X-Cache"),
        }
        if expect == "gone":
            ok = ok and r.status_code in (404, 410)
        else:
            ok = ok and r.status_code == 200 and not shows
    out["ok"] = ok
    return out


def _fix_fields(fields: dict[str, str], notice: Notice) -> dict[str, str]:
    return {k: text.fix(v, notice) for k, v in fields.items()}


def _relink(content: str, old: Media, new: Media) -> str:
    for name, url in sorted(old.sizes.items(), key=lambda kv: -len(kv[1])):
        content = content.replace(url, new.sizes.get(name) or new.url)
    content = content.replace(old.url, new.url)
    content = re.sub(rf"\bwp-image-{old.id}\b", f"wp-image-{new.id}", content)
    content = re.sub(rf'"id":{old.id}\b', f'"id":{new.id}', content)
    return re.sub(rf"\battachment_{old.id}\b", f"attachment_{new.id}", content)


_BLOCK = re.compile(
    r"<!-- wp:image\b[^>]*-->.*?<!-- /wp:image -->|<figure\b.*?</figure>|\[caption\b.*?\[/caption\]"
    r"|<img\b[^>]*>",
    re.S | re.I,
)


def _unlink(content: str, killed: list[Media], placeholder: Media | None) -> str:
    """The post body without any image block of a killed item (or the placeholder instead)."""

    def one(m: re.Match[str]) -> str:
        block = m[0]
        if not any(mark in block for k in killed for mark in _marks(k)):
            return block
        if placeholder is None:
            return ""
        src = html.escape(placeholder.url)
        return f'<figure class="wp-block-image"><img src="{src}" alt="" /></figure>'

    return _BLOCK.sub(one, content)


def _home(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"
