"""Feed documents -> `NoticeText`s: IPTC NewsML-G2 (XML) and ninjs (JSON), one per item.

XML is parsed with defusedxml: a feed is input from outside, and entity expansion ("billion
laughs") or external entities must be refused, not expanded. Only what a notice needs is read:
status, signals, edNote, headline, caption, byline, ids and dates.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from wirefix.ingest.recognisers import NoticeText


class FeedError(Exception):
    """A feed document could not be read; the message says why."""


def looks_like_xml(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return (
        head.startswith(b"<?xml")
        or head.startswith(b"<newsMessage")
        or (head.startswith(b"<") and b"newsItem" in data[:4096])
    )


def looks_like_json(data: bytes) -> bool:
    return data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))


def _with_id(parts: list[str], ids: dict[str, str]) -> str:
    """The item's words, then its id on a line of its own.

    Feed items often say no more than "WITHDRAWN": without the id, two different kills would
    read the same, hash the same (Notice.content_hash) and the second would not be stored.
    """
    words = "\n\n".join(dict.fromkeys(p for p in parts if p))
    item_id = ids.get("guid") or ids.get("usn") or next(iter(ids.values()), "")
    return f"{words}\n\n(item {item_id})" if item_id else words


# -- NewsML-G2 ------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find_all(el: Element, name: str) -> list[Element]:
    return [e for e in el.iter() if _local(e.tag) == name]


def _first(el: Element, name: str) -> Element | None:
    return next((e for e in el.iter() if _local(e.tag) == name), None)


def _text(el: Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def parse_newsml(data: bytes, source: str) -> list[NoticeText]:
    """Every newsItem of a NewsML-G2 document (a newsMessage or a lone item)."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FeedError(
            f"XML refused ({type(exc).__name__}: DTDs and entities are not read)"
        ) from exc
    except SafeET.ParseError as exc:
        raise FeedError(f"malformed XML ({exc})") from exc
    items = [e for e in root.iter() if _local(e.tag) == "newsItem"]
    if not items:
        if _local(root.tag) == "NewsML" or _first(root, "NewsItem") is not None:
            return _newsml_1(root, source)
        raise FeedError("XML without a NewsML-G2 newsItem")
    return [_newsml_item(item, source) for item in items]


def _newsml_item(item: Element, source: str) -> NoticeText:
    ids: dict[str, str] = {}
    if item.get("guid"):
        ids["guid"] = item.get("guid", "")
    for alt in _find_all(item, "altId"):
        value = _text(alt)
        if not value:
            continue
        kind = (alt.get("type") or "altid").split(":")[-1].casefold()
        ids.setdefault("usn" if kind == "usn" else f"altid_{kind}", value)
    pub = _first(item, "pubStatus")
    signals = " ".join(s.get("qcode", "") for s in _find_all(item, "signal"))
    provider = _first(item, "provider")
    lang = _first(item, "language")
    meta = {
        "pubstatus": pub.get("qcode", "") if pub is not None else "",
        "signals": signals,
        "provider": _provider(provider.get("literal") or provider.get("qcode") or "")
        if provider is not None
        else "",
        "language": (
            (lang.get("tag") if lang is not None else None)
            or item.get("{http://www.w3.org/XML/1998/namespace}lang")
            or ""
        )[:2].casefold(),
    }
    by = _first(item, "by")
    if by is not None and _text(by):
        meta["byline"] = _text(by)
    parts = [_text(_first(item, name)) for name in ("edNote", "title", "headline", "slugline")] + [
        _text(d) for d in _find_all(item, "description")
    ]
    parts += [_text(_first(item, "creditline"))]
    sent = _text(_first(item, "versionCreated")) or _text(_first(item, "firstCreated"))
    return NoticeText(
        text=_with_id(parts, ids),
        source=f"{source}#{ids.get('guid', '')}" if ids.get("guid") else source,
        source_kind="newsml",
        sent_at=_iso(sent),
        identifiers=ids,
        metadata={k: v for k, v in meta.items() if v},
    )


def _newsml_1(root: Element, source: str) -> list[NoticeText]:
    """NewsML 1.2, as AFP still sends it: Status FormalName="Canceled" is the kill."""
    out = []
    for item in _find_all(root, "NewsItem"):
        status = _first(item, "Status")
        ids = {}
        public = _first(item, "PublicIdentifier")
        if public is not None and _text(public):
            ids["guid"] = _text(public)
        provider = _text(_first(item, "ProviderId"))
        parts = [_text(_first(item, n)) for n in ("HeadLine", "SubHeadLine", "DataContent")]
        out.append(
            NoticeText(
                text=_with_id(parts, ids),
                source=source,
                source_kind="newsml",
                sent_at=_iso(_text(_first(item, "ThisRevisionCreated"))),
                identifiers=ids,
                metadata={
                    "pubstatus": (status.get("FormalName", "") if status is not None else ""),
                    "provider": _provider(provider),
                },
            )
        )
    return out


_PROVIDERS = [
    (re.compile(r"reuters", re.I), "Reuters"),
    (re.compile(r"afp", re.I), "AFP"),
    (re.compile(r"\bap\b|ap\.org|associated press", re.I), "AP"),
    (re.compile(r"getty", re.I), "Getty Images"),
    (re.compile(r"\bepa\b", re.I), "EPA"),
]


def _provider(value: str, fallback: bool = True) -> str:
    """A provider literal or qcode ("reuters.com", "nprov:REUTERS") as wirefix names agencies;
    without `fallback`, "" for a value that names no agency wirefix knows (an item's address)."""
    for pattern, name in _PROVIDERS:
        if pattern.search(value):
            return name
    return value.split(":")[-1] if fallback else ""


def _iso(value: str) -> str | None:
    """A feed timestamp as ISO 8601 ("2018-01-03T20:13:08.000Z" -> "2018-01-03T20:13:08+00:00")."""
    value = value.strip()
    m = re.match(r"(\d{4}-\d{2}-\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2}))?", value)
    if not m:
        m8 = re.match(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})", value)
        if not m8:
            return None
        y, mo, d, h, mi, s = m8.groups()
        return f"{y}-{mo}-{d}T{h}:{mi}:{s}+00:00"
    day, h, mi, s = m.groups()
    return f"{day}T{h}:{mi}:{s}+00:00" if h else day


# -- ninjs ----------------------------------------------------------------------------------


def parse_ninjs(data: bytes, source: str) -> list[NoticeText]:
    """Every ninjs item of a document: one item, a list, or a feed {"items": [...]}/{"data":...}."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FeedError(f"not JSON ({str(exc)[:120]})") from exc
    items = _ninjs_items(doc)
    if not items:
        raise FeedError("JSON without a ninjs item (no guid/uri and no pubstatus)")
    return [_ninjs_item(item, source) for item in items]


def _ninjs_items(doc: Any, depth: int = 0) -> list[dict[str, Any]]:
    if depth > 4:
        return []
    if isinstance(doc, list):
        return [i for d in doc for i in _ninjs_items(d, depth + 1)]
    if not isinstance(doc, dict):
        return []
    if any(k in doc for k in ("guid", "uri", "pubstatus", "altids")):
        return [doc]
    for key in ("items", "data", "item"):
        if key in doc:
            return _ninjs_items(doc[key], depth + 1)
    return []


def _s(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _s(value.get("name") or value.get("literal") or value.get("value") or "")
    if isinstance(value, list):
        return " ".join(_s(v) for v in value)
    return "" if value is None else str(value)


def _ninjs_item(item: dict[str, Any], source: str) -> NoticeText:
    ids: dict[str, str] = {}
    for key in ("guid", "uri"):
        if _s(item.get(key)):
            ids.setdefault("guid", _s(item.get(key)))
    altids = item.get("altids")
    if isinstance(altids, dict):
        for key, value in altids.items():
            if _s(value) and key != "etag":
                ids[{"transref": "transmission_ref"}.get(key, f"altid_{key}")] = _s(value)
    elif isinstance(altids, list):
        for alt in altids:
            if isinstance(alt, dict) and _s(alt.get("value")):
                ids[f"altid_{_s(alt.get('role') or alt.get('type') or 'id').casefold()}"] = _s(
                    alt.get("value")
                )
    signals = item.get("signals") or item.get("signal") or []
    if isinstance(signals, (str, dict)):
        signals = [signals]
    qcodes = " ".join(
        _s(s.get("qcode") or s.get("code") or s.get("uri")) if isinstance(s, dict) else _s(s)
        for s in signals
    )
    descriptions = item.get("descriptions")
    texts = [_s(item.get(k)) for k in ("ednote", "headline", "description_text", "body_text")]
    if isinstance(descriptions, list):
        texts += [_s(d.get("value")) for d in descriptions if isinstance(d, dict)]
    texts += [_s(item.get("description_caption")), _s(item.get("description_creditline"))]
    provider = _s(item.get("provider") or item.get("copyrightholder") or item.get("source"))
    meta = {
        "pubstatus": _s(item.get("pubstatus")),
        "signals": qcodes,
        "provider": _provider(provider) if provider else _provider(ids.get("guid", ""), False),
        "language": _s(item.get("language"))[:2].casefold(),
        "byline": _s(item.get("byline")),
    }
    return NoticeText(
        text=_with_id([t.strip() for t in texts], ids),
        source=f"{source}#{ids['guid']}" if "guid" in ids else source,
        source_kind="ninjs",
        sent_at=_iso(_s(item.get("versioncreated") or item.get("firstcreated"))),
        identifiers=ids,
        metadata={k: v for k, v in meta.items() if v},
    )
