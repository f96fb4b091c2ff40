"""The prover's XMP check: both packets flattened to their skeleton and properties; only the
planned properties may differ."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from wirefix.jpeg.prove.errors import Unexpected
from wirefix.jpeg.tables import XMP_NAMESPACES, XMP_TAGS

#: (namespace URI, property) -> ExifTool name.
_XMP_NAMES: dict[tuple[str, str], str] = {
    (XMP_NAMESPACES[prefix], prop): name for name, (prefix, prop, _) in XMP_TAGS.items()
}
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_META = ("{adobe:ns:meta/}xmpmeta", "{adobe:ns:meta/}xapmeta")


_ROOT_START = re.compile(rb"<[^?!]")
_BLANK = re.compile(rb"[\s\0]+")


def check_xmp(old: bytes, new: bytes, planned: set[str]) -> None:
    skel_a, props_a = _flatten(old)
    skel_b, props_b = _flatten(new)
    if skel_a != skel_b:
        raise Unexpected("XMP structure outside the properties changed")
    for key in props_a.keys() | props_b.keys():
        name = _XMP_NAMES.get(key)  # type: ignore[arg-type]
        if name in planned:
            continue
        if (
            key in props_a
            and key in props_b
            and [_value(v) for v in props_a[key]] == [_value(v) for v in props_b[key]]
        ):
            continue
        what = name or f"{{{key[0]}}}{key[1]}"
        if key not in props_b:
            raise Unexpected(f"XMP property {what} removed")
        if key not in props_a:
            raise Unexpected(f"XMP property {what} added")
        raise Unexpected(f"XMP property {what} changed")


def _flatten(packet: bytes) -> tuple[tuple, dict[tuple[str | None, str], list[Any]]]:
    """(everything but the properties, canonically; {(namespace, name): [attribute text or
    element]})."""
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        raise Unexpected("XMP with a DOCTYPE or ENTITY declaration")
    body = packet.rstrip(b"\0")
    first = _ROOT_START.search(body)
    last = body.rfind(b">")
    if first is None or last < 0:
        raise Unexpected("XMP packet without an element")
    close = body.rfind(b"</")
    prolog = body[: first.start()]
    epilog = _BLANK.sub(b"", body[body.find(b">", close) + 1 :]) if close >= 0 else None
    try:
        parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True, insert_pis=True))
        parser.feed(body)
        root = parser.close()
    except ET.ParseError as exc:
        raise Unexpected(f"XMP not well-formed: {exc}") from exc
    if root.tag in _META:
        rdfs = [c for c in root if c.tag == f"{{{_RDF}}}RDF"]
        if len(rdfs) != 1:
            raise Unexpected("XMP x:xmpmeta without exactly one rdf:RDF")
        rdf = rdfs[0]
        others = tuple(_canon(c) for c in root if c is not rdf)
        outer: tuple = (root.tag, sorted(root.attrib.items()), _blank(root.text), others)
    elif root.tag == f"{{{_RDF}}}RDF":
        rdf, outer = root, ()
    else:
        raise Unexpected(f"XMP root is {root.tag}")
    props: dict[tuple[str | None, str], list[Any]] = {}
    descriptions = []
    for desc in rdf:
        if desc.tag != f"{{{_RDF}}}Description":
            raise Unexpected(f"XMP node {desc.tag} in rdf:RDF")
        structural = []
        for attr, value in desc.attrib.items():
            key = _split_name(attr)
            if key[0] == _RDF:
                structural.append((attr, value))
            else:
                props.setdefault(key, []).append(value)
        for child in desc:
            if not isinstance(child.tag, str):  # comment or processing instruction
                structural.append(_canon(child))
            else:
                props.setdefault(_split_name(child.tag), []).append(child)
            if _blank(child.tail):
                raise Unexpected("text between XMP properties")
        if _blank(desc.text):
            raise Unexpected("text in rdf:Description")
        descriptions.append((sorted(structural), _blank(desc.tail)))
    skeleton = (
        prolog,
        epilog,
        outer,
        sorted(rdf.attrib.items()),
        _blank(rdf.text),
        tuple(descriptions),
    )
    return skeleton, props


def _value(prop: str | ET.Element) -> tuple:
    """A property's canonical value: an attribute's text, an element's `_canon`."""
    return ("attr", prop) if isinstance(prop, str) else ("elem", _canon(prop))


def _split_name(name: str) -> tuple[str | None, str]:
    if name.startswith("{"):
        uri, _, local = name[1:].partition("}")
        return uri, local
    return None, name


def _blank(text: str | None) -> str:
    """Text between elements: whitespace-only text counts as none."""
    return "" if text is None or not text.strip() else text


def _canon(el: ET.Element) -> tuple:
    """An element's tag, attributes (xml:lang included) and content, whitespace between
    child elements aside; a leaf's text is kept exactly."""
    tag = el.tag if isinstance(el.tag, str) else repr(el.tag)
    children = tuple(_canon(c) for c in el)
    if children:
        text = _blank(el.text)
        tails = tuple(_blank(c.tail) for c in el)
    else:
        text, tails = el.text or "", ()
    return (tag, tuple(sorted(el.attrib.items())), text, children, tails)
