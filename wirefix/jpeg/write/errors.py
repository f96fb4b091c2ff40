"""What the fast writer refuses, and the one size limit every segment editor keeps to."""

from __future__ import annotations


class Unsupported(Exception):
    """Not a file or a write the fast writer does; ExifTool writes this one (message says why)."""


#: Largest APPn payload: the segment length (a 16-bit count that includes itself) minus two.
MAX_PAYLOAD = 65533
