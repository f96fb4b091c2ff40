"""The fast writer's IPTC editor: the Photoshop APP13 payload with the IPTC datasets replaced
or added where ExifTool puts them, and IPTCDigest set if asked."""

from __future__ import annotations

import hashlib
import struct
from itertools import pairwise

from wirefix.jpeg.datasets import DatasetError, walk
from wirefix.jpeg.tables import IPTC_TAGS
from wirefix.jpeg.write.errors import Unsupported

CHARSET_TAG = "IPTC:CodedCharacterSet"
DIGEST_TAG = "Photoshop:IPTCDigest"
_PHOTOSHOP = b"Photoshop 3.0\0"
_UTF8 = b"\x1b%G"


def edit_photoshop(
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
    try:
        datasets, pos = walk(block)  # record, dataset, start, end
    except DatasetError as exc:
        raise Unsupported(str(exc)) from None
    if any(b[0] < a[0] for a, b in pairwise(datasets)):
        raise Unsupported("IPTC records out of order")
    tail = block[pos:]  # zero padding, kept

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
