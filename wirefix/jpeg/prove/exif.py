"""The prover's EXIF check: only IFD0's planned entries, their old value bytes and what is
appended for them may differ."""

from __future__ import annotations

import struct

from wirefix.jpeg.prove.errors import Unexpected
from wirefix.jpeg.tables import EXIF_TAGS

#: IFD0 tag id -> ExifTool name.
_EXIF_NAMES: dict[int, str] = {tag: name for name, tag in EXIF_TAGS.items()}


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


def check_exif(old: bytes, new: bytes, planned: set[str]) -> None:
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
