"""The fast reader's two outcomes other than a record: ExifTool must read the file, or it
is empty."""

from __future__ import annotations


class Fallback(Exception):
    """The fast path does not fully understand this file; ExifTool must read it."""


class Empty(Exception):
    """A zero-byte file: failed, as ExifTool reports it."""
