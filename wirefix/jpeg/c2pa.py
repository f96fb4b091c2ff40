"""C2PA Content Credentials in a JPEG: a JUMBF box in an APP11 segment before the image data.

A rewrite would break their signature, so the rewrite refuses such files (docs/safety.md). The
walk is the shared tokenizer's, fill bytes and standalone markers included: a padded APP11 must
not slip past the refusal because a hand-made walk lost its way.
"""

from __future__ import annotations

from wirefix.jpeg.segments import JpegError, head

APP11 = 0xEB


def jumbf_in_app11(data: bytes) -> bool:
    """Whether an APP11 segment before the first SOS of the JPEG (start) `data` holds a JUMBF
    box. `data` may be just the file's head: the segments read before it ends (or before the
    walk fails) are the ones looked at; a file the walk cannot follow is refused elsewhere (the
    image-data hash and the writer use the same walk)."""
    try:
        for seg in head(data):
            if seg.marker == APP11 and b"jumb" in data[seg.payload_start : seg.payload_end]:
                return True
    except JpegError:
        return False
    return False
