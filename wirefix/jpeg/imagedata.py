"""Hashes that prove a rewrite left the picture alone.

Debian 12's ExifTool (12.57) has no `ImageDataHash` (added in 12.58/12.63), so wirefix computes its
own: a SHA-256 over the image's compressed data without its metadata. Every entry records the
method name, so a hash is only ever compared with one made the same way.

- `jpeg-segments-v1`: every JPEG marker segment except APP0..APP15 and COM, plus the entropy-coded
  data, up to and including EOI. Metadata lives in APPn/COM; tables, frame headers and scans are
  the picture.
- `png-chunks-v1`: IHDR, PLTE, tRNS and every IDAT chunk, in order (metadata chunks excluded).
- `tiff-strips-v1`: for every IFD of the main chain, the tags that define the pixels (size,
  samples, compression, photometric, planar, predictor, tile size, ...) and the bytes of its
  strips or tiles, in order; offsets are left out because a rewrite moves the data. BigTIFF and
  TIFF-based raw formats (DNG, whose picture is in a SubIFD) are not covered.
- `file-sha256`: anything else; a metadata write will change it, so the rewriter refuses formats
  it cannot prove unchanged.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from wirefix.errors import WirefixError

CHUNK = 1 << 20


class ImageDataError(WirefixError):
    """The file is not a well-formed image of the format its header claims."""


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def image_data_hash(path: str | Path, data: bytes | None = None) -> tuple[str, str]:
    """Return (method, hex digest) of the image data of `path`; `data`, when the caller already
    holds the file's bytes, saves reading a JPEG again."""
    if data is not None:
        head = data[:8]
    else:
        with open(path, "rb") as fh:
            head = fh.read(8)
    if head[:2] == b"\xff\xd8":
        return "jpeg-segments-v1", _jpeg_hash(Path(path), data)
    if head == b"\x89PNG\r\n\x1a\n":
        return "png-chunks-v1", _png_hash(Path(path))
    if head[:4] in (b"II*\x00", b"MM\x00*") and not str(path).lower().endswith(".dng"):
        return "tiff-strips-v1", _tiff_hash(Path(path))
    return "file-sha256", sha256_file(path)


def _jpeg_hash(path: Path, data: bytes | None = None) -> str:
    if data is None:
        data = path.read_bytes()
    digest = hashlib.sha256()
    pos = 2
    n = len(data)
    digest.update(b"\xff\xd8")
    while pos < n:
        if data[pos] != 0xFF:
            raise ImageDataError(f"{path}: no JPEG marker at byte {pos}")
        while pos < n and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= n:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            digest.update(b"\xff\xd9")
            return digest.hexdigest()
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            digest.update(bytes((0xFF, marker)))
            continue
        if pos + 2 > n:
            raise ImageDataError(f"{path}: truncated JPEG segment header")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        end = pos + length
        if end > n or length < 2:
            raise ImageDataError(f"{path}: truncated JPEG segment")
        is_metadata = 0xE0 <= marker <= 0xEF or marker == 0xFE
        if not is_metadata:
            digest.update(bytes((0xFF, marker)))
            digest.update(data[pos:end])
        pos = end
        if marker == 0xDA:  # SOS: entropy-coded data follows until the next real marker
            scan_end = _end_of_scan(data, pos)
            digest.update(data[pos:scan_end])
            pos = scan_end
    raise ImageDataError(f"{path}: JPEG has no end-of-image marker")


def _end_of_scan(data: bytes, pos: int) -> int:
    """Index of the first marker after entropy-coded data (0xFF not followed by 0x00 or RSTn)."""
    n = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= n:
            return n
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos += 1 if nxt == 0xFF else 2
            continue
        return pos


_PNG_IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def _png_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        fh.read(8)
        while True:
            header = fh.read(8)
            if len(header) < 8:
                raise ImageDataError(f"{path}: PNG ends without IEND")
            length, ctype = struct.unpack(">I4s", header)
            body = fh.read(length + 4)
            if len(body) < length + 4:
                raise ImageDataError(f"{path}: truncated PNG chunk {ctype!r}")
            if ctype in _PNG_IMAGE_CHUNKS:
                digest.update(header)
                digest.update(body)
            if ctype == b"IEND":
                return digest.hexdigest()


_TIFF_PIXEL_TAGS = {256, 257, 258, 259, 262, 266, 277, 284, 317, 320, 322, 323, 338, 339, 530}
_TIFF_DATA = ((273, 279), (324, 325))  # (StripOffsets, StripByteCounts), (TileOffsets, ...)
_TIFF_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}


def _tiff_hash(path: Path) -> str:
    data = path.read_bytes()
    order = "<" if data[:2] == b"II" else ">"
    digest = hashlib.sha256()

    def unpack(fmt: str, at: int) -> tuple[int, ...]:
        try:
            return struct.unpack_from(order + fmt, data, at)
        except struct.error as exc:
            raise ImageDataError(f"{path}: truncated TIFF structure") from exc

    (ifd,) = unpack("I", 4)
    seen: set[int] = set()
    while ifd and ifd not in seen and len(seen) < 64:
        seen.add(ifd)
        (count,) = unpack("H", ifd)
        values: dict[int, tuple[int, bytes]] = {}
        for i in range(count):
            tag, typ, n, _ = unpack("HHII", ifd + 2 + 12 * i)
            size = _TIFF_SIZES.get(typ, 1) * n
            at = ifd + 2 + 12 * i + 8
            if size > 4:
                (at,) = unpack("I", at)
            if at + size > len(data):
                raise ImageDataError(f"{path}: TIFF tag {tag} points past the end of the file")
            values[tag] = (typ, data[at : at + size])
        for tag in sorted(_TIFF_PIXEL_TAGS & values.keys()):
            digest.update(struct.pack(">H", tag) + values[tag][1])
        for offsets_tag, counts_tag in _TIFF_DATA:
            if offsets_tag in values and counts_tag in values:
                for start, length in zip(
                    _tiff_ints(order, *values[offsets_tag]),
                    _tiff_ints(order, *values[counts_tag]),
                    strict=False,
                ):
                    if start + length > len(data):
                        raise ImageDataError(f"{path}: TIFF image data is truncated")
                    digest.update(data[start : start + length])
        (ifd,) = unpack("I", ifd + 2 + 12 * count)
    return digest.hexdigest()


def _tiff_ints(order: str, typ: int, raw: bytes) -> list[int]:
    fmt = {3: "H", 4: "I", 16: "Q"}.get(typ)
    if fmt is None:
        raise ImageDataError(f"unexpected TIFF offset type {typ}")
    return list(struct.unpack(order + fmt * (len(raw) // struct.calcsize(fmt)), raw))
