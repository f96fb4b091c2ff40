"""IPTC for the fast reader: the Photoshop APP13 resources and the IPTC datasets in them, decoded
with ExifTool's rules for character sets, lists and dates."""

from __future__ import annotations

import hashlib
import re
import struct
from typing import Any

from wirefix.jpeg.datasets import DatasetError, walk
from wirefix.jpeg.read.errors import Fallback

_PHOTOSHOP = b"Photoshop 3.0\0"
#: ExifTool's words (Photoshop.pm ProcessPhotoshop) for a warning the fast path reproduces.
DIGEST_WARNING = "IPTCDigest is not current. XMP may be out of sync"

#: IPTC record 2 dataset -> ExifTool tag; By-line is ExifTool's only list among these.
_IPTC: dict[int, str] = {
    5: "IPTC:ObjectName",
    40: "IPTC:SpecialInstructions",
    55: "IPTC:DateCreated",
    80: "IPTC:By-line",
    90: "IPTC:City",
    101: "IPTC:Country-PrimaryLocationName",
    103: "IPTC:OriginalTransmissionReference",
    105: "IPTC:Headline",
    110: "IPTC:Credit",
    115: "IPTC:Source",
    116: "IPTC:CopyrightNotice",
    120: "IPTC:Caption-Abstract",
}
_IPTC_LISTS = {80}


def read_photoshop(payload: bytes, record: dict[str, Any], said: list[str]) -> None:
    if not payload.startswith(_PHOTOSHOP):
        raise Fallback("APP13 that is not Photoshop 3.0")
    pos = len(_PHOTOSHOP)
    found = digest = None
    while pos + 12 <= len(payload):
        if payload[pos : pos + 4] != b"8BIM":
            raise Fallback("unknown Photoshop resource signature")
        (rid,) = struct.unpack_from(">H", payload, pos + 4)
        name_len = payload[pos + 6]
        pos += 6 + ((name_len + 2) & ~1)
        if pos + 4 > len(payload):
            raise Fallback("truncated Photoshop resource")
        (size,) = struct.unpack_from(">I", payload, pos)
        pos += 4
        if pos + size > len(payload):
            raise Fallback("Photoshop resource continues in another segment")
        if rid == 0x0404:
            if found is not None:
                raise Fallback("two IPTC blocks")
            found = payload[pos : pos + size]
        elif rid == 0x0425:
            if size != 16:
                raise Fallback("IPTCDigest that is not an MD5")
            digest = payload[pos : pos + size]
            record["Photoshop:IPTCDigest"] = digest.hex()
        pos += size + (size & 1)
    if found is not None:
        if not found:
            raise Fallback("empty IPTC block")
        _read_iptc(found, record)
        # Photoshop.pm: IPTCDigest and CurrentIPTCDigest (the MD5 of the IPTC block) differ.
        if digest is not None and hashlib.md5(found).digest() != digest:
            said.append(DIGEST_WARNING)


def _read_iptc(block: bytes, record: dict[str, Any]) -> None:
    raw: dict[int, list[bytes]] = {}
    charset: bytes | None = None
    shifted = False  # ISO 2022 shift codes in some text: ExifTool warns if it decodes Latin
    try:
        found, _ = walk(block)
    except DatasetError as exc:
        raise Fallback(str(exc)) from None
    for rec, ds, start, end in found:
        value = block[start + 5 : end]
        if rec == 1 and ds == 90:
            if raw:
                raise Fallback("IPTC character set declared after the text")
            charset = value.rstrip(b"\0")
        elif rec == 2 and ds in _IPTC:
            raw.setdefault(ds, []).append(value.rstrip(b"\0"))  # as ExifTool strips them
        if (
            2 <= rec < 7
            and re.search(rb"[\x80-\xff]", value)
            and re.search(rb"[\x14\x15\x1b]", value)
        ):
            shifted = True  # IPTC.pm TranslateCodedString: "ISO 2022 shifting not supported"
        elif rec not in (1, 2, 3, 7, 8, 9):
            raise Fallback(f"unusual IPTC record {rec}")
    # ExifTool (IPTC.pm HandleCodedCharset): ESC % G is UTF-8, another ESC % set is left
    # undecoded, anything else (or nothing) means its default "Latin".
    if charset is not None:
        record["IPTC:CodedCharacterSet"] = _charset_name(charset)
    if charset == b"\x1b%G":
        decode = _utf8
    elif charset is not None and charset.startswith(b"\x1b%"):
        raise Fallback("IPTC character set ExifTool does not decode")
    else:
        decode = _latin
        if shifted:
            raise Fallback("ISO 2022 shift codes in Latin IPTC")
    for ds, values in raw.items():
        if len(values) > 1 and ds not in _IPTC_LISTS:
            raise Fallback("repeated IPTC dataset")
        if any(c in v for v in values for c in b"\x14\x15\x1b"):
            raise Fallback("ISO 2022 shift codes in IPTC")  # ExifTool leaves them undecoded
        texts = [decode(v) for v in values]
        if ds == 55:
            texts = [_iptc_date(t) for t in texts]
        record[_IPTC[ds]] = texts if len(texts) > 1 else texts[0]


def _charset_name(charset: bytes) -> str:
    """ExifTool's PrintCodedCharset: "UTF8" for ESC % G, else "ESC - A" and the like."""
    if charset == b"\x1b%G":
        return "UTF8"
    text = "".join(f" {chr(b)}" for b in charset)
    return text.replace(" \x1b", ", ESC").lstrip(",").lstrip(" ")


def _latin(value: bytes) -> str:
    """ExifTool's "Latin" charset: cp1252, with its five undefined bytes kept as Latin-1."""
    try:
        return value.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(
            chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
            for b in value
        )


def _utf8(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Fallback("IPTC declared UTF-8 but is not") from exc


def _iptc_date(text: str) -> str:
    """ExifTool's ExifDate(): year:month:day whatever separators the sender used."""
    text = text[:-1] if text.endswith("\0") else text
    if not text.isascii():
        raise Fallback("IPTC date with non-ASCII characters")  # ExifTool shows them as "?"
    return _DATE.sub(r"\1:\2:\3", text, count=1)


_DATE = re.compile(r"(\d{4})[^\d]*(\d{2})[^\d]*(\d{2})$")
