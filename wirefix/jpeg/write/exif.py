"""The fast writer's EXIF editor: IFD0 ASCII values replaced in place or appended, nothing else
moved, the old bytes zeroed."""

from __future__ import annotations

import struct

from wirefix.jpeg.read import exif_fault
from wirefix.jpeg.tables import EXIF_TAGS
from wirefix.jpeg.write.errors import Unsupported

_SUB_IFDS = (0x8769, 0x8825, 0xA005)  # ExifIFD, GPS, Interoperability
_MAKERNOTE = -2  # marks the maker note's range in _used_ranges


def has_iptc(tiff: bytes) -> bool:
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


def edit_exif(tiff: bytes, writes: dict[str, str]) -> bytes:
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
