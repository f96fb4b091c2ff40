"""The rewrite's fast path: write text tags into a JPEG directly, without ExifTool (SPEC §6).

ExifTool's write costs as much Perl per file as both of the rewrite's reads together; the common
case (a JPEG, a handful of IPTC / XMP / EXIF text tags) is a few byte-level edits. `write` makes
them surgically: every byte it was not asked to change stays where it was (other segments,
resources, datasets, XMP text, the image data). What it writes must read back in ExifTool exactly
as ExifTool's own write of the same values reads (`tests/test_jpegwrite.py` holds it to that on
the real corpus); the rewrite verifies every file with ExifTool anyway and falls back to
ExifTool's write when this module raises `Unsupported` or the verification fails.

Where it would have to guess, it does not: anything it does not fully understand is
`Unsupported`, with the reason. Settled to ExifTool 12.57's writing:

- IPTC: a replaced dataset keeps its place (all repeats of a list go to the first one's place);
  an absent one is added at the end of its record, new ones in dataset order (WriteIPTC.pl);
  text is UTF-8 when the block ends up declaring `ESC % G`, else only ASCII is written;
  `IPTCDigest` "new" is the MD5 of the new 0x0404 resource data, appended as a resource when
  absent; over-long values are refused (ExifTool would cut them);
- XMP: edited in place with expat byte offsets; the packet's padding absorbs the change;
- EXIF: IFD0 ASCII text as UTF-8 + NUL, in place if it fits, else appended at the end of the
  TIFF data; the old bytes are zeroed, so a corrected name survives nowhere in the file.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import struct
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from wirefix.jpeg.read import exif_fault
from wirefix.jpeg.segments import SOS, JpegError, Segment, head_segments
from wirefix.jpeg.tables import EXIF_TAGS, IPTC_TAGS, XMP_NAMESPACES, XMP_TAGS


class Unsupported(Exception):
    """Not a file or a write the fast writer does; ExifTool writes this one (message says why)."""


#: Largest APPn payload: the segment length (a 16-bit count that includes itself) minus two.
MAX_PAYLOAD = 65533

_EXIF = b"Exif\0\0"
_XMP = b"http://ns.adobe.com/xap/1.0/\0"
_XMP_EXT = b"http://ns.adobe.com/xmp/extension/\0"
_PHOTOSHOP = b"Photoshop 3.0\0"
_ODD_APP1 = re.compile(rb"Exif|XMP|xmp|xap|xpacket", re.I)

_CHARSET_TAG = "IPTC:CodedCharacterSet"
_DIGEST_TAG = "Photoshop:IPTCDigest"
_UTF8 = b"\x1b%G"
_NS = XMP_NAMESPACES
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_NS = "http://www.w3.org/XML/1998/namespace"


#: Characters ExifTool does not carry through every format as written (controls are mangled in
#: XMP and dropped from its JSON; U+FFFE/U+FFFF are not XML). No caption or name needs them.
_REFUSED_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def write(data: bytes, values: dict[str, Any]) -> bytes:
    """The JPEG `data` with `values` written, everything else byte-identical where possible.

    `values` is `plan.exiftool_values()`: ExifTool group-1 tag -> str (or list of str for list
    tags). Raises `Unsupported` for anything this module does not do exactly as ExifTool would.
    """
    if not values:
        raise Unsupported("nothing to write")
    iptc: dict[str, list[str]] = {}
    xmp: dict[str, list[str]] = {}
    exif: dict[str, str] = {}
    charset: str | None = None
    digest = False
    for tag, value in values.items():
        if tag == _DIGEST_TAG:
            if not isinstance(value, str) or value.lower() != "new":
                raise Unsupported(f"{tag}: only the value 'new' is written here")
            digest = True
        elif tag == _CHARSET_TAG:
            if value != "UTF8":
                raise Unsupported(f"{tag}: only UTF8 is written here, not {value!r}")
            charset = value
        elif tag in IPTC_TAGS:
            iptc[tag] = _items(tag, value, IPTC_TAGS[tag][2])
        elif tag in XMP_TAGS:
            xmp[tag] = _items(tag, value, XMP_TAGS[tag][2] in ("Seq", "Bag"))
        elif tag in EXIF_TAGS:
            exif[tag] = _items(tag, value, False)[0]
        else:
            raise Unsupported(f"{tag}: not a tag the fast writer writes")

    segments = _segments(data)
    exif_seg = xmp_seg = app13 = None
    for seg in segments:
        payload = seg.payload(data)
        if seg.marker == 0xE1:
            if payload.startswith(_EXIF):
                if exif_seg is not None:
                    raise Unsupported("more than one EXIF APP1 segment")
                exif_seg = seg
            elif payload.startswith(_XMP):
                if xmp_seg is not None:
                    raise Unsupported("more than one XMP APP1 segment")
                xmp_seg = seg
            elif payload.startswith(_XMP_EXT):
                raise Unsupported("extended XMP")
            elif _ODD_APP1.search(payload[:64]):
                # ExifTool reads "XMP\0://ns.adobe.com/..." as XMP, but its write leaves it alone.
                raise Unsupported("EXIF or XMP APP1 with a non-standard header")
        elif seg.marker == 0xED:
            if app13 is not None:
                raise Unsupported("more than one APP13 segment")
            app13 = seg

    replaced: dict[int, bytes] = {}  # segment start -> new payload
    if iptc or charset or digest:
        if app13 is None:
            raise Unsupported("no APP13 segment to hold IPTC")
        if data.rstrip(b"\0")[-2:] != b"\xff\xd9":
            raise Unsupported("data after the image (a trailer may hold IPTC ExifTool also edits)")
        if exif_seg is not None and _has_iptc(data[exif_seg.payload_start + 6 : exif_seg.end]):
            raise Unsupported("a second IPTC block in EXIF, which ExifTool also edits")
        payload = _photoshop(app13.payload(data), iptc, charset, digest)
        replaced[app13.offset] = payload
    if xmp:
        if xmp_seg is None:
            raise Unsupported("no XMP packet to write into")
        packet = _xmp_packet(data[xmp_seg.payload_start + len(_XMP) : xmp_seg.end], xmp)
        replaced[xmp_seg.offset] = _XMP + packet
    if exif:
        if exif_seg is None:
            raise Unsupported("no EXIF segment to write into")
        tiff = _exif(data[exif_seg.payload_start + 6 : exif_seg.end], exif)
        replaced[exif_seg.offset] = _EXIF + tiff

    out = bytearray()
    pos = 0
    mpf = False
    for seg in segments:
        mpf = mpf or (seg.marker == 0xE2 and seg.payload(data)[:4] == b"MPF\0")
        new = replaced.get(seg.offset)
        if new is None:
            continue
        if len(new) > MAX_PAYLOAD:
            raise Unsupported(f"APP{seg.marker - 0xE0} segment would grow past 64 kB")
        if mpf and len(new) != seg.end - seg.payload_start:
            # MPF image offsets count from the APP2 segment: they would point a few bytes off.
            raise Unsupported("a segment after the MPF index would change size")
        out += data[pos : seg.marker_at + 2]
        out += struct.pack(">H", len(new) + 2)
        out += new
        pos = seg.end
    out += data[pos:]
    return bytes(out)


def _items(tag: str, value: Any, is_list: bool) -> list[str]:
    """The value as a list of text items, refusing what ExifTool would not write literally."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise Unsupported(f"{tag}: an empty list would delete the tag")
    if len(items) > 1 and not is_list:
        raise Unsupported(f"{tag}: a list for a tag that holds one value")
    for item in items:
        if not isinstance(item, str) or isinstance(item, bool):
            raise Unsupported(f"{tag}: {type(item).__name__} value, not text")
        if item == "":
            raise Unsupported(f"{tag}: an empty value would delete the tag")
        if item.startswith("base64:"):
            raise Unsupported(f"{tag}: ExifTool's JSON import decodes values starting 'base64:'")
        if _REFUSED_CHARS.search(item):
            raise Unsupported(f"{tag}: control characters in the value")
    return items


# -- JPEG ----------------------------------------------------------------------------------

#: Segments with a length field the writer copies past before the first scan: SOFn, DHT, DAC,
#: DQT, DNL, DRI, DHP, EXP, APPn, COM (and the standalone TEM and RSTn, see jpeg.segments).
_KNOWN_MARKERS = {*range(0xC0, 0xD0), *range(0xDB, 0xE0), *range(0xE0, 0xF0), 0xFE}


def _segments(data: bytes) -> list[Segment]:
    """The segments before the first scan (the image data from SOS on is never touched)."""
    if data[:3] != b"\xff\xd8\xff":
        raise Unsupported("not a JPEG")
    try:
        segments = head_segments(data)
    except JpegError as exc:
        raise Unsupported(f"{exc} (before the image data)") from exc
    for seg in segments[1:-1]:
        if not seg.standalone and seg.marker not in _KNOWN_MARKERS:
            raise Unsupported(f"unexpected JPEG marker 0x{seg.marker:02X} before the image data")
    assert segments[-1].marker == SOS
    return segments[1:-1]


# -- IPTC ----------------------------------------------------------------------------------


def _photoshop(
    payload: bytes, iptc: dict[str, list[str]], charset: str | None, digest: bool
) -> bytes:
    """The APP13 payload with the IPTC resource rewritten and the digest set if asked."""
    if not payload.startswith(_PHOTOSHOP):
        raise Unsupported("APP13 that is not Photoshop 3.0")
    resources: list[tuple[int, int, int, int]] = []  # id, start, data start, data size
    pos = len(_PHOTOSHOP)
    while pos < len(payload):
        if payload[pos : pos + 4] != b"8BIM" or pos + 12 > len(payload):
            raise Unsupported("Photoshop resources that are not plain 8BIM blocks")
        (rid,) = struct.unpack_from(">H", payload, pos + 4)
        data_at = pos + 6 + ((payload[pos + 6] + 2) & ~1)
        if data_at + 4 > len(payload):
            raise Unsupported("truncated Photoshop resource")
        (size,) = struct.unpack_from(">I", payload, data_at)
        if data_at + 4 + size > len(payload):
            raise Unsupported("Photoshop resource continues in another segment")
        resources.append((rid, pos, data_at + 4, size))
        pos = data_at + 4 + size + (size & 1)
    blocks = [r for r in resources if r[0] == 0x0404]
    if len(blocks) != 1:
        raise Unsupported("no IPTC resource" if not blocks else "more than one IPTC resource")
    _, _, at, size = blocks[0]
    block = _iptc(payload[at : at + size], iptc, charset) if iptc or charset else None
    new_block = block if block is not None else payload[at : at + size]
    md5 = hashlib.md5(new_block).digest()
    out = bytearray(payload[: len(_PHOTOSHOP)])
    has_digest = False
    for rid, start, data_at, size in resources:
        if rid == 0x0404 and block is not None:
            body = block
        elif rid == 0x0425 and digest:
            body, has_digest = md5, True
        else:
            out += payload[start : data_at + size + (size & 1)]
            continue
        out += payload[start : data_at - 4] + struct.pack(">I", len(body)) + body
        out += b"\0" * (len(body) & 1)
    if digest and not has_digest:
        # ExifTool appends a new IPTCDigest after the last resource.
        out += b"8BIM\x04\x25\0\0" + struct.pack(">I", 16) + md5
    return bytes(out)


def _iptc(block: bytes, writes: dict[str, list[str]], charset: str | None) -> bytes:
    """The IPTC-IIM data with `writes` made as ExifTool's WriteIPTC makes them."""
    datasets: list[tuple[int, int, int, int]] = []  # record, dataset, start, end
    pos = 0
    while pos < len(block):
        if block[pos] != 0x1C:
            if block[pos:].strip(b"\0"):
                raise Unsupported("IPTC data with bytes that are not datasets")
            break  # zero padding, kept
        if pos + 5 > len(block):
            raise Unsupported("truncated IPTC dataset")
        rec, ds, length = (
            block[pos + 1],
            block[pos + 2],
            struct.unpack_from(">H", block, pos + 3)[0],
        )
        if length & 0x8000:
            raise Unsupported("extended IPTC dataset")
        if pos + 5 + length > len(block):
            raise Unsupported("truncated IPTC dataset")
        if datasets and rec < datasets[-1][0]:
            raise Unsupported("IPTC records out of order")
        datasets.append((rec, ds, pos, pos + 5 + length))
        pos += 5 + length
    tail = block[pos:]

    declared = [block[s + 5 : e].rstrip(b"\0") for r, d, s, e in datasets if (r, d) == (1, 90)]
    if len(set(declared)) > 1:
        raise Unsupported("IPTC character set declared twice, differently")
    if declared and declared[0] != _UTF8:
        raise Unsupported(f"IPTC character set {declared[0]!r} is not UTF-8")
    utf8 = bool(declared) or charset == "UTF8"

    new: dict[tuple[int, int], list[bytes]] = {}
    if charset:
        new[(1, 90)] = [_UTF8]
    for tag, items in writes.items():
        rec, ds, _, limit, exact = IPTC_TAGS[tag]
        encoded = []
        for item in items:
            if not utf8 and not item.isascii():
                raise Unsupported(f"{tag}: non-ASCII text into IPTC that declares no UTF-8")
            raw = item.encode("utf-8")
            if len(raw) > limit or (exact and len(raw) != exact):
                raise Unsupported(
                    f"{tag}: {len(raw)} bytes where IPTC allows "
                    f"{exact if exact else f'at most {limit}'} (ExifTool would change it)"
                )
            encoded.append(raw)
        key = (rec, ds)
        existing = [d for d in datasets if (d[0], d[1]) == key]
        if len(existing) > 1 and not IPTC_TAGS[tag][2]:
            raise Unsupported(f"{tag}: repeated in the file, but not a list")
        new[key] = encoded

    placed: set[tuple[int, int]] = set()
    first = datasets[0][0] if datasets else 256
    out = bytearray(_added(new, placed, 0, first))
    for i, (rec, ds, start, end) in enumerate(datasets):
        key = (rec, ds)
        if key in new:
            if key not in placed:  # a replaced dataset (all its repeats) at the first one's place
                out += _dataset(key, new[key])
                placed.add(key)
        else:
            out += block[start:end]
        nxt = datasets[i + 1][0] if i + 1 < len(datasets) else 256
        if nxt != rec:  # end of a record: its new datasets, then whole new records before nxt
            out += _added(new, placed, rec, nxt)
    return bytes(out) + tail


def _added(
    new: dict[tuple[int, int], list[bytes]], placed: set[tuple[int, int]], lo: int, hi: int
) -> bytes:
    """New datasets of records lo..hi-1 not yet placed, in (record, dataset) order."""
    out = b""
    for key in sorted(new):
        if key not in placed and lo <= key[0] < hi:
            out += _dataset(key, new[key])
            placed.add(key)
    return out


def _dataset(key: tuple[int, int], items: list[bytes]) -> bytes:
    return b"".join(struct.pack(">BBBH", 0x1C, *key, len(v)) + v for v in items)


# -- XMP -----------------------------------------------------------------------------------


@dataclass
class _Element:
    """One element of the packet with the byte offsets an in-place edit needs."""

    name: str  # qualified name as written
    attrs: dict[str, str]
    ns: dict[str, str]  # prefixes in scope
    start: int  # "<" of the start tag
    inner: int  # one past the start tag's ">"
    empty: bool  # <x/>
    parent: _Element | None
    close: int = -1  # "<" of the end tag (== inner for an empty element)
    children: list[_Element] = field(default_factory=list)
    text: bool = False  # non-blank character data directly inside

    def uri(self) -> tuple[str | None, str]:
        prefix, _, local = self.name.rpartition(":")
        return self.ns.get(prefix), local


_TAG = re.compile(rb"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_ATTR = re.compile(rb"\s([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")


def _parse_xmp(packet: bytes) -> list[_Element]:
    """Every element of the packet, in document order, located by byte offset."""
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        raise Unsupported("XMP with a DOCTYPE or ENTITY declaration")
    if packet.startswith((b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")) or b"\0" in packet.rstrip(
        b"\0"
    ):
        raise Unsupported("XMP packet that is not plain UTF-8")
    body = packet.rstrip(b"\0")
    parser = expat.ParserCreate()
    elements: list[_Element] = []
    stack: list[_Element] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        at = parser.CurrentByteIndex
        tag = _TAG.match(body, at)
        if tag is None:
            raise Unsupported("XMP start tag not found where expat put it")
        parent = stack[-1] if stack else None
        ns = parent.ns if parent else {"xml": _XML_NS}
        decls = {k[6:]: v for k, v in attrs.items() if k.startswith("xmlns:")}
        if "xmlns" in attrs:
            decls[""] = attrs["xmlns"]
        if decls:
            ns = {**ns, **decls}
        empty = tag.group().endswith(b"/>")
        el = _Element(name, attrs, ns, at, tag.end(), empty, parent)
        if empty:
            el.close = el.inner
        elements.append(el)
        if parent:
            parent.children.append(el)
        stack.append(el)

    def end(name: str) -> None:
        el = stack.pop()
        if not el.empty:
            el.close = parser.CurrentByteIndex

    def chars(text: str) -> None:
        if stack and text.strip():
            stack[-1].text = True

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise Unsupported(f"XMP not well-formed: {exc}") from exc
    return elements


def _xmp_packet(packet: bytes, writes: dict[str, list[str]]) -> bytes:
    """The packet with `writes` edited in; bytes outside the edited properties unchanged."""
    elements = _parse_xmp(packet)
    if not elements:
        raise Unsupported("empty XMP packet")
    root = elements[0]
    if root.uri() == (_RDF, "RDF"):
        rdf = root
    elif root.uri() in (("adobe:ns:meta/", "xmpmeta"), ("adobe:ns:meta/", "xapmeta")):
        found = [c for c in root.children if c.uri() == (_RDF, "RDF")]
        if len(found) != 1 or len(root.children) != 1:
            raise Unsupported("XMP x:xmpmeta without exactly one rdf:RDF")
        rdf = found[0]
    else:
        raise Unsupported("XMP root is not x:xmpmeta or rdf:RDF")
    descriptions = rdf.children
    if not descriptions or any(d.uri() != (_RDF, "Description") for d in descriptions):
        raise Unsupported("XMP with typed nodes or no rdf:Description")

    edits: list[tuple[int, int, bytes]] = []
    for tag, items in writes.items():
        prefix, prop, shape = XMP_TAGS[tag]
        key = (_NS[prefix], prop)
        in_attrs = [
            (d, a) for d in descriptions for a in d.attrs if ":" in a and _qname(a, d.ns) == key
        ]
        in_elements = [c for d in descriptions for c in d.children if c.uri() == key]
        if any(
            _qname(n, d.ns)[0] == key[0] and n.rpartition(":")[2].lower() == prop.lower()
            for d in descriptions
            for n in [*d.attrs, *(c.name for c in d.children)]
            if n.rpartition(":")[2] != prop
        ):
            raise Unsupported(f"{tag}: the property is also there in another letter case")
        if len(in_attrs) + len(in_elements) > 1:
            raise Unsupported(f"{tag}: the property appears more than once")
        if in_attrs:
            if shape != "text":
                raise Unsupported(f"{tag}: a list property written as an attribute")
            desc, attr = in_attrs[0]
            edits.append(_attr_edit(packet, desc, attr, items[0]))
        elif in_elements:
            edits.extend(_element_edit(packet, tag, in_elements[0], shape, items))
        else:
            edits.append(_insert(packet, tag, descriptions, prefix, prop, shape, items))

    edits.sort()
    for (_, a_end, _), (b_start, _, _) in itertools.pairwise(edits):
        if b_start < a_end:
            raise Unsupported("XMP edits overlap")
    out = bytearray()
    pos = 0
    for start, end, text in edits:
        out += packet[pos:start] + text
        pos = end
    out += packet[pos:]
    return _repad(bytes(out), len(packet))


def _qname(name: str, ns: dict[str, str]) -> tuple[str | None, str]:
    prefix, _, local = name.rpartition(":")
    return ns.get(prefix), local


def _attr_edit(packet: bytes, desc: _Element, attr: str, text: str) -> tuple[int, int, bytes]:
    """Replace the value (inside its quotes) of `attr` in the start tag of `desc`."""
    wanted = attr.encode("utf-8")
    hits = [m for m in _ATTR.finditer(packet, desc.start, desc.inner) if m.group(1) == wanted]
    if len(hits) != 1:
        raise Unsupported(f"XMP attribute {attr} not found where expat put it")
    start, end = hits[0].span(2)
    return start + 1, end - 1, _escape(text, attribute=True)


def _element_edit(
    packet: bytes, tag: str, prop: _Element, shape: str, items: list[str]
) -> list[tuple[int, int, bytes]]:
    if any(not a.startswith("xmlns") for a in prop.attrs) or prop.empty:
        raise Unsupported(f"{tag}: property with attributes or no content (a structure?)")
    if shape == "text":
        if prop.children:
            raise Unsupported(f"{tag}: holds elements where ExifTool writes text")
        return [(prop.inner, prop.close, _escape(items[0]))]
    if len(prop.children) != 1 or prop.text:
        raise Unsupported(f"{tag}: not one rdf:{shape} container")
    box = prop.children[0]
    if box.uri() != (_RDF, shape) or box.attrs or box.empty or box.text:
        raise Unsupported(f"{tag}: holds {box.name}, not an rdf:{shape}")
    lis = box.children
    for li in lis:
        allowed = {"xml:lang"} if shape == "Alt" else set()
        if li.uri() != (_RDF, "li") or set(li.attrs) - allowed or li.children:
            raise Unsupported(f"{tag}: list items with structure or qualifiers")
    if shape == "Alt":
        default = [li for li in lis if li.attrs.get("xml:lang") == "x-default"]
        if len(default) != 1 or default[0].empty:
            raise Unsupported(f"{tag}: lang-alt without exactly one x-default item")
        return [(default[0].inner, default[0].close, _escape(items[0]))]
    if not lis:
        raise Unsupported(f"{tag}: empty rdf:{shape}")
    first, last = lis[0], lis[-1]
    gap = packet[box.inner : first.start]
    if gap.strip():
        raise Unsupported(f"{tag}: text inside rdf:{shape}")
    li = first.name.encode("utf-8")
    body = gap.join(b"<" + li + b">" + _escape(item) + b"</" + li + b">" for item in items)
    return [(first.start, _end_tag_end(packet, last), body)]


def _end_tag_end(packet: bytes, el: _Element) -> int:
    if el.empty:
        return el.inner
    end = packet.find(b">", el.close)
    if end < 0:
        raise Unsupported("XMP end tag not closed")
    return end + 1


def _insert(
    packet: bytes,
    tag: str,
    descriptions: list[_Element],
    prefix: str,
    prop: str,
    shape: str,
    items: list[str],
) -> tuple[int, int, bytes]:
    """Add an absent property to the rdf:Description that already holds its namespace (or the
    first one), in the shape ExifTool writes, declaring the namespace on it if needed."""
    uri = _NS[prefix]
    holder = (
        next(
            (d for d in descriptions if any(c.uri()[0] == uri for c in d.children)),
            next(
                (d for d in descriptions if any(_qname(a, d.ns)[0] == uri for a in d.attrs)), None
            ),
        )
        or descriptions[0]
    )
    rdf = next((p for p, u in holder.ns.items() if u == _RDF and p), None)
    if rdf is None:
        raise Unsupported(f"{tag}: no rdf prefix in scope to write the property with")
    mine = next((p for p, u in holder.ns.items() if u == uri and p), None)
    declare = b""
    if mine is None:
        if prefix in holder.ns:
            raise Unsupported(f"{tag}: prefix {prefix} is bound to another namespace here")
        mine = prefix
        declare = f' xmlns:{prefix}="{uri}"'.encode()
    name = f"{mine}:{prop}".encode()
    r = rdf.encode("utf-8")
    if shape == "text":
        inner = _escape(items[0])
    else:
        lang = b" xml:lang='x-default'" if shape == "Alt" else b""
        lis = b"".join(
            b"<" + r + b":li" + lang + b">" + _escape(item) + b"</" + r + b":li>" for item in items
        )
        inner = (
            b"<" + r + b":" + shape.encode() + b">" + lis + b"</" + r + b":" + shape.encode() + b">"
        )
    element = b"<" + name + declare + b">" + inner + b"</" + name + b">"
    if holder.empty:
        # <rdf:Description .../> becomes <rdf:Description ...>new</rdf:Description>
        closing = b"</" + holder.name.encode("utf-8") + b">"
        slash = packet.rfind(b"/", holder.start, holder.inner)
        return slash, holder.inner, b">\n  " + element + b"\n " + closing
    at = holder.close
    while at > holder.inner and packet[at - 1 : at] in b" \t\r\n":
        at -= 1
    return at, at, b"\n  " + element


def _escape(text: str, attribute: bool = False) -> bytes:
    """XML-escaped UTF-8: every value is literal text, whatever it looks like."""
    text = (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#xD;")
    )
    if attribute:
        text = text.replace("'", "&#39;").replace("\n", "&#xA;").replace("\t", "&#x9;")
    return text.encode("utf-8")


_PADDING = re.compile(rb"([ \t\r\n]*)<\?xpacket end=")


def _repad(packet: bytes, size: int) -> bytes:
    """Keep the packet `size` bytes long by taking from or adding to its trailing padding."""
    delta = len(packet) - size
    hits = list(_PADDING.finditer(packet))
    if not delta or not hits:
        return packet
    start, end = hits[-1].span(1)
    if end - start == 0:
        return packet
    if delta > 0:
        take = min(delta, end - start - 1)  # keep one byte: the padding stays padding
        return packet[:start] + packet[start + take :]
    return packet[:start] + b" " * -delta + packet[start:]


# -- EXIF ----------------------------------------------------------------------------------

_SUB_IFDS = (0x8769, 0x8825, 0xA005)  # ExifIFD, GPS, Interoperability
_MAKERNOTE = -2  # marks the maker note's range in _used_ranges


def _has_iptc(tiff: bytes) -> bool:
    """Whether IFD0 holds an IPTC-NAA entry (0x83BB), which ExifTool edits as IPTC2."""
    order = "<" if tiff[:2] == b"II" else ">"
    try:
        (ifd0,) = struct.unpack_from(order + "I", tiff, 4)
        (count,) = struct.unpack_from(order + "H", tiff, ifd0)
        return any(
            struct.unpack_from(order + "H", tiff, ifd0 + 2 + 12 * i)[0] == 0x83BB
            for i in range(count)
        )
    except struct.error as exc:
        raise Unsupported("EXIF structure runs past its segment") from exc


_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


def _exif(tiff: bytes, writes: dict[str, str]) -> bytes:
    """The TIFF data with IFD0 ASCII values replaced; nothing else moves (maker notes and the
    thumbnail are found by offset), and the old values' bytes are zeroed."""
    if tiff[:4] == b"II*\0":
        order = "<"
    elif tiff[:4] == b"MM\0*":
        order = ">"
    else:
        raise Unsupported("bad TIFF header in EXIF")
    # ExifTool's own write of any EXIF tag rewrites the whole EXIF block and fails (an error or
    # a [minor] error, which refuses the file without -m) on what fastread.exif_fault names:
    # undersized uncompressed strips ("Undersized IFD1 StripByteCounts", FujiFilm DS-7 JPEGs),
    # bad or looping IFD offsets, bad formats, values or image data out of the segment. The
    # file then goes to ExifTool, which refuses it or writes it, never to a write of ours.
    fault = exif_fault(tiff, writing=True)
    if fault:
        raise Unsupported(f"EXIF that ExifTool's write would refuse or repair: {fault}")
    buf = bytearray(tiff)
    try:
        (ifd0,) = struct.unpack_from(order + "I", tiff, 4)
        used = _used_ranges(tiff, order, ifd0)
        (count,) = struct.unpack_from(order + "H", tiff, ifd0)
        entries: dict[int, list[int]] = {}
        for i in range(count):
            at = ifd0 + 2 + 12 * i
            entries.setdefault(struct.unpack_from(order + "H", tiff, at)[0], []).append(at)
        for tag, text in writes.items():
            tag_id = EXIF_TAGS[tag]
            found = entries.get(tag_id, [])
            if len(found) != 1:
                raise Unsupported(
                    f"{tag}: not in IFD0 (creating EXIF entries is left to ExifTool)"
                    if not found
                    else f"{tag}: twice in IFD0"
                )
            at = found[0]
            typ, n = struct.unpack_from(order + "HI", tiff, at + 2)
            if typ != 2:
                raise Unsupported(f"{tag}: stored as EXIF type {typ}, not ASCII")
            if n > 4:
                (old,) = struct.unpack_from(order + "I", tiff, at + 8)
                if old + n > len(tiff):
                    raise Unsupported(f"{tag}: value runs past the EXIF segment")
                if any(s < old + n and old < e for s, e, who in used if who != at):
                    raise Unsupported(f"{tag}: its bytes are shared with other EXIF data")
                raw = tiff[old : old + n]
            else:
                old, raw = at + 8, tiff[at + 8 : at + 8 + n]
            if tag_id == 0x8298 and (b"\0" in raw.rstrip(b"\0") or "\n" in text or "\r" in text):
                raise Unsupported(f"{tag}: photographer / editor copyright pair")
            if text != text.rstrip():
                raise Unsupported(f"{tag}: trailing white space, which ExifTool drops from EXIF")
            new = text.encode("utf-8") + b"\0"
            buf[old : old + n] = bytes(n)  # the old text must not survive anywhere
            if len(new) <= 4:
                buf[at + 8 : at + 12] = new.ljust(4, b"\0")
            elif n > 4 and len(new) <= n:
                buf[old : old + len(new)] = new
            else:
                # Past the end, a maker note's stray offset could start to point at our text.
                if any(who == _MAKERNOTE for _, _, who in used):
                    raise Unsupported(f"{tag}: longer value and maker notes (kept in place only)")
                if any(end > len(tiff) for _, end, _ in used):
                    raise Unsupported(f"{tag}: longer value and EXIF offsets past the segment")
                if len(buf) & 1:
                    buf.append(0)
                struct.pack_into(order + "I", buf, at + 8, len(buf))
                buf += new
            struct.pack_into(order + "I", buf, at + 4, len(new))
    except struct.error as exc:
        raise Unsupported("EXIF structure runs past its segment") from exc
    return bytes(buf)


def _used_ranges(tiff: bytes, order: str, ifd0: int) -> list[tuple[int, int, int]]:
    """(start, end, entry offset) of every IFD table and out-of-line value in IFD0, its
    sub-IFDs and IFD1 (with the thumbnail), so a value shared with another is never zeroed."""
    used: list[tuple[int, int, int]] = []
    todo = [ifd0]
    seen: set[int] = set()
    while todo:
        ifd = todo.pop()
        if ifd in seen or not 8 <= ifd < len(tiff):
            continue
        seen.add(ifd)
        (count,) = struct.unpack_from(order + "H", tiff, ifd)
        if count > 1000:
            raise Unsupported("implausible EXIF directory")
        used.append((ifd, ifd + 2 + 12 * count + 4, -1))
        thumb: list[int] = []
        for i in range(count):
            at = ifd + 2 + 12 * i
            tag, typ, n, value = struct.unpack_from(order + "HHII", tiff, at)
            size = _SIZES.get(typ, 0) * n
            if size > 4:
                used.append((value, value + size, _MAKERNOTE if tag == 0x927C else at))
            if tag in _SUB_IFDS and typ in (4, 13) and n == 1:
                todo.append(value)
            if tag in (0x0201, 0x0202) and ifd != ifd0:
                thumb.append(value)
        if len(thumb) == 2:
            used.append((thumb[0], thumb[0] + thumb[1], -1))
        if ifd == ifd0:
            (next_ifd,) = struct.unpack_from(order + "I", tiff, ifd + 2 + 12 * count)
            todo.append(next_ifd)
    return used
