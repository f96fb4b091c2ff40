"""The one JPEG tokenizer: every module that walks a JPEG's markers walks them here.

The fast reader, the writer, the prover, the image-data hash and the C2PA check used to walk the
segments each their own way and disagreed on the odd file; now they share these rules, which
follow ExifTool 12.57 (checked with `exiftool -validate -warning` on files made for the purpose):

- fill bytes, any number of 0xFF before a marker's own 0xFF, belong to the segment they precede
  (`Segment.fill`). ExifTool reads past them with "[minor] Skipped unknown N bytes after JPEG
  APPn segment" and drops them when it writes;
- TEM (0x01) and RST0..RST7 (0xD0..0xD7) before the first SOS are standalone markers (two bytes,
  no length). ExifTool reads such files without a word ("Validate: OK") and its write keeps them
  where they were, so they are accepted here, and every consumer treats them as segments it
  leaves alone (the hash hashes them, the writer copies them, the prover wants them unchanged);
- SOI only at offset 0; a marker byte 0x00 or a second SOI is an error (ExifTool reads past
  both; the reader, writer and prover refused them before, and refusing sends a file to
  ExifTool or leaves it alone); every other marker (SOFn, DHT, DQT, DRI, APPn, COM, SOS,
  JPGn ...) has a 16-bit length of at least 2, and the whole segment must be there;
- after each SOS, the entropy-coded data runs to the first 0xFF followed by neither 0x00 (a
  stuffed byte), nor RSTn, nor a run of 0xFF that ends in one of those; the marker found there
  (DHT, another SOS, EOI ...) starts the next segment;
- the bytes after EOI are the trailer.

Anything else is `JpegError`, the one error of this module; `truncated` says whether more bytes
would help (the fast reader then reads on, every other caller refuses the file).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

SOI, EOI, SOS, TEM = 0xD8, 0xD9, 0xDA, 0x01
#: Markers without a length field that may appear anywhere between SOI and EOI.
STANDALONE = frozenset({TEM, *range(0xD0, 0xD8)})


class JpegError(ValueError):
    """The bytes cannot be followed as a JPEG. `at`: where; for a truncation (`truncated`), the
    length the data would need to reach at least for the walk to get further."""

    def __init__(self, message: str, at: int, truncated: bool = False) -> None:
        super().__init__(message)
        self.at = at
        self.truncated = truncated


@dataclass(frozen=True, slots=True)
class Segment:
    """One marker and what belongs to it: data[offset:end] is fill bytes, 0xFF, the marker
    byte, then (unless standalone) the length field and the payload."""

    marker: int
    offset: int  # the first fill byte, else the marker's 0xFF
    fill: int  # 0xFF bytes before the marker's own 0xFF
    length: int  # the length field (payload + 2); 0 for a standalone marker
    payload_start: int
    payload_end: int  # one past the segment's last byte

    @property
    def marker_at(self) -> int:
        """Offset of the marker's own 0xFF."""
        return self.offset + self.fill

    @property
    def end(self) -> int:
        return self.payload_end

    @property
    def standalone(self) -> bool:
        return self.length == 0

    def payload(self, data: bytes) -> bytes:
        return data[self.payload_start : self.payload_end]


@dataclass(frozen=True, slots=True)
class EntropyData:
    """The entropy-coded data after an SOS segment (stuffed bytes and RSTn included)."""

    offset: int
    end: int


@dataclass(frozen=True, slots=True)
class Tokens:
    """A whole JPEG: its parts in order, covering data[0:trailer] without gap or overlap."""

    parts: tuple[Segment | EntropyData, ...]
    trailer: int  # offset of the first byte after EOI: len(data) when there is no trailer


#: A segment as a plain tuple, the fields of `Segment` in order: (marker, offset, fill, length,
#: payload_start, payload_end). `head_bounds` yields these for the fast reader, which walks some
#: ten segments per file at thousands of files a second (bench/bench_fastread.py); everyone
#: else takes the `Segment`s made from the very same walk.
Bounds = tuple[int, int, int, int, int, int]


def bounds_at(data: bytes, pos: int) -> Bounds:
    """The `Bounds` of the segment that starts at `pos` (with its fill bytes)."""
    n = len(data)
    if pos + 1 >= n or data[pos] != 0xFF or data[pos + 1] == 0xFF:
        if pos >= n:
            raise JpegError("the data ends where a JPEG marker should be", pos + 2, truncated=True)
        if data[pos] != 0xFF:
            raise JpegError(f"garbage between JPEG segments at byte {pos}", pos)
        at = pos
        while at + 1 < n and data[at + 1] == 0xFF:
            at += 1
        if at + 1 >= n:
            raise JpegError("the data ends in fill bytes", at + 2, truncated=True)
    else:
        at = pos
    marker = data[at + 1]
    if marker in STANDALONE or marker == EOI or (marker == SOI and at == 0):
        return (marker, pos, at - pos, 0, at + 2, at + 2)
    if marker == 0x00 or marker == SOI:
        raise JpegError(f"unexpected JPEG marker 0x{marker:02X} at byte {at}", at)
    if at + 4 > n:
        raise JpegError("truncated JPEG segment header", at + 4, truncated=True)
    length = (data[at + 2] << 8) | data[at + 3]
    if length < 2:
        raise JpegError(f"bad JPEG segment length at byte {at}", at)
    end = at + 2 + length
    if end > n:
        raise JpegError(f"truncated JPEG segment 0x{marker:02X}", end, truncated=True)
    return (marker, pos, at - pos, length, at + 4, end)


def segment_at(data: bytes, pos: int) -> Segment:
    """The segment that starts at `pos` (with its fill bytes)."""
    return Segment(*bounds_at(data, pos))


def head_bounds(data: bytes, pos: int = 0) -> Iterator[Bounds]:
    """The `Bounds` of the segments from `pos` (0: SOI, checked) through the first SOS or an EOI
    before it. A caller that holds only the start of a file resumes at the last one's end."""
    if pos == 0:
        if data[:2] != b"\xff\xd8":
            raise JpegError("not a JPEG (no SOI)", 2, truncated=b"\xff\xd8".startswith(data))
        yield (SOI, 0, 0, 0, 2, 2)
        pos = 2
    while True:
        seg = bounds_at(data, pos)
        yield seg
        if seg[0] == SOS or seg[0] == EOI:
            return
        pos = seg[5]


def head(data: bytes, pos: int = 0) -> Iterator[Segment]:
    """`head_bounds` as `Segment`s."""
    for bounds in head_bounds(data, pos):
        yield Segment(*bounds)


def head_segments(data: bytes) -> list[Segment]:
    """`head` as a list whose last segment is the first SOS (else `JpegError`)."""
    segments = list(head(data))
    if segments[-1].marker != SOS:
        raise JpegError("EOI before any image data", segments[-1].offset)
    return segments


def end_of_entropy(data: bytes, pos: int) -> int:
    """Offset of the marker (its first fill byte) that ends the entropy-coded data at `pos`."""
    n = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0:
            raise JpegError("the image data ends without EOI", n + 2, truncated=True)
        run = pos + 1
        while run < n and data[run] == 0xFF:
            run += 1
        if run >= n:
            raise JpegError("the image data ends without EOI", n + 2, truncated=True)
        nxt = data[run]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
            pos = run + 1
            continue
        return pos


def tokenize(data: bytes) -> Tokens:
    """Every part of the JPEG `data` from SOI to EOI, and where its trailer starts."""
    parts: list[Segment | EntropyData] = list(head(data))
    last = parts[-1]
    assert isinstance(last, Segment)
    pos = last.end
    while last.marker != EOI:
        if last.marker == SOS:
            end = end_of_entropy(data, pos)
            parts.append(EntropyData(pos, end))
            pos = end
        last = segment_at(data, pos)
        parts.append(last)
        pos = last.end
    return Tokens(tuple(parts), pos)
