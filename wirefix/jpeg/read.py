"""The scan's fast path: read a JPEG's EXIF, IPTC and XMP segments directly (SPEC §4).

ExifTool reads ~170 files/s per process; walking a JPEG's markers and parsing the few tags the index
needs in plain Python is an order of magnitude faster. The fast path must give exactly the values
ExifTool gives, so it returns an ExifTool-shaped record (group-1 tag -> value typed as ExifTool's
JSON would type it) and `tagmap.index_fields` turns both into the index. Where it would have to
guess, it does not: it raises `Fallback` and the file goes to ExifTool. The differential test
(`tests/test_fastread.py`) holds it to that on the real corpus and on a generated store.

Settled to ExifTool's reading:
- IPTC without a declared character set is Latin (cp1252, undefined bytes kept as Latin-1);
  `ESC % G` means UTF-8; any other declaration falls back;
- repeated By-line datasets are a list; other repeated datasets fall back;
- only one APP13 IPTC block counts (ExifTool names further blocks IPTC2, IPTC3): more than one
  APP13, or more than one IPTC resource, falls back; so do extended XMP and a second XMP packet;
- a zero-byte file is failed at once, with ExifTool's words ("File is empty").
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
from typing import Any
from xml.etree import ElementTree  # no DTD reaches it: see _read_xmp

from wirefix.jpeg.segments import EOI, SOS, JpegError, head
from wirefix.tagmap import FIELD_TAGS

HEAD = 65536  # one read covers the metadata of nearly every news JPEG


class Fallback(Exception):
    """The fast path does not fully understand this file; ExifTool must read it."""


class Empty(Exception):
    """A zero-byte file: failed, as ExifTool reports it."""


_EXIF = b"Exif\0\0"
_XMP = b"http://ns.adobe.com/xap/1.0/\0"
# Some agencies' software writes "XMP\0://..."; ExifTool reads it as XMP (with a warning).
_XMP_HEADERS = (_XMP, b"XMP\0://ns.adobe.com/xap/1.0/\0")
_XMP_EXT = b"http://ns.adobe.com/xmp/extension/\0"
_PHOTOSHOP = b"Photoshop 3.0\0"
_ODD_APP1 = re.compile(rb"Exif|XMP|xmp|xap|xpacket", re.I)

#: IPTC record 2 dataset -> ExifTool tag; By-line is ExifTool's only list among these.
_IPTC: dict[int, str] = {
    5: "IPTC:ObjectName",
    40: "IPTC:SpecialInstructions",
    55: "IPTC:DateCreated",
    80: "IPTC:By-line",
    90: "IPTC:City",
    101: "IPTC:Country-PrimaryLocationName",
    103: "IPTC:OriginalTransmissionReference",
    105: "IPTC:Headline",
    110: "IPTC:Credit",
    115: "IPTC:Source",
    116: "IPTC:CopyrightNotice",
    120: "IPTC:Caption-Abstract",
}
_IPTC_LISTS = {80}
_EXIF_IFD0 = {0x010E: "IFD0:ImageDescription", 0x013B: "IFD0:Artist", 0x8298: "IFD0:Copyright"}
_EXIF_SUB = {0x9003: "ExifIFD:DateTimeOriginal"}

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NS = {
    "http://purl.org/dc/elements/1.1/": "XMP-dc",
    "http://ns.adobe.com/photoshop/1.0/": "XMP-photoshop",
    "http://xmp.gettyimages.com/gift/1.0/": "XMP-getty",
    "http://ns.useplus.org/ldf/xmp/1.0/": "XMP-plus",
    "http://ns.adobe.com/xap/1.0/mm/": "XMP-xmpMM",
}
#: "{uri}localname" -> ExifTool tag, for every XMP tag the index reads.
_XMP_TAGS: dict[str, str] = {}
for _tags in FIELD_TAGS.values():
    for _tag in _tags:
        _group, _, _name = _tag.partition(":")
        for _uri, _g in _NS.items():
            if _g == _group:
                _local = _name[0].lower() + _name[1:] if _group == "XMP-dc" else _name
                _XMP_TAGS["{" + _uri + "}" + _local] = _tag
# Getty's property is OriginalFilename; ExifTool calls the tag OriginalFileName.
_XMP_TAGS["{http://xmp.gettyimages.com/gift/1.0/}OriginalFilename"] = _XMP_TAGS.pop(
    "{http://xmp.gettyimages.com/gift/1.0/}OriginalFileName"
)
_XMP_TAGS_LOWER = {name.lower() for name in _XMP_TAGS}
_XMP_DATES = {tag for tag in _XMP_TAGS.values() if "Date" in tag}

# ExifTool's JSON writes these unquoted (its EscapeJSON), so json.loads makes them numbers.
_JSON_NUMBER = re.compile(r"-?(\d|[1-9]\d{1,14})(\.\d{1,16})?([eE][-+]?\d{1,3})?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read(path: str, warnings: bool = True) -> dict[str, Any]:
    """ExifTool-shaped record of the index's tags in the JPEG at `path`, with the
    `ExifTool:Warning` ExifTool would give (the index keeps it).

    Raises `Fallback` when ExifTool must read it, `Empty` for a zero-byte file, OSError when the
    file cannot be read at all. `warnings=False` is for callers that need only the values (the
    rewrite, which has ExifTool read every new file back): files whose values are settled but
    whose warnings are not (maker notes, trailers, other APPn segments) then stay fast.
    """
    with open(path, "rb") as fh:
        return _read(fh, warnings)


def read_data(data: bytes, warnings: bool = True) -> dict[str, Any]:
    """`read` for a file the caller already holds in memory (the rewrite reads each file once)."""
    return _read(io.BytesIO(data), warnings)


#: ExifTool's words for the two warnings the fast path reproduces (ExifTool.pm ProcessJPEG,
#: Photoshop.pm ProcessPhotoshop).
XMP_HEADER_WARNING = "Non-standard header for APP1 XMP segment"
DIGEST_WARNING = "IPTCDigest is not current. XMP may be out of sync"
#: APPn segments ExifTool parses without a word to say, as far as the checks here go: JFIF,
#: EXIF, XMP, ICC profiles (checked below), Photoshop IRBs, Adobe, and comments (COM).
_QUIET = ((0xE0, b"JFIF\0"), (0xE1, _EXIF), (0xE1, _XMP), (0xE2, b"ICC_PROFILE\0"),
          (0xED, _PHOTOSHOP), (0xEE, b"Adobe"))  # fmt: skip


def _read(fh: Any, warnings: bool = True) -> dict[str, Any]:
    data = fh.read(HEAD)
    if not data:
        raise Empty("File is empty")
    if data[:3] != b"\xff\xd8\xff":
        raise Fallback("not a JPEG")
    segments, size = _segments(fh, data, warnings)
    record: dict[str, Any] = {}
    said: list[str] = []  # the warnings ExifTool gives for this file
    exif = xmp = iptc = None
    icc: list[bytes] = []
    for marker, payload in segments:
        if marker == 0xE1 and payload.startswith(_EXIF):
            if exif is not None:
                raise Fallback("two EXIF segments")
            exif = payload[6:]
        elif marker == 0xE1 and payload.startswith(_XMP_HEADERS):
            if xmp is not None:
                raise Fallback("two XMP packets")
            xmp = payload[len(_XMP) :]  # both headers have the same length
            if not payload.startswith(_XMP):
                said.append(XMP_HEADER_WARNING)
        elif marker == 0xE1 and payload.startswith(_XMP_EXT):
            raise Fallback("extended XMP")
        elif marker == 0xE1 and _ODD_APP1.search(payload[:64]):
            raise Fallback("EXIF or XMP with a non-standard header")  # ExifTool still reads it
        elif marker == 0xED:
            if iptc is not None:
                raise Fallback("more than one APP13 segment")
            iptc = payload
        elif marker == 0xE2 and payload.startswith(b"ICC_PROFILE\0"):
            icc.append(payload)
        elif (
            warnings
            and 0xE0 <= marker <= 0xEF
            and not any(marker == m and payload.startswith(sig) for m, sig in _QUIET)
        ):
            raise Fallback(f"APP{marker - 0xE0} segment ExifTool may warn about")
    if exif is not None:
        _read_exif(exif, record, warnings)
    if iptc is not None:
        _read_photoshop(iptc, record, said)
    if xmp is not None:
        _read_xmp(xmp, record)
        _check_namespaces(xmp)
    if size is None:
        raise Fallback("no frame header")
    if warnings:
        if icc:
            _check_icc(icc)
        # ExifTool reads on to EOI ("JPEG format error" without one) and past it (trailers).
        fh.seek(-2, io.SEEK_END)
        if fh.read(2) != b"\xff\xd9":
            raise Fallback("no EOI at the end of the file: a trailer, or truncated image data")
        if len(said) > 1:
            raise Fallback("more than one warning")  # which one ExifTool shows is not settled
        if said:
            record["ExifTool:Warning"] = said[0]
    record["Composite:ImageSize"] = f"{size[0]}x{size[1]}"
    for key, value in record.items():
        record[key] = (
            [_json_typed(v) for v in value] if isinstance(value, list) else _json_typed(value)
        )
    return record


def _check_icc(chunks: list[bytes]) -> None:
    """Fall back unless the ICC profile is whole and its header and tag table are sound, which
    is what ExifTool.pm (chunk counts) and ICC_Profile.pm ProcessICC (length, table) warn about."""
    total = chunks[0][13]
    if (
        total == 0
        or len(chunks) != total
        or sorted(c[12] for c in chunks) != list(range(1, total + 1))
    ):
        raise Fallback("ICC profile chunks missing, repeated or miscounted")
    profile = b"".join(c[14:] for c in sorted(chunks, key=lambda c: c[12]))
    if len(profile) < 132 or struct.unpack_from(">I", profile, 0)[0] != len(profile):
        raise Fallback("ICC profile length")  # "Bad length ICC_Profile"
    (count,) = struct.unpack_from(">I", profile, 128)
    if 132 + 12 * count > len(profile):
        raise Fallback("ICC profile tag table")  # "Bad ICC_Profile table"
    for i in range(count):
        sig, at, length = struct.unpack_from(">4sII", profile, 132 + 12 * i)
        if at + length > len(profile):
            raise Fallback("ICC profile tag outside the profile")
        if sig in (b"meta", b"clrt", b"clro"):
            raise Fallback("ICC profile sub-directory")  # "Invalid ICC ... data" and others
        tag = profile[at : at + length]
        if tag[:4] == b"mluc" and length >= 16:
            # ProcessICC_Profile: "Corrupted <tag> data" when a record or its text runs past
            n, rec_len = struct.unpack_from(">II", tag, 8)
            if rec_len >= 12:
                for j in range(n):
                    rec = 16 + j * rec_len
                    if rec + rec_len > length:
                        raise Fallback("ICC mluc record past its tag")
                    text_len, text_at = struct.unpack_from(">II", tag, rec + 4)
                    if text_at + text_len > length:
                        raise Fallback("ICC mluc text past its tag")


def _segments(
    fh: Any, data: bytes, warnings: bool = True
) -> tuple[list[tuple[int, bytes]], tuple[int, int] | None]:
    """The APPn segments before the first scan, and the frame size from the first SOF; the
    file is read on from `fh` while a segment runs past what was read."""
    segments: list[tuple[int, bytes]] = []
    size: tuple[int, int] | None = None
    pos = 0
    while True:
        try:
            for seg in head(data, pos):
                pos = seg.end
                if seg.fill and warnings:
                    raise Fallback("fill bytes before a marker")  # "[minor] Skipped unknown"
                marker = seg.marker
                if marker in (SOS, EOI):
                    return segments, size
                if seg.standalone:
                    continue  # SOI, TEM, RSTn: read without a word (see jpeg.segments)
                if marker not in _KNOWN_MARKERS:
                    raise Fallback(f"unexpected JPEG marker 0x{marker:02X}")  # ExifTool stops
                if 0xE0 <= marker <= 0xEF:
                    segments.append((marker, data[seg.payload_start : seg.end]))
                elif marker in _SOF and size is None and seg.length >= 7:
                    height, width = struct.unpack_from(">HH", data, seg.payload_start + 1)
                    size = (width, height)
        except JpegError as exc:
            if not exc.truncated:
                raise Fallback(str(exc)) from exc
            more = fh.read(max(HEAD, exc.at - len(data)))
            if not more:
                raise Fallback(f"{exc} (before the image data)") from exc
            data += more


#: Segments with a length that ExifTool walks past: SOFn, DHT, DAC, DQT, DNL, DRI, DHP, EXP,
#: APPn, COM.
_KNOWN_MARKERS = {*range(0xC0, 0xD0), *range(0xDB, 0xE0), *range(0xE0, 0xF0), 0xFE}
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _json_typed(value: str) -> Any:
    """The value as json.loads gives it back from ExifTool's `-json` output."""
    if _CONTROL.search(value):
        raise Fallback("control characters in a value")
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    if _JSON_NUMBER.fullmatch(value):
        return json.loads(value)
    return value


# -- EXIF ----------------------------------------------------------------------------------


def _read_exif(tiff: bytes, record: dict[str, Any], warnings: bool = True) -> None:
    if tiff[:4] == b"II*\0":
        end = "<"
    elif tiff[:4] == b"MM\0*":
        end = ">"
    else:
        raise Fallback("bad TIFF header in EXIF")
    fault = exif_fault(tiff, makernotes=not warnings)
    if fault:
        raise Fallback(fault)  # ExifTool warns about it, or reads it in a way we do not
    try:
        (ifd0,) = struct.unpack_from(end + "I", tiff, 4)
        sub = _read_ifd(tiff, end, ifd0, _EXIF_IFD0, record, want_sub=True)
        if sub:
            _read_ifd(tiff, end, sub, _EXIF_SUB, record, want_sub=False)
    except struct.error as exc:
        raise Fallback("EXIF runs past its segment") from exc


def _read_ifd(
    tiff: bytes,
    end: str,
    offset: int,
    wanted: dict[int, str],
    record: dict[str, Any],
    want_sub: bool,
) -> int | None:
    (count,) = struct.unpack_from(end + "H", tiff, offset)
    if count > 1000:
        raise Fallback("implausible IFD")
    sub = None
    for i in range(count):
        tag, typ, n, value = struct.unpack_from(end + "HHI4s", tiff, offset + 2 + 12 * i)
        if not 1 <= typ <= 13:
            raise Fallback("bad EXIF entry format")  # ExifTool drops the rest of the IFD
        if want_sub and tag == 0x8769:
            sub = struct.unpack(end + "I", value)[0] if typ in (4, 13) and n == 1 else None
            if sub is None:
                raise Fallback("odd ExifIFD pointer")
            continue
        name = wanted.get(tag)
        if name is None:
            continue
        if name in record:
            raise Fallback(f"{name} twice")
        if typ not in (2, 7) or (typ == 7 and tag != 0x8298):
            raise Fallback(f"{name} is not ASCII")
        if n <= 4:
            raw = value[:n]
        else:
            (start,) = struct.unpack(end + "I", value)
            raw = tiff[start : start + n]
            if len(raw) != n:
                raise Fallback(f"{name} runs past the segment")
        record[name] = _exif_text(raw, tag)
    return sub


#: IFD0 tags whose ExifTool 12.57 RawConv is `$val =~ s/\s+$//` (Exif.pm: Make, Model, Software,
#: Artist): trailing ASCII white space goes after the value is cut at its first NUL (ReadValue).
#: ImageDescription and DateTimeOriginal keep theirs; Copyright has its own RawConv (below).
_EXIF_RSTRIP = {0x013B}
#: Perl's \s on a byte string: no Unicode spaces, no \x1c-\x1f (which Python's strip would take).
_PERL_SPACE = b" \t\n\r\f\v"


_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_INTS = {1, 3, 4, 6, 8, 9, 13}
#: Sub-IFD pointers followed here: tag -> (the IFD it belongs in, the IFD it points at).
_POINTERS = {
    0x8769: ("IFD0", "ExifIFD"),
    0x8825: ("IFD0", "GPS"),
    0xA005: ("ExifIFD", "InteropIFD"),
}
#: Every other Exif.pm tag with a SubDirectory (SubIFDs, maker notes, PrintIM, ICC, XMP, IPTC and
#: Photoshop blocks in EXIF, DNG private data, ...): ExifTool parses them, and may warn.
_SUBDIRS = {
    0x014A, 0x0190, 0x02BC, 0x4748, 0x8290, 0x83BB, 0x8568, 0x8606, 0x8649, 0x8773, 0x888A,
    0x927C, 0x935C, 0xC4A5, 0xC634, 0xC68C, 0xC68F, 0xC691, 0xC6F5, 0xC7D5, 0xFE00,
}  # fmt: skip
#: Exif.pm IsOffset tags with their byte counts (OffsetPair): strips, tiles, JPEG thumbnail.
_DATA = {0x0111: 0x0117, 0x0144: 0x0145, 0x0201: 0x0202}
#: Its other IsOffset tags (FreeOffsets, old JPEG tables, ...): data ExifTool follows.
_OTHER_OFFSETS = {0x0120, 0x0207, 0x0208, 0x0209, 0x8781, 0xA010, 0xBCC0, 0xBCC2}


def exif_fault(tiff: bytes, writing: bool = False, makernotes: bool = False) -> str | None:
    """What in this EXIF (TIFF data, header checked) makes ExifTool 12.57 warn when it reads it
    or, with `writing`, fail when it rewrites it; None when nothing does.

    IFD0, ExifIFD, GPS, InteropIFD and IFD1 are walked as ExifTool walks them (Exif.pm
    ProcessExif reading, WriteExif.pl WriteExif writing; a JPEG's EXIF is read from memory, so
    anything outside the segment is out of reach). Deliberately strict: a fault only hands the
    file to ExifTool, which then warns, refuses or does the work. Maker notes and PrintIM are a
    fault unless `makernotes` or `writing`: their parsers warn in ways not mirrored here, and
    wirefix's writer leaves them byte for byte where they are.
    """
    order = "<" if tiff[:2] == b"II" else ">"
    size = len(tiff)
    try:
        todo = [("IFD0", struct.unpack_from(order + "I", tiff, 4)[0])]
        seen: set[int] = set()
        while todo:
            name, at = todo.pop(0)
            if at in seen:
                # WriteExif: "$name pointer references previous $dir directory" [minor error]
                return f"{name} points at a directory already read"
            seen.add(at)
            if at < 8 or at + 2 > size:
                return f"Bad {name} directory"  # ProcessExif warning, WriteExif [minor] error
            (count,) = struct.unpack_from(order + "H", tiff, at)
            end = at + 2 + 12 * count
            if end + 4 > size:
                # ProcessExif: "Illegal $dir directory size"; WriteExif: "Truncated $name
                # directory" (the next-IFD pointer must be there too)
                return f"Truncated {name} directory"
            data: dict[int, tuple[int, int, int]] = {}  # tag -> (format, count, value or offset)
            last = -1
            for i in range(count):
                tag, typ, n, value = struct.unpack_from(order + "HHII", tiff, at + 2 + 12 * i)
                if tag <= last:
                    return f"tag 0x{tag:04X} duplicate or out of sequence in {name}"  # warning
                last = tag
                if not 1 <= typ <= 13:
                    return f"Bad format ({typ}) for {name} entry {i}"  # warning; write error
                if typ not in (1, 2, 6, 7) and n > 500:
                    # ExifTool: "[Minor] Not decoding some large array(s)"
                    return f"{name} tag 0x{tag:04X}: a large array"
                length = _SIZES[typ] * n
                if length > 4:
                    if value < 8 or (value < end + 4 and value + length > at):
                        return f"Suspicious {name} offset for tag 0x{tag:04X}"  # [minor] both ways
                    if value + length > size:
                        return f"Bad {name} offset for tag 0x{tag:04X}"  # warning; write error
                if tag in _POINTERS and name != "GPS":
                    parent, child = _POINTERS[tag]
                    if parent != name or typ not in (4, 13) or n != 1:
                        # "Wrong format for ..." / "entry has zero count" / an unusual place
                        return f"{name} tag 0x{tag:04X}: an unusual sub-IFD pointer"
                    todo.append((child, value))
                elif tag == 0xC4A5 and name == "IFD0" and not (writing or makernotes):
                    if not _printim_ok(tiff, order, length, value):
                        return "PrintIM ExifTool warns about"
                elif (
                    name != "GPS"
                    and tag in _SUBDIRS
                    and not (tag in (0x927C, 0xC4A5) and (writing or makernotes))
                ):
                    return f"{name} tag 0x{tag:04X}: a sub-directory ExifTool parses"
                elif name != "GPS" and tag in _OTHER_OFFSETS:
                    return f"{name} tag 0x{tag:04X}: data ExifTool follows"
                if name != "GPS":
                    data[tag] = (typ, n, value)
            (next_ifd,) = struct.unpack_from(order + "I", tiff, end)
            if next_ifd and name == "IFD0":
                todo.append(("IFD1", next_ifd))
            elif next_ifd and name != "GPS" and name != "ExifIFD" and name != "InteropIFD":
                return f"an IFD after {name}"  # IFD2 and beyond: ExifTool reads those too
            fault = _image_data_fault(tiff, order, name, data, writing)
            if fault:
                return fault
    except struct.error:
        return "EXIF runs past its segment"
    return None


def _printim_ok(tiff: bytes, order: str, length: int, at: int) -> bool:
    """PrintIM.pm ProcessPrintIM's checks: "Bad PrintIM data", "Invalid PrintIM header",
    "Bad PrintIM size" (the entry count tried in both byte orders)."""
    if length <= 15 or tiff[at : at + 7] != b"PrintIM":
        return False
    counts = (
        struct.unpack_from(o + "H", tiff, at + 14)[0] for o in (order, "<" if order == ">" else ">")
    )
    return any(length >= 16 + 6 * n for n in counts)


def _image_data_fault(
    tiff: bytes, order: str, name: str, entries: dict[int, tuple[int, int, int]], writing: bool
) -> str | None:
    """Strips, tiles or a thumbnail of one IFD that ExifTool could not copy (WriteExif.pl)."""
    for offsets, counts in _DATA.items():
        if (offsets in entries) != (counts in entries):
            return f"No size tag for {name} tag 0x{offsets:04X}"  # write error
        if offsets not in entries:
            continue
        (t1, n1, v1), (t2, n2, v2) = entries[offsets], entries[counts]
        if t1 not in _INTS or t2 not in _INTS:
            return f"Wrong format for {name} tag 0x{offsets:04X}"  # read warning
        if n1 != n2:
            return f"Offsets/ByteCounts disagree on count in {name}"  # write error
        starts, lengths = _ints(tiff, order, t1, n1, v1), _ints(tiff, order, t2, n2, v2)
        if any(a + b > len(tiff) for a, b in zip(starts, lengths, strict=True)):
            # WriteExif: "Error reading $dataName data in $name" (or a ThumbnailImage that
            # ExifTool cuts short, with a [minor] warning, so its output would differ)
            return f"{name} image data outside the EXIF segment"
    if writing and (0x0111 in entries or 0x0144 in entries):
        # WriteExif.pl ValidateImageData, run on every IFD it writes: an uncompressed image
        # whose byte counts are short of width x height x bits per pixel is a [minor] error
        # ("Undersized IFD1 StripByteCounts", FujiFilm DS-7's strip thumbnails).
        counts = entries.get(0x0117) or entries.get(0x0145)
        compression = _first(tiff, order, entries.get(0x0103))
        width = _first(tiff, order, entries.get(0x0100))
        height = _first(tiff, order, entries.get(0x0101))
        if counts and compression in (None, 1) and width and height:
            samples = _first(tiff, order, entries.get(0x0115)) or 1
            bits = entries.get(0x0102)
            per_sample = _ints(tiff, order, *bits) if bits else [1] * samples
            if len(per_sample) != samples:
                return f"{name} BitsPerSample does not match SamplesPerPixel"  # ExifTool adjusts
            expected = (width * height * sum(per_sample) + 7) // 8
            if sum(_ints(tiff, order, *counts)) < expected:
                return f"Undersized {name} image data byte counts"
    return None


def _ints(tiff: bytes, order: str, typ: int, n: int, value: int) -> list[int]:
    """The integer values of an entry (format, count, value field read as int32)."""
    fmt = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 13: "I"}.get(typ)
    if fmt is None:
        raise struct.error("not an integer entry")
    if _SIZES[typ] * n <= 4:
        raw = struct.pack(order + "I", value)
        return list(struct.unpack_from(order + fmt * n, raw))
    return list(struct.unpack_from(order + fmt * n, tiff, value))


def _first(tiff: bytes, order: str, entry: tuple[int, int, int] | None) -> int | None:
    if entry is None or entry[1] < 1:
        return None
    return _ints(tiff, order, *entry)[0]


def _exif_text(raw: bytes, tag: int) -> str:
    if tag == 0x8298:
        # ExifTool: "photographer\0editor" -> two lines; blanks before each NUL go.
        raw = re.sub(rb" *\0", b"\n", raw, count=1)
        raw = re.sub(rb" *\0.*", b"", raw, flags=re.S)
        raw = raw[:-1] if raw.endswith(b"\n") else raw
    else:
        raw = raw.split(b"\0", 1)[0]
        if tag in _EXIF_RSTRIP:
            raw = raw.rstrip(_PERL_SPACE)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Fallback("EXIF text is not UTF-8") from exc


# -- IPTC ----------------------------------------------------------------------------------


def _read_photoshop(payload: bytes, record: dict[str, Any], said: list[str]) -> None:
    if not payload.startswith(_PHOTOSHOP):
        raise Fallback("APP13 that is not Photoshop 3.0")
    pos = len(_PHOTOSHOP)
    found = digest = None
    while pos + 12 <= len(payload):
        if payload[pos : pos + 4] != b"8BIM":
            raise Fallback("unknown Photoshop resource signature")
        (rid,) = struct.unpack_from(">H", payload, pos + 4)
        name_len = payload[pos + 6]
        pos += 6 + ((name_len + 2) & ~1)
        if pos + 4 > len(payload):
            raise Fallback("truncated Photoshop resource")
        (size,) = struct.unpack_from(">I", payload, pos)
        pos += 4
        if pos + size > len(payload):
            raise Fallback("Photoshop resource continues in another segment")
        if rid == 0x0404:
            if found is not None:
                raise Fallback("two IPTC blocks")
            found = payload[pos : pos + size]
        elif rid == 0x0425:
            if size != 16:
                raise Fallback("IPTCDigest that is not an MD5")
            digest = payload[pos : pos + size]
            record["Photoshop:IPTCDigest"] = digest.hex()
        pos += size + (size & 1)
    if found is not None:
        if not found:
            raise Fallback("empty IPTC block")
        _read_iptc(found, record)
        # Photoshop.pm: IPTCDigest and CurrentIPTCDigest (the MD5 of the IPTC block) differ.
        if digest is not None and hashlib.md5(found).digest() != digest:
            said.append(DIGEST_WARNING)


def _read_iptc(block: bytes, record: dict[str, Any]) -> None:
    raw: dict[int, list[bytes]] = {}
    charset: bytes | None = None
    shifted = False  # ISO 2022 shift codes in some text: ExifTool warns if it decodes Latin
    pos = 0
    while pos < len(block):
        if block[pos] != 0x1C:
            if block[pos:].strip(b"\0") == b"":
                break  # padding
            raise Fallback("IPTC data does not start with a tag marker")
        if pos + 5 > len(block):
            raise Fallback("truncated IPTC dataset")
        rec, ds, length = (
            block[pos + 1],
            block[pos + 2],
            struct.unpack_from(">H", block, pos + 3)[0],
        )
        if length & 0x8000:
            raise Fallback("extended IPTC dataset")
        value = block[pos + 5 : pos + 5 + length]
        if len(value) != length:
            raise Fallback("truncated IPTC dataset")
        pos += 5 + length
        if rec == 1 and ds == 90:
            if raw:
                raise Fallback("IPTC character set declared after the text")
            charset = value.rstrip(b"\0")
        elif rec == 2 and ds in _IPTC:
            raw.setdefault(ds, []).append(value.rstrip(b"\0"))  # as ExifTool strips them
        if (
            2 <= rec < 7
            and re.search(rb"[\x80-\xff]", value)
            and re.search(rb"[\x14\x15\x1b]", value)
        ):
            shifted = True  # IPTC.pm TranslateCodedString: "ISO 2022 shifting not supported"
        elif rec not in (1, 2, 3, 7, 8, 9):
            raise Fallback(f"unusual IPTC record {rec}")
    # ExifTool (IPTC.pm HandleCodedCharset): ESC % G is UTF-8, another ESC % set is left
    # undecoded, anything else (or nothing) means its default "Latin".
    if charset is not None:
        record["IPTC:CodedCharacterSet"] = _charset_name(charset)
    if charset == b"\x1b%G":
        decode = _utf8
    elif charset is not None and charset.startswith(b"\x1b%"):
        raise Fallback("IPTC character set ExifTool does not decode")
    else:
        decode = _latin
        if shifted:
            raise Fallback("ISO 2022 shift codes in Latin IPTC")
    for ds, values in raw.items():
        if len(values) > 1 and ds not in _IPTC_LISTS:
            raise Fallback("repeated IPTC dataset")
        if any(c in v for v in values for c in b"\x14\x15\x1b"):
            raise Fallback("ISO 2022 shift codes in IPTC")  # ExifTool leaves them undecoded
        texts = [decode(v) for v in values]
        if ds == 55:
            texts = [_iptc_date(t) for t in texts]
        record[_IPTC[ds]] = texts if len(texts) > 1 else texts[0]


def _charset_name(charset: bytes) -> str:
    """ExifTool's PrintCodedCharset: "UTF8" for ESC % G, else "ESC - A" and the like."""
    if charset == b"\x1b%G":
        return "UTF8"
    text = "".join(f" {chr(b)}" for b in charset)
    return text.replace(" \x1b", ", ESC").lstrip(",").lstrip(" ")


def _latin(value: bytes) -> str:
    """ExifTool's "Latin" charset: cp1252, with its five undefined bytes kept as Latin-1."""
    try:
        return value.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(
            chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
            for b in value
        )


def _utf8(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Fallback("IPTC declared UTF-8 but is not") from exc


def _iptc_date(text: str) -> str:
    """ExifTool's ExifDate(): year:month:day whatever separators the sender used."""
    text = text[:-1] if text.endswith("\0") else text
    if not text.isascii():
        raise Fallback("IPTC date with non-ASCII characters")  # ExifTool shows them as "?"
    return _DATE.sub(r"\1:\2:\3", text, count=1)


_DATE = re.compile(r"(\d{4})[^\d]*(\d{2})[^\d]*(\d{2})$")


# -- XMP -----------------------------------------------------------------------------------


#: ExifTool 12.57's XMP namespace URIs (XMP.pm %uri2ns), from
#: `perl -MImage::ExifTool::XMP -e 'print "$_\\n" for values %Image::ExifTool::XMP::nsURI'`.
#: A declared URI that is one of these but for a trailing slash ExifTool takes for that one,
#: with "[minor] Fixed incorrect URI for xmlns:<prefix>" (XMP.pm ParseXMPElement).
_EXIFTOOL_NS = frozenset(
    (
        "adobe:ns:meta/",
        "http://cipa.jp/exif/1.0/",
        "http://creativecommons.org/ns#",
        "http://developer.sonyericsson.com/cell/1.0/",
        "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
        "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
        "http://ns.acdsee.com/iptc/1.0/",
        "http://ns.adobe.com/DICOM/",
        "http://ns.adobe.com/album/1.0/",
        "http://ns.adobe.com/camera-raw-defaults/1.0/",
        "http://ns.adobe.com/camera-raw-embedded-lens-profile/1.0/",
        "http://ns.adobe.com/camera-raw-saved-settings/1.0/",
        "http://ns.adobe.com/camera-raw-settings/1.0/",
        "http://ns.adobe.com/creatorAtom/1.0/",
        "http://ns.adobe.com/exif/1.0/",
        "http://ns.adobe.com/exif/1.0/aux/",
        "http://ns.adobe.com/hdr-metadata/1.0/",
        "http://ns.adobe.com/iX/1.0/",
        "http://ns.adobe.com/lightroom/1.0/",
        "http://ns.adobe.com/pdf/1.3/",
        "http://ns.adobe.com/pdfx/1.3/",
        "http://ns.adobe.com/photoshop/1.0/",
        "http://ns.adobe.com/photoshop/1.0/camera-profile",
        "http://ns.adobe.com/swf/1.0/",
        "http://ns.adobe.com/tiff/1.0/",
        "http://ns.adobe.com/xap/1.0/",
        "http://ns.adobe.com/xap/1.0/PLUS/",
        "http://ns.adobe.com/xap/1.0/bj/",
        "http://ns.adobe.com/xap/1.0/g/",
        "http://ns.adobe.com/xap/1.0/g/img/",
        "http://ns.adobe.com/xap/1.0/mm/",
        "http://ns.adobe.com/xap/1.0/rights/",
        "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
        "http://ns.adobe.com/xap/1.0/sType/Font#",
        "http://ns.adobe.com/xap/1.0/sType/Job#",
        "http://ns.adobe.com/xap/1.0/sType/ManifestItem#",
        "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
        "http://ns.adobe.com/xap/1.0/sType/ResourceRef#",
        "http://ns.adobe.com/xap/1.0/sType/Version#",
        "http://ns.adobe.com/xap/1.0/t/pg/",
        "http://ns.adobe.com/xmp/1.0/DynamicMedia/",
        "http://ns.adobe.com/xmp/Identifier/qual/1.0/",
        "http://ns.adobe.com/xmp/note/",
        "http://ns.adobe.com/xmp/sType/Area#",
        "http://ns.apple.com/adjustment-settings/1.0/",
        "http://ns.apple.com/faceinfo/1.0/",
        "http://ns.exiftool.ca/1.0/",
        "http://ns.exiftool.org/1.0/",
        "http://ns.extensis.com/extensis/1.0/",
        "http://ns.fastpictureviewer.com/fpv/1.0/",
        "http://ns.google.com/photos/1.0/audio/",
        "http://ns.google.com/photos/1.0/camera/",
        "http://ns.google.com/photos/1.0/creations/",
        "http://ns.google.com/photos/1.0/depthmap/",
        "http://ns.google.com/photos/1.0/focus/",
        "http://ns.google.com/photos/1.0/image/",
        "http://ns.google.com/photos/1.0/panorama/",
        "http://ns.google.com/photos/dd/1.0/profile/",
        "http://ns.google.com/videos/1.0/spherical/",
        "http://ns.idimager.com/ics/1.0/",
        "http://ns.iview-multimedia.com/mediapro/1.0/",
        "http://ns.leiainc.com/photos/1.0/image/",
        "http://ns.microsoft.com/expressionmedia/1.0/",
        "http://ns.microsoft.com/photo/1.0",
        "http://ns.microsoft.com/photo/1.1",
        "http://ns.microsoft.com/photo/1.2/",
        "http://ns.microsoft.com/photo/1.2/t/Region#",
        "http://ns.microsoft.com/photo/1.2/t/RegionInfo#",
        "http://ns.nikon.com/asteroid/1.0/",
        "http://ns.nikon.com/nine/1.0/",
        "http://ns.nikon.com/sdc/1.0/",
        "http://ns.optimasc.com/dex/1.0/",
        "http://ns.useplus.org/ldf/xmp/1.0/",
        "http://prismstandard.org/namespaces/basic/2.0/",
        "http://prismstandard.org/namespaces/pmi/2.2/",
        "http://prismstandard.org/namespaces/prismusagerights/2.1/",
        "http://prismstandard.org/namespaces/prl/2.1/",
        "http://prismstandard.org/namespaces/prm/3.0/",
        "http://purl.org/dc/elements/1.1/",
        "http://rs.tdwg.org/dwc/index.htm",
        "http://www.digikam.org/ns/1.0/",
        "http://www.dji.com/drone-dji/1.0/",
        "http://www.metadataworkinggroup.com/schemas/collections/",
        "http://www.metadataworkinggroup.com/schemas/keywords/",
        "http://www.metadataworkinggroup.com/schemas/regions/",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2000/svg",
        "http://xmp.gettyimages.com/gift/1.0/",
    )
)
_XMLNS = re.compile(rb"""xmlns:([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _check_namespaces(packet: bytes) -> None:
    """ExifTool reads the properties of such a namespace as the standard one's, and warns."""
    for m in _XMLNS.finditer(packet):
        uri = (m[2] if m[2] is not None else m[3]).decode("utf-8", "replace")
        fixed = uri[:-1] if uri.endswith("/") else uri + "/"
        if uri not in _EXIFTOOL_NS and fixed in _EXIFTOOL_NS:
            raise Fallback(f"XMP namespace URI ExifTool fixes: {uri}")


def _read_xmp(packet: bytes, record: dict[str, Any]) -> None:
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet or b"<![CDATA[" in packet:
        raise Fallback("XMP with a DTD or CDATA")  # no entity expansion reaches expat
    try:
        root = ElementTree.fromstring(packet.decode("utf-8").strip("\0 \r\n\t"))
    except Exception as exc:  # bad UTF-8 or malformed XML: ExifTool decides
        raise Fallback(f"XMP not parsed: {exc}") from exc
    if root.tag == f"{{{_RDF}}}RDF":
        rdf = root
    elif root.tag in ("{adobe:ns:meta/}xmpmeta", "{adobe:ns:meta/}xapmeta"):
        rdf = root.find(f"{{{_RDF}}}RDF")
    else:  # ExifTool would read the properties as nested in an unknown element
        raise Fallback("XMP root is not x:xmpmeta or rdf:RDF")
    if rdf is None:
        raise Fallback("XMP without rdf:RDF")
    for desc in rdf:
        if desc.tag != f"{{{_RDF}}}Description":
            raise Fallback("typed node in XMP")
        for attr, value in desc.attrib.items():
            tag = _xmp_tag(attr)
            if tag:
                _put(record, tag, _xmp_date(value) if tag in _XMP_DATES else value)
        for prop in desc:
            tag = _xmp_tag(prop.tag)
            if tag:
                value = _xmp_value(prop, tag)
                _put(record, tag, _xmp_date(value) if tag in _XMP_DATES else value)


def _xmp_tag(name: str) -> str | None:
    """The ExifTool tag of an XMP property the index reads. ExifTool matches property names
    regardless of case (`dc:Rights` is XMP-dc:Rights); such a file is ExifTool's to read."""
    tag = _XMP_TAGS.get(name)
    if tag is None and name.lower() in _XMP_TAGS_LOWER:
        raise Fallback(f"XMP property {name} in an unusual letter case")
    return tag


_XMP_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}:\d{2})(:\d{2})?\s*(\S*)$")


def _xmp_date(value: Any) -> Any:
    """ExifTool's ConvertXMPDate: "2011-10-28T12:00:00+00:00" -> "2011:10:28 12:00:00+00:00"."""
    if not isinstance(value, str):
        return value
    m = _XMP_DATE.match(value)
    if m:
        return f"{m[1]}:{m[2]}:{m[3]} {m[4]}{m[5] or ''}{m[6]}"
    if re.match(r"^\d{4}(-\d{2}){0,2}", value):
        return value.replace("-", ":")
    return value


def _put(record: dict[str, Any], tag: str, value: str | list[str] | None) -> None:
    if value is None:
        return
    if tag in record:
        raise Fallback(f"{tag} twice")
    record[tag] = value


def _xmp_value(prop: Any, tag: str) -> str | list[str] | None:
    if prop.attrib:
        raise Fallback(f"{tag} has attributes")
    children = list(prop)
    if not children:
        return prop.text or ""
    if len(children) != 1 or (prop.text or "").strip():
        raise Fallback(f"{tag} is not a simple value or one container")
    container = children[0]
    kind = container.tag.rpartition("}")[2]
    if container.tag not in (f"{{{_RDF}}}Seq", f"{{{_RDF}}}Bag", f"{{{_RDF}}}Alt"):
        raise Fallback(f"{tag} holds a {kind}")
    items = []
    for li in container:
        if li.tag != f"{{{_RDF}}}li" or len(li) or set(li.attrib) - {_XML_LANG}:
            raise Fallback(f"{tag} has structured items")
        items.append((li.attrib.get(_XML_LANG), li.text or ""))
    if kind == "Alt":
        langs = [lang for lang, _ in items]
        if "x-default" not in langs or len(set(langs)) != len(langs):
            raise Fallback(f"{tag} lang-alt without one x-default")
        return next(text for lang, text in items if lang == "x-default")
    if any(lang is not None for lang, _ in items):
        raise Fallback(f"{tag} list items with languages")
    values = [text for _, text in items]
    if not values:
        return None
    return values if len(values) > 1 else values[0]
