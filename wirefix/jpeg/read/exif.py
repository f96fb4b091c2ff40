"""EXIF for the fast reader: IFD0 / ExifIFD text tags as ExifTool reads them, and `exif_fault`,
what ExifTool would warn about or refuse to write (the writer asks too)."""

from __future__ import annotations

import re
import struct
from typing import Any

from wirefix.jpeg.read.errors import Fallback

_EXIF_IFD0 = {0x010E: "IFD0:ImageDescription", 0x013B: "IFD0:Artist", 0x8298: "IFD0:Copyright"}
_EXIF_SUB = {0x9003: "ExifIFD:DateTimeOriginal"}


def read_exif(tiff: bytes, record: dict[str, Any], warnings: bool = True) -> None:
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
        byte_counts = entries.get(0x0117) or entries.get(0x0145)
        compression = _first(tiff, order, entries.get(0x0103))
        width = _first(tiff, order, entries.get(0x0100))
        height = _first(tiff, order, entries.get(0x0101))
        if byte_counts and compression in (None, 1) and width and height:
            samples = _first(tiff, order, entries.get(0x0115)) or 1
            bits = entries.get(0x0102)
            per_sample = _ints(tiff, order, *bits) if bits else [1] * samples
            if len(per_sample) != samples:
                return f"{name} BitsPerSample does not match SamplesPerPixel"  # ExifTool adjusts
            expected = (width * height * sum(per_sample) + 7) // 8
            if sum(_ints(tiff, order, *byte_counts)) < expected:
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
