"""The rewrite's fast path: write text tags into a JPEG directly, without ExifTool (SPEC §6).

ExifTool's write costs as much Perl per file as both of the rewrite's reads together; the common
case (a JPEG, a handful of IPTC / XMP / EXIF text tags) is a few byte-level edits. `write` makes
them surgically: every byte it was not asked to change stays where it was (other segments,
resources, datasets, XMP text, the image data). What it writes must read back in ExifTool exactly
as ExifTool's own write of the same values reads (`tests/test_jpegwrite.py` holds it to that on
the real corpus); the rewrite verifies every file with ExifTool anyway and falls back to
ExifTool's write when this module raises `Unsupported` or the verification fails.

Where it would have to guess, it does not: anything it does not fully understand is
`Unsupported`, with the reason. Settled to ExifTool 12.57's writing:

- IPTC: a replaced dataset keeps its place (all repeats of a list go to the first one's place);
  an absent one is added at the end of its record, new ones in dataset order (WriteIPTC.pl);
  text is UTF-8 when the block ends up declaring `ESC % G`, else only ASCII is written;
  `IPTCDigest` "new" is the MD5 of the new 0x0404 resource data, appended as a resource when
  absent; over-long values are refused (ExifTool would cut them);
- XMP: edited in place with expat byte offsets; the packet's padding absorbs the change;
- EXIF: IFD0 ASCII text as UTF-8 + NUL, in place if it fits, else appended at the end of the
  TIFF data; the old bytes are zeroed, so a corrected name survives nowhere in the file.
- JPEG: the segments are walked by `jpeg.segments`; fill bytes, TEM and RSTn before SOS are
  copied as they were (ExifTool keeps TEM and RSTn too, and drops fill bytes).

The package: `splice` (values, segments, the new file), `iptc`, `xmp`, `exif` (one editor each);
the tag tables are `jpeg.tables`, shared with the prover.
"""

from __future__ import annotations

from wirefix.jpeg.tables import EXIF_TAGS, IPTC_TAGS, XMP_TAGS
from wirefix.jpeg.write.errors import MAX_PAYLOAD, Unsupported
from wirefix.jpeg.write.splice import write

__all__ = ["EXIF_TAGS", "IPTC_TAGS", "MAX_PAYLOAD", "XMP_TAGS", "Unsupported", "write"]
