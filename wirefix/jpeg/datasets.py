"""The one walk of IPTC-IIM datasets, shared by the reader, the writer and the prover as
`segments` is for the JPEG markers: 0x1C-tagged datasets with a 2-byte length, then only zero
padding. Extended (32-bit) datasets are refused. Each caller turns `DatasetError` into its own
refusal (the reader falls back to ExifTool, the writer declines, the prover fails the file)."""

from __future__ import annotations

import struct


class DatasetError(Exception):
    """The IPTC block is not a plain run of datasets; the message says how."""


def walk(block: bytes) -> tuple[list[tuple[int, int, int, int]], int]:
    """(record, dataset, start, end) of each dataset in order (`block[start + 5 : end]` is its
    value), and where the zero padding after the last one starts."""
    out: list[tuple[int, int, int, int]] = []
    pos = 0
    while pos < len(block) and block[pos] == 0x1C:
        if pos + 5 > len(block):
            raise DatasetError("truncated IPTC dataset")
        (length,) = struct.unpack_from(">H", block, pos + 3)
        if length & 0x8000:
            raise DatasetError("extended IPTC dataset")
        if pos + 5 + length > len(block):
            raise DatasetError("truncated IPTC dataset")
        out.append((block[pos + 1], block[pos + 2], pos, pos + 5 + length))
        pos += 5 + length
    if block[pos:].strip(b"\0"):
        raise DatasetError("IPTC data with bytes that are not datasets")
    return out, pos
