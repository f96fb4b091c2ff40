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
- the segments are walked by `jpeg.segments`: TEM and RSTn before SOS are read past, as
  ExifTool does without a word; fill bytes before a marker fall back when warnings are asked
  for ("[minor] Skipped unknown N bytes after JPEG ... segment").

The package: `record` (the walk and the record), `exif`, `iptc`, `xmp` (one reader each).
"""

from __future__ import annotations

from wirefix.jpeg.read.errors import Empty, Fallback
from wirefix.jpeg.read.exif import exif_fault
from wirefix.jpeg.read.iptc import DIGEST_WARNING
from wirefix.jpeg.read.record import HEAD, XMP_HEADER_WARNING, read, read_data

__all__ = [
    "DIGEST_WARNING",
    "HEAD",
    "XMP_HEADER_WARNING",
    "Empty",
    "Fallback",
    "exif_fault",
    "read",
    "read_data",
]
