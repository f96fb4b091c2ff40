"""Prove that a rewritten JPEG differs from the original only in the planned tags.

The rewrite's fast path verifies `jpegwrite.write`'s output with a targeted ExifTool read of the
planned tags (plus errors and warnings) and with `check` here: an independent structural
comparison of the old and new bytes. It parses the files itself: it shares with the writer only
the tag tables (`jpeg.tables`) and the tokenizer (`jpeg.segments`), never its edit code. It
refuses (`Unexpected`) anything it cannot parse or account for; the caller then falls back to
the full ExifTool verification, so refusing is always safe and accepting wrongly is not.

What may differ, and only there:

- the EXIF APP1: IFD0's planned entries (their 12 bytes, their old value bytes, and bytes
  appended after the old TIFF end that only planned entries point at, or zero padding);
- the XMP APP1: the values of planned properties (any other property, in attribute or element
  form, must be there in both with the same canonical value; blank text and padding aside);
- the Photoshop APP13: the IPTC resource (datasets of planned tags; record versions 1:0 / 2:0
  may appear) and the IPTCDigest resource (changed or appended, if planned).

Every other segment, the marker order and everything from SOS on must be byte-identical.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from typing import Any

from wirefix.jpeg.segments import SOS, JpegError, Segment, head_segments
from wirefix.jpeg.tables import EXIF_TAGS, IPTC_TAGS, XMP_NAMESPACES, XMP_TAGS


class Unexpected(Exception):
    """The new file differs from the old in something not planned (message names it)."""


_EXIF = b"Exif\0\0"
_XMP = b"http://ns.adobe.com/xap/1.0/\0"
_PHOTOSHOP = b"Photoshop 3.0\0"
_DIGEST = "Photoshop:IPTCDigest"

#: (record, dataset) -> ExifTool name.
_IPTC_NAMES: dict[tuple[int, int], str] = {(r, d): n for n, (r, d, *_) in IPTC_TAGS.items()}
_IPTC_NAMES[(1, 90)] = "IPTC:CodedCharacterSet"
_RECORD_VERSIONS = {(1, 0), (2, 0)}

#: (namespace URI, property) -> ExifTool name.
_XMP_NAMES: dict[tuple[str, str], str] = {
    (XMP_NAMESPACES[prefix], prop): name for name, (prefix, prop, _) in XMP_TAGS.items()
}
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_META = ("{adobe:ns:meta/}xmpmeta", "{adobe:ns:meta/}xapmeta")

#: IFD0 tag id -> ExifTool name.
_EXIF_NAMES: dict[int, str] = {tag: name for name, tag in EXIF_TAGS.items()}


def check(old: bytes, new: bytes, planned: set[str]) -> None:
    """Raise Unexpected unless `new` differs from `old` only in the tags named in `planned`
    (ExifTool group-1 names as in jpegwrite's tables, e.g. "IPTC:By-line", "XMP-dc:Creator",
    "IFD0:Artist", "IPTC:CodedCharacterSet", "Photoshop:IPTCDigest")."""
    old_segs, new_segs = _split(old), _split(new)
    if [s.marker for s in old_segs] != [s.marker for s in new_segs]:
        raise Unexpected("the sequence of JPEG segments changed")
    if old[old_segs[-1].offset :] != new[new_segs[-1].offset :]:
        raise Unexpected("the image data (SOS onwards) changed")
    for sa, sb in zip(old_segs[:-1], new_segs[:-1], strict=True):
        marker = sa.marker
        if old[sa.offset : sa.end] == new[sb.offset : sb.end]:
            continue
        # The fill bytes and marker (everything before the length) must be the same.
        if sa.standalone or old[sa.offset : sa.marker_at + 2] != new[sb.offset : sb.marker_at + 2]:
            raise Unexpected(f"fill bytes before marker 0x{marker:02X} changed")
        pa, pb = sa.payload(old), sb.payload(new)
        if marker == 0xE1 and pa.startswith(_EXIF) and pb.startswith(_EXIF):
            _check_exif(pa[len(_EXIF) :], pb[len(_EXIF) :], planned)
        elif marker == 0xE1 and pa.startswith(_XMP) and pb.startswith(_XMP):
            _check_xmp(pa[len(_XMP) :], pb[len(_XMP) :], planned)
        elif marker == 0xED and pa.startswith(_PHOTOSHOP) and pb.startswith(_PHOTOSHOP):
            _check_photoshop(pa[len(_PHOTOSHOP) :], pb[len(_PHOTOSHOP) :], planned)
        else:
            raise Unexpected(f"segment 0x{marker:02X} changed")


# -- JPEG ----------------------------------------------------------------------------------


def iptc_text_is_ascii(data: bytes) -> bool:
    """Whether every IPTC dataset value of the JPEG `data` is plain ASCII, so declaring the
    block UTF-8 changes how none of them reads (Latin-1 and UTF-8 agree on ASCII). False for
    anything unusual, including more than one IPTC block."""
    try:
        blocks = [
            block
            for seg in _split(data)
            if seg.marker == 0xED and (payload := seg.payload(data)).startswith(_PHOTOSHOP)
            for rid, _, block, _ in _resources(payload[len(_PHOTOSHOP) :])
            if rid == 0x0404
        ]
        if len(blocks) != 1:
            return False
        datasets, _ = _datasets(blocks[0])
    except (Unexpected, struct.error):
        return False
    return all(value.isascii() for _, _, value in datasets)


def _split(data: bytes) -> list[Segment]:
    """The segments from SOI through the first SOS (the last one: everything from it on is the
    image data, which must not change at all)."""
    try:
        segments = head_segments(data)
    except JpegError as exc:
        raise Unexpected(f"JPEG segments cannot be followed to the image data: {exc}") from exc
    assert segments[-1].marker == SOS
    return segments


# -- Photoshop / IPTC ----------------------------------------------------------------------


def _resources(data: bytes) -> list[tuple[int, bytes, bytes, bytes]]:
    """(id, header through the name, data, raw resource bytes including padding)."""
    out = []
    pos = 0
    while pos < len(data):
        if data[pos : pos + 4] != b"8BIM" or pos + 12 > len(data):
            raise Unexpected("Photoshop resources that are not 8BIM blocks")
        (rid,) = struct.unpack_from(">H", data, pos + 4)
        size_at = pos + 6 + ((data[pos + 6] + 2) & ~1)
        if size_at + 4 > len(data):
            raise Unexpected("truncated Photoshop resource")
        (size,) = struct.unpack_from(">I", data, size_at)
        end = size_at + 4 + size
        if end > len(data):
            raise Unexpected("truncated Photoshop resource")
        nxt = min(end + (size & 1), len(data))
        out.append((rid, data[pos:size_at], data[size_at + 4 : end], data[pos:nxt]))
        pos = nxt
    return out


def _check_photoshop(old: bytes, new: bytes, planned: set[str]) -> None:
    a, b = _resources(old), _resources(new)
    if len(b) == len(a) + 1 and b[-1][0] == 0x0425 and not any(r[0] == 0x0425 for r in a):
        if _DIGEST not in planned:
            raise Unexpected("an IPTCDigest resource was added but not planned")
        if b[-1][1] != b"8BIM\x04\x25\0\0" or len(b[-1][2]) != 16:
            raise Unexpected("an added IPTCDigest resource is not a plain 16-byte digest")
        b = b[:-1]
    if len(a) != len(b):
        raise Unexpected("Photoshop resources added or removed")
    for (rid, head, data, raw), (rid2, head2, data2, raw2) in zip(a, b, strict=True):
        if rid != rid2 or head != head2:
            raise Unexpected(f"Photoshop resource 0x{rid:04X} replaced, renamed or reordered")
        if raw == raw2:
            continue
        if rid == 0x0404:
            _check_iptc(data, data2, planned)
        elif rid == 0x0425:
            if _DIGEST not in planned:
                raise Unexpected("IPTCDigest changed but not planned")
            if len(data2) != 16:
                raise Unexpected("IPTCDigest is not 16 bytes")
        else:
            raise Unexpected(f"Photoshop resource 0x{rid:04X} changed")


def _datasets(block: bytes) -> tuple[list[tuple[int, int, bytes]], bytes]:
    """(record, dataset, value) in order, and the bytes after the last dataset (zeros)."""
    out = []
    pos = 0
    while pos < len(block) and block[pos] == 0x1C:
        if pos + 5 > len(block):
            raise Unexpected("truncated IPTC dataset")
        (length,) = struct.unpack_from(">H", block, pos + 3)
        if length & 0x8000:
            raise Unexpected("extended IPTC dataset")
        if pos + 5 + length > len(block):
            raise Unexpected("truncated IPTC dataset")
        out.append((block[pos + 1], block[pos + 2], block[pos + 5 : pos + 5 + length]))
        pos += 5 + length
    tail = block[pos:]
    if tail.strip(b"\0"):
        raise Unexpected("IPTC data with bytes that are not datasets")
    return out, tail


def _check_iptc(old: bytes, new: bytes, planned: set[str]) -> None:
    a, tail_a = _datasets(old)
    b, tail_b = _datasets(new)
    if tail_a != tail_b:
        raise Unexpected("the padding after the IPTC datasets changed")
    free = {key for key, name in _IPTC_NAMES.items() if name in planned}
    old_keys = {(r, d) for r, d, _ in a}
    added = _RECORD_VERSIONS - old_keys
    kept_a = [ds for ds in a if ds[:2] not in free]
    kept_b = [ds for ds in b if ds[:2] not in free and ds[:2] not in added]
    if kept_a != kept_b:
        for ds in kept_a:
            if ds not in kept_b:
                raise Unexpected(f"IPTC dataset {_iptc_name(ds)} changed or removed")
        for ds in kept_b:
            if ds not in kept_a:
                raise Unexpected(f"IPTC dataset {_iptc_name(ds)} changed or added")
        raise Unexpected("IPTC datasets reordered")
    if any(b.count(ds) > 1 for ds in b if ds[:2] in added):
        raise Unexpected("IPTC record version added more than once")


def _iptc_name(ds: tuple[int, int, bytes]) -> str:
    return _IPTC_NAMES.get(ds[:2], f"{ds[0]}:{ds[1]}")


# -- XMP -----------------------------------------------------------------------------------

_ROOT_START = re.compile(rb"<[^?!]")
_BLANK = re.compile(rb"[\s\0]+")


def _check_xmp(old: bytes, new: bytes, planned: set[str]) -> None:
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


# -- EXIF ----------------------------------------------------------------------------------

_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_POINTERS = (0x8769, 0x8825, 0xA005, 0x014A)  # ExifIFD, GPS, Interoperability, SubIFDs


def _ifd(tiff: bytes, order: str, at: int) -> list[tuple[int, int, int, int, int]]:
    """(tag, type, count, value-or-offset, entry offset) of the directory at `at`."""
    (count,) = struct.unpack_from(order + "H", tiff, at)
    if at + 2 + 12 * count + 4 > len(tiff) or count > 1000:
        raise Unexpected("EXIF directory runs past its segment")
    return [
        (*struct.unpack_from(order + "HHII", tiff, at + 2 + 12 * i), at + 2 + 12 * i)
        for i in range(count)
    ]


def _ranges(tiff: bytes, order: str, ifd0: int) -> list[tuple[int, int, int]]:
    """(start, end, entry offset or -1) of every directory and out-of-line value reachable from
    IFD0 (sub-IFDs, IFD1 and its thumbnail)."""
    used: list[tuple[int, int, int]] = []
    todo, seen = [ifd0], set()
    while todo:
        at = todo.pop()
        if at in seen:
            continue
        if not 8 <= at < len(tiff) - 1:
            raise Unexpected("EXIF directory offset outside the segment")
        seen.add(at)
        entries = _ifd(tiff, order, at)
        end = at + 2 + 12 * len(entries)
        used.append((at, end + 4, -1))
        thumb = {}
        for tag, typ, n, value, entry in entries:
            size = _SIZES.get(typ, 1) * n
            if size > 4:
                used.append((value, value + size, entry))
            if tag in _POINTERS and typ in (4, 13) and n == 1:
                todo.append(value)
            if tag in (0x0201, 0x0202):
                thumb[tag] = value
        if len(thumb) == 2:
            used.append((thumb[0x0201], thumb[0x0201] + thumb[0x0202], -1))
        (nxt,) = struct.unpack_from(order + "I", tiff, end)
        if nxt and at == ifd0:
            todo.append(nxt)
    return used


def _check_exif(old: bytes, new: bytes, planned: set[str]) -> None:
    if old[:8] != new[:8]:
        raise Unexpected("EXIF TIFF header changed")
    if old[:4] == b"II*\0":
        order = "<"
    elif old[:4] == b"MM\0*":
        order = ">"
    else:
        raise Unexpected("bad TIFF header in EXIF")
    try:
        (ifd0,) = struct.unpack_from(order + "I", old, 4)
        a, b = _ifd(old, order, ifd0), _ifd(new, order, ifd0)
        out_of_line = any(
            _EXIF_NAMES.get(tag) in planned and _SIZES.get(typ, 1) * n > 4
            for tag, typ, n, _, _ in a
        )
        used = _ranges(old, order, ifd0) if out_of_line else []
    except struct.error as exc:
        raise Unexpected("EXIF structure runs past its segment") from exc
    if [e[0] for e in a] != [e[0] for e in b]:
        raise Unexpected("IFD0 entries added, removed or reordered")
    masked_old, masked_new = bytearray(old), bytearray(new)
    planned_at = {e[4] for e in a if _EXIF_NAMES.get(e[0]) in planned}
    appended: list[tuple[int, int]] = []
    for (tag, typ, n, value, at), (_, typ2, n2, value2, _) in zip(a, b, strict=True):
        if at not in planned_at:
            if old[at : at + 12] != new[at : at + 12]:
                raise Unexpected(f"IFD0 entry 0x{tag:04X} changed")
            continue
        masked_old[at : at + 12] = masked_new[at : at + 12] = bytes(12)
        size = _SIZES.get(typ, 1) * n
        if size > 4:
            if value + size > len(old):
                raise Unexpected(f"IFD0 entry 0x{tag:04X}: value runs past the EXIF segment")
            for s, e, who in used:
                if who not in planned_at and s < value + size and value < e:
                    raise Unexpected(f"IFD0 entry 0x{tag:04X}: value shared with other data")
            masked_old[value : value + size] = masked_new[value : value + size] = bytes(size)
        size2 = _SIZES.get(typ2, 1) * n2
        if size2 > 4:
            if value2 + size2 > len(new):
                raise Unexpected(f"IFD0 entry 0x{tag:04X}: new value runs past the segment")
            appended.append((value2, value2 + size2))
    if len(new) < len(old) or masked_old != masked_new[: len(old)]:
        raise Unexpected("EXIF data outside the planned IFD0 entries changed")
    tail = bytearray(new[len(old) :])
    for s, e in appended:
        s, e = max(s - len(old), 0), max(e - len(old), 0)
        tail[s:e] = bytes(e - s)
    if tail.strip(b"\0"):
        raise Unexpected("bytes appended to EXIF that no planned entry points at")
