"""The fast writer's XMP editor: properties edited in place at expat's byte offsets, absent
ones added in ExifTool's shape, the packet's padding absorbing the change."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from xml.parsers import expat

from wirefix.jpeg.tables import XMP_NAMESPACES, XMP_TAGS
from wirefix.jpeg.write.errors import Unsupported

_NS = XMP_NAMESPACES
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_NS = "http://www.w3.org/XML/1998/namespace"


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


def edit_xmp(packet: bytes, writes: dict[str, list[str]]) -> bytes:
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
    name = first.name.encode("utf-8")
    body = gap.join(b"<" + name + b">" + _escape(item) + b"</" + name + b">" for item in items)
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
