"""Prove that a rewritten JPEG differs from the original only in the planned tags.

The rewrite's fast path verifies `jpegwrite.write`'s output with a targeted ExifTool read of the
planned tags (plus errors and warnings) and with `check` here: an independent structural
comparison of the old and new bytes. It parses the files itself: it shares with the writer only
the tag tables (`jpeg.tables`) and the tokenizer (`jpeg.segments`), never its edit code. It
refuses (`Unexpected`) anything it cannot parse or account for; the caller then falls back to
the full ExifTool verification, so refusing is always safe and accepting wrongly is not.

What may differ, and only there:

- the EXIF APP1: IFD0's planned entries (their 12 bytes, their old value bytes, and bytes
  appended after the old TIFF end that only planned entries point at, or zero padding);
- the XMP APP1: the values of planned properties (any other property, in attribute or element
  form, must be there in both with the same canonical value; blank text and padding aside);
- the Photoshop APP13: the IPTC resource (datasets of planned tags; record versions 1:0 / 2:0
  may appear) and the IPTCDigest resource (changed or appended, if planned).

Every other segment (TEM and RSTn included), the marker order, the fill bytes and everything
from SOS on must be byte-identical.

The package: `compare` (the JPEG level), `iptc`, `xmp`, `exif` (one check each).
"""

from __future__ import annotations

from wirefix.jpeg.prove.compare import check, iptc_text_is_ascii
from wirefix.jpeg.prove.errors import Unexpected

__all__ = ["Unexpected", "check", "iptc_text_is_ascii"]
