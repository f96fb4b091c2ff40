"""The prover's Photoshop / IPTC check: only the IPTC resource's planned datasets (and the
record versions ExifTool adds) and a planned IPTCDigest may differ."""

from __future__ import annotations

import struct

from wirefix.jpeg.datasets import DatasetError, walk
from wirefix.jpeg.prove.errors import Unexpected
from wirefix.jpeg.tables import IPTC_TAGS

_DIGEST = "Photoshop:IPTCDigest"

#: (record, dataset) -> ExifTool name.
_IPTC_NAMES: dict[tuple[int, int], str] = {(r, d): n for n, (r, d, *_) in IPTC_TAGS.items()}
_IPTC_NAMES[(1, 90)] = "IPTC:CodedCharacterSet"
_RECORD_VERSIONS = {(1, 0), (2, 0)}


def resources(data: bytes) -> list[tuple[int, bytes, bytes, bytes]]:
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


def check_photoshop(old: bytes, new: bytes, planned: set[str]) -> None:
    a, b = resources(old), resources(new)
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


def datasets(block: bytes) -> tuple[list[tuple[int, int, bytes]], bytes]:
    """(record, dataset, value) in order, and the bytes after the last dataset (zeros)."""
    try:
        found, end = walk(block)
    except DatasetError as exc:
        raise Unexpected(str(exc)) from None
    return [(rec, ds, block[start + 5 : stop]) for rec, ds, start, stop in found], block[end:]


def _check_iptc(old: bytes, new: bytes, planned: set[str]) -> None:
    a, tail_a = datasets(old)
    b, tail_b = datasets(new)
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
