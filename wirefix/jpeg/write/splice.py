"""The fast writer's JPEG level: check the values, find the segments to edit (through
`jpeg.segments`), have the IPTC, XMP and EXIF editors rewrite their payloads, and splice the new
payloads in; every other byte of the file is copied as it was."""

from __future__ import annotations

import re
import struct
from typing import Any

from wirefix.jpeg.segments import SOS, JpegError, Segment, head_segments
from wirefix.jpeg.tables import EXIF_TAGS, IPTC_TAGS, XMP_TAGS
from wirefix.jpeg.write.errors import MAX_PAYLOAD, Unsupported
from wirefix.jpeg.write.exif import edit_exif, has_iptc
from wirefix.jpeg.write.iptc import CHARSET_TAG, DIGEST_TAG, edit_photoshop
from wirefix.jpeg.write.xmp import edit_xmp

_EXIF = b"Exif\0\0"
_XMP = b"http://ns.adobe.com/xap/1.0/\0"
_XMP_EXT = b"http://ns.adobe.com/xmp/extension/\0"
_ODD_APP1 = re.compile(rb"Exif|XMP|xmp|xap|xpacket", re.I)

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
        if tag == DIGEST_TAG:
            if not isinstance(value, str) or value.lower() != "new":
                raise Unsupported(f"{tag}: only the value 'new' is written here")
            digest = True
        elif tag == CHARSET_TAG:
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
        if exif_seg is not None and has_iptc(data[exif_seg.payload_start + 6 : exif_seg.end]):
            raise Unsupported("a second IPTC block in EXIF, which ExifTool also edits")
        payload = edit_photoshop(app13.payload(data), iptc, charset, digest)
        replaced[app13.offset] = payload
    if xmp:
        if xmp_seg is None:
            raise Unsupported("no XMP packet to write into")
        packet = edit_xmp(data[xmp_seg.payload_start + len(_XMP) : xmp_seg.end], xmp)
        replaced[xmp_seg.offset] = _XMP + packet
    if exif:
        if exif_seg is None:
            raise Unsupported("no EXIF segment to write into")
        tiff = edit_exif(data[exif_seg.payload_start + 6 : exif_seg.end], exif)
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
