"""Generate JPEGs with exactly the metadata segments a test needs, byte by byte.

Used by the differential test (odd charsets, repeated and multi-segment IPTC, extended XMP, lists),
by the matcher's look-alike store and by the benchmarks. ExifTool, not this module, is the judge of
what the files say: the differential test reads them with both readers.
"""

from __future__ import annotations

import hashlib
import io
import struct
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\0"
XMP_EXT_HEADER = b"http://ns.adobe.com/xmp/extension/\0"
#: The header some agencies' systems write; ExifTool reads the XMP, with a warning.
XMP_AGENCY_HEADER = b"XMP\0://ns.adobe.com/xap/1.0/\0"
NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "GettyImagesGIFT": "http://xmp.gettyimages.com/gift/1.0/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "xmpNote": "http://ns.adobe.com/xmp/note/",
}


@cache
def base_jpeg(width: int = 64, height: int = 48, quality: int = 50, picture: int = 0) -> bytes:
    """A small real JPEG (Pillow) with no metadata: SOI, JFIF APP0, tables, frame, scan.
    `picture` 0 is a flat colour; any other number a picture of its own (8x8 blocks of grey
    drawn from it), the same at every size, so renditions of one photo look alike."""
    import random

    from PIL import Image

    buf = io.BytesIO()
    if picture:
        rng = random.Random(picture)
        small = Image.new("L", (8, 8))
        small.putdata([rng.randrange(256) for _ in range(64)])
        image = small.resize((width, height), Image.Resampling.BILINEAR).convert("RGB")
    else:
        image = Image.new("RGB", (width, height), (90, 120, 150))
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def segment(marker: int, payload: bytes) -> bytes:
    assert len(payload) + 2 < 65536, "segment too long"
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(segments: list[bytes], width: int = 64, height: int = 48, picture: int = 0) -> bytes:
    """`segments` (already framed) inserted right after the SOI and JFIF of a real JPEG."""
    base = base_jpeg(width, height, picture=picture)
    app0_end = 4 + struct.unpack_from(">H", base, 4)[0]
    return base[:app0_end] + b"".join(segments) + base[app0_end:]


# -- EXIF ----------------------------------------------------------------------------------


def exif(
    ifd0: dict[int, bytes], sub: dict[int, bytes] | None = None, big_endian: bool = False
) -> bytes:
    """APP1 EXIF with ASCII (or, for Copyright 0x8298, as given) entries in IFD0 and ExifIFD."""
    e = ">" if big_endian else "<"
    header = b"MM\0*" if big_endian else b"II*\0"
    entries0 = dict(ifd0)
    if sub:
        entries0[0x8769] = b""  # placeholder for the pointer
    n0 = len(entries0)
    ifd0_size = 2 + 12 * n0 + 4
    sub_off = 8 + ifd0_size
    sub_size = 2 + 12 * len(sub) + 4 if sub else 0
    data_off = sub_off + sub_size
    blobs = b""

    def build(entries: dict[int, bytes], data_start: int) -> tuple[bytes, bytes]:
        nonlocal blobs
        out = struct.pack(e + "H", len(entries))
        for tag in sorted(entries):
            if tag == 0x8769:
                out += struct.pack(e + "HHII", tag, 4, 1, sub_off)
                continue
            raw = entries[tag]
            if len(raw) <= 4:
                out += struct.pack(e + "HHI", tag, 2, len(raw)) + raw.ljust(4, b"\0")
            else:
                out += struct.pack(e + "HHII", tag, 2, len(raw), data_start + len(blobs))
                blobs += raw + (b"\0" if len(raw) % 2 else b"")
        return out + b"\0\0\0\0", blobs

    body0, _ = build(entries0, data_off)
    body1 = build(sub, data_off)[0] if sub else b""
    tiff = header + struct.pack(e + "I", 8) + body0 + body1 + blobs
    return segment(0xE1, b"Exif\0\0" + tiff)


def exif_ifds(
    ifd0: list[tuple[int, int, int, bytes]],
    ifd1: list[tuple[int, int, int, bytes]] | None = None,
    tail: bytes = b"",
    next_of_ifd1: int = 0,
) -> bytes:
    """APP1 EXIF (little-endian) with IFD0 and IFD1 built from (tag, format, count, value)
    entries; values over 4 bytes go after their table. `tail` is appended to the TIFF data;
    a value b"@tail" in an entry stands for the offset of `tail` (strips, thumbnails)."""
    tables = []
    at = 8
    for entries in (ifd0, ifd1):
        if entries is None:
            continue
        tables.append((at, entries))
        at += (
            2
            + 12 * len(entries)
            + 4
            + sum((len(v) + 1) & ~1 for *_, v in entries if len(v) > 4 and v != b"@tail")
        )
    tail_at = at
    out = b"II*\0" + struct.pack("<I", 8)
    for n, (start, entries) in enumerate(tables):
        data_at = start + 2 + 12 * len(entries) + 4
        table, blobs = struct.pack("<H", len(entries)), b""
        for tag, typ, count, value in sorted(entries):
            if value == b"@tail":
                value = struct.pack("<I", tail_at)
            if len(value) <= 4:
                table += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\0")
            else:
                table += struct.pack("<HHII", tag, typ, count, data_at + len(blobs))
                blobs += value + (b"\0" if len(value) % 2 else b"")
        following = tables[1][0] if n == 0 and len(tables) > 1 else next_of_ifd1 if n else 0
        out += table + struct.pack("<I", following) + blobs
    assert len(out) == tail_at
    return segment(0xE1, b"Exif\0\0" + out + tail)


def strip_thumbnail(width: int, height: int, byte_count: int) -> list[tuple[int, int, int, bytes]]:
    """IFD1 entries of an uncompressed RGB strip thumbnail (as old cameras such as FujiFilm's
    DS-7 wrote), whose StripByteCounts say `byte_count`; its strip is the EXIF `tail`."""
    short = lambda v: struct.pack("<H", v)  # noqa: E731
    return [
        (0x0100, 3, 1, short(width)),
        (0x0101, 3, 1, short(height)),
        (0x0102, 3, 3, struct.pack("<3H", 8, 8, 8)),
        (0x0103, 3, 1, short(1)),
        (0x0106, 3, 1, short(2)),
        (0x0111, 4, 1, b"@tail"),
        (0x0115, 3, 1, short(3)),
        (0x0116, 3, 1, short(height)),
        (0x0117, 4, 1, struct.pack("<I", byte_count)),
    ]


def ascii_(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding) + b"\0"


# -- IPTC ----------------------------------------------------------------------------------


def iptc(datasets: list[tuple[int, int, bytes]]) -> bytes:
    out = b""
    for rec, ds, value in datasets:
        out += bytes([0x1C, rec, ds]) + struct.pack(">H", len(value)) + value
    return out


def photoshop(*blocks: bytes, resource: int = 0x0404) -> bytes:
    """One APP13 Photoshop segment holding each block as its own IPTC resource."""
    body = b"Photoshop 3.0\0"
    for block in blocks:
        body += b"8BIM" + struct.pack(">H", resource) + b"\0\0" + struct.pack(">I", len(block))
        body += block + (b"\0" if len(block) % 2 else b"")
    return segment(0xED, body)


UTF8 = (1, 90, b"\x1b%G")


# -- XMP -----------------------------------------------------------------------------------


def xmp_packet(body: str, attrs: str = "", pad: int = 0) -> bytes:
    ns = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())
    text = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {ns} {attrs}>{body}</rdf:Description>'
        "</rdf:RDF></x:xmpmeta>" + " " * pad + '<?xpacket end="w"?>'
    )
    return text.encode("utf-8")


def xmp(packet: bytes, header: bytes = XMP_HEADER) -> bytes:
    return segment(0xE1, header + packet)


def extended_xmp(main_body: str, ext_body: str) -> list[bytes]:
    """Standard XMP pointing at an extended packet, split over APP1 segments as the spec says."""
    ext = xmp_packet(ext_body)
    guid = hashlib.md5(ext).hexdigest().upper().encode()
    main = xmp_packet(main_body, attrs=f'xmpNote:HasExtendedXMP="{guid.decode()}"')
    out = [xmp(main)]
    chunk = 60000
    for off in range(0, len(ext), chunk):
        part = ext[off : off + chunk]
        out.append(segment(0xE1, XMP_EXT_HEADER + guid + struct.pack(">II", len(ext), off) + part))
    return out


def seq(tag: str, values: list[str], kind: str = "Seq") -> str:
    items = "".join(f"<rdf:li>{escape(v)}</rdf:li>" for v in values)
    return f"<{tag}><rdf:{kind}>{items}</rdf:{kind}></{tag}>"


def alt(tag: str, value: str, **others: str) -> str:
    items = f'<rdf:li xml:lang="x-default">{escape(value)}</rdf:li>'
    items += "".join(f'<rdf:li xml:lang="{k}">{escape(v)}</rdf:li>' for k, v in others.items())
    return f"<{tag}><rdf:Alt>{items}</rdf:Alt></{tag}>"


def simple(tag: str, value: str) -> str:
    return f"<{tag}>{escape(value)}</{tag}>"


# -- a news photo, consistent in EXIF, IPTC and XMP ----------------------------------------


def news_photo(
    path: Path,
    *,
    byline: str | None = None,
    credit: str | None = None,
    source: str | None = None,
    caption: str | None = None,
    headline: str | None = None,
    date: str | None = None,  # ISO "2017-02-20"
    city: str | None = None,
    country: str | None = None,
    copyright: str | None = None,
    ref: str | None = None,
    object_name: str | None = None,
    image_id: str | None = None,
    original_filename: str | None = None,
    size: tuple[int, int] = (64, 48),
    strip: bool = False,
    picture: int = 0,
) -> Path:
    """Write a JPEG as an agency would send it; `strip` writes none of the metadata (a CMS copy)."""
    segments: list[bytes] = []
    if not strip:
        ifd0 = {}
        if caption:
            ifd0[0x010E] = ascii_(caption)
        if byline:
            ifd0[0x013B] = ascii_(byline)
        if copyright:
            ifd0[0x8298] = ascii_(copyright)
        sub = {0x9003: ascii_(date.replace("-", ":") + " 10:00:00")} if date else None
        if ifd0 or sub:
            segments.append(exif(ifd0, sub))
        ds: list[tuple[int, int, bytes]] = [UTF8]
        body = ""
        for num, value, tag in (
            (5, object_name, None),
            (80, byline, None),
            (110, credit, "photoshop:Credit"),
            (115, source, "photoshop:Source"),
            (120, caption, None),
            (105, headline, "photoshop:Headline"),
            (90, city, "photoshop:City"),
            (101, country, "photoshop:Country"),
            (116, copyright, None),
            (103, ref, "photoshop:TransmissionReference"),
        ):
            if value:
                ds.append((2, num, value.encode("utf-8")))
                if tag:
                    body += simple(tag, value)
        if date:
            ds.append((2, 55, date.replace("-", "").encode()))
            body += simple("photoshop:DateCreated", date)
        if byline:
            body += seq("dc:creator", [byline])
        if caption:
            body += alt("dc:description", caption)
        if copyright:
            body += alt("dc:rights", copyright)
        if object_name:
            body += alt("dc:title", object_name)
        if image_id:
            body += simple("GettyImagesGIFT:AssetID", image_id)
        if original_filename:
            body += simple("GettyImagesGIFT:OriginalFilename", original_filename)
        segments.append(photoshop(iptc(ds)))
        segments.append(xmp(xmp_packet(body)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg(segments, *size, picture=picture))
    return path
