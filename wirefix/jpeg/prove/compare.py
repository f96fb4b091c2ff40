"""The prover's JPEG level: the same segments in the same order (through `jpeg.segments`), the
image data untouched, and each changed segment handed to its format's check."""

from __future__ import annotations

import struct

from wirefix.jpeg.prove.errors import Unexpected
from wirefix.jpeg.prove.exif import check_exif
from wirefix.jpeg.prove.iptc import check_photoshop, datasets, resources
from wirefix.jpeg.prove.xmp import check_xmp
from wirefix.jpeg.segments import SOS, JpegError, Segment, head_segments

_EXIF = b"Exif\0\0"
_XMP = b"http://ns.adobe.com/xap/1.0/\0"
_PHOTOSHOP = b"Photoshop 3.0\0"


def check(old: bytes, new: bytes, planned: set[str]) -> None:
    """Raise Unexpected unless `new` differs from `old` only in the tags named in `planned`
    (ExifTool group-1 names as in jpegwrite's tables, e.g. "IPTC:By-line", "XMP-dc:Creator",
    "IFD0:Artist", "IPTC:CodedCharacterSet", "Photoshop:IPTCDigest")."""
    old_segs, new_segs = _split(old), _split(new)
    if [s.marker for s in old_segs] != [s.marker for s in new_segs]:
        raise Unexpected("the sequence of JPEG segments changed")
    if old[old_segs[-1].offset :] != new[new_segs[-1].offset :]:
        raise Unexpected("the image data (SOS onwards) changed")
    for sa, sb in zip(old_segs[:-1], new_segs[:-1], strict=True):
        marker = sa.marker
        if old[sa.offset : sa.end] == new[sb.offset : sb.end]:
            continue
        # The fill bytes and marker (everything before the length) must be the same.
        if sa.standalone or old[sa.offset : sa.marker_at + 2] != new[sb.offset : sb.marker_at + 2]:
            raise Unexpected(f"fill bytes before marker 0x{marker:02X} changed")
        pa, pb = sa.payload(old), sb.payload(new)
        if marker == 0xE1 and pa.startswith(_EXIF) and pb.startswith(_EXIF):
            check_exif(pa[len(_EXIF) :], pb[len(_EXIF) :], planned)
        elif marker == 0xE1 and pa.startswith(_XMP) and pb.startswith(_XMP):
            check_xmp(pa[len(_XMP) :], pb[len(_XMP) :], planned)
        elif marker == 0xED and pa.startswith(_PHOTOSHOP) and pb.startswith(_PHOTOSHOP):
            check_photoshop(pa[len(_PHOTOSHOP) :], pb[len(_PHOTOSHOP) :], planned)
        else:
            raise Unexpected(f"segment 0x{marker:02X} changed")


def iptc_text_is_ascii(data: bytes) -> bool:
    """Whether every IPTC dataset value of the JPEG `data` is plain ASCII, so declaring the
    block UTF-8 changes how none of them reads (Latin-1 and UTF-8 agree on ASCII). False for
    anything unusual, including more than one IPTC block."""
    try:
        blocks = [
            block
            for seg in _split(data)
            if seg.marker == 0xED and (payload := seg.payload(data)).startswith(_PHOTOSHOP)
            for rid, _, block, _ in resources(payload[len(_PHOTOSHOP) :])
            if rid == 0x0404
        ]
        if len(blocks) != 1:
            return False
        found, _ = datasets(blocks[0])
    except (Unexpected, struct.error):
        return False
    return all(value.isascii() for _, _, value in found)


def _split(data: bytes) -> list[Segment]:
    """The segments from SOI through the first SOS (the last one: everything from it on is the
    image data, which must not change at all)."""
    try:
        segments = head_segments(data)
    except JpegError as exc:
        raise Unexpected(f"JPEG segments cannot be followed to the image data: {exc}") from exc
    assert segments[-1].marker == SOS
    return segments
