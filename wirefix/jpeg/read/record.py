"""The fast reader's record of one JPEG: walk its segments (through `jpeg.segments`), hand
EXIF, IPTC and XMP to their readers, and settle what ExifTool would warn about."""

from __future__ import annotations

import io
import json
import re
import struct
from typing import Any

from wirefix.jpeg.read.errors import Empty, Fallback
from wirefix.jpeg.read.exif import read_exif
from wirefix.jpeg.read.iptc import read_photoshop
from wirefix.jpeg.read.xmp import check_namespaces, read_xmp
from wirefix.jpeg.segments import EOI, SOS, JpegError, head_bounds

HEAD = 65536  # one read covers the metadata of nearly every news JPEG

_EXIF = b"Exif\0\0"
_XMP = b"http://ns.adobe.com/xap/1.0/\0"
# Some agencies' software writes "XMP\0://..."; ExifTool reads it as XMP (with a warning).
_XMP_HEADERS = (_XMP, b"XMP\0://ns.adobe.com/xap/1.0/\0")
_XMP_EXT = b"http://ns.adobe.com/xmp/extension/\0"
_PHOTOSHOP = b"Photoshop 3.0\0"
_ODD_APP1 = re.compile(rb"Exif|XMP|xmp|xap|xpacket", re.I)

# ExifTool's JSON writes these unquoted (its EscapeJSON), so json.loads makes them numbers.
_JSON_NUMBER = re.compile(r"-?(\d|[1-9]\d{1,14})(\.\d{1,16})?([eE][-+]?\d{1,3})?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read(path: str, warnings: bool = True) -> dict[str, Any]:
    """ExifTool-shaped record of the index's tags in the JPEG at `path`, with the
    `ExifTool:Warning` ExifTool would give (the index keeps it).

    Raises `Fallback` when ExifTool must read it, `Empty` for a zero-byte file, OSError when the
    file cannot be read at all. `warnings=False` is for callers that need only the values (the
    rewrite, which has ExifTool read every new file back): files whose values are settled but
    whose warnings are not (maker notes, trailers, other APPn segments) then stay fast.
    """
    with open(path, "rb") as fh:
        return _read(fh, warnings)


def read_data(data: bytes, warnings: bool = True) -> dict[str, Any]:
    """`read` for a file the caller already holds in memory (the rewrite reads each file once)."""
    return _read(io.BytesIO(data), warnings)


#: ExifTool's words (ExifTool.pm ProcessJPEG) for a warning the fast path reproduces.
XMP_HEADER_WARNING = "Non-standard header for APP1 XMP segment"
#: APPn segments ExifTool parses without a word to say, as far as the checks here go: JFIF,
#: EXIF, XMP, ICC profiles (checked below), Photoshop IRBs, Adobe, and comments (COM).
_QUIET = ((0xE0, b"JFIF\0"), (0xE1, _EXIF), (0xE1, _XMP), (0xE2, b"ICC_PROFILE\0"),
          (0xED, _PHOTOSHOP), (0xEE, b"Adobe"))  # fmt: skip


def _read(fh: Any, warnings: bool = True) -> dict[str, Any]:
    data = fh.read(HEAD)
    if not data:
        raise Empty("File is empty")
    if data[:3] != b"\xff\xd8\xff":
        raise Fallback("not a JPEG")
    segments, size = _segments(fh, data, warnings)
    record: dict[str, Any] = {}
    said: list[str] = []  # the warnings ExifTool gives for this file
    exif = xmp = iptc = None
    icc: list[bytes] = []
    for marker, payload in segments:
        if marker == 0xE1 and payload.startswith(_EXIF):
            if exif is not None:
                raise Fallback("two EXIF segments")
            exif = payload[6:]
        elif marker == 0xE1 and payload.startswith(_XMP_HEADERS):
            if xmp is not None:
                raise Fallback("two XMP packets")
            xmp = payload[len(_XMP) :]  # both headers have the same length
            if not payload.startswith(_XMP):
                said.append(XMP_HEADER_WARNING)
        elif marker == 0xE1 and payload.startswith(_XMP_EXT):
            raise Fallback("extended XMP")
        elif marker == 0xE1 and _ODD_APP1.search(payload[:64]):
            raise Fallback("EXIF or XMP with a non-standard header")  # ExifTool still reads it
        elif marker == 0xED:
            if iptc is not None:
                raise Fallback("more than one APP13 segment")
            iptc = payload
        elif marker == 0xE2 and payload.startswith(b"ICC_PROFILE\0"):
            icc.append(payload)
        elif (
            warnings
            and 0xE0 <= marker <= 0xEF
            and not any(marker == m and payload.startswith(sig) for m, sig in _QUIET)
        ):
            raise Fallback(f"APP{marker - 0xE0} segment ExifTool may warn about")
    if exif is not None:
        read_exif(exif, record, warnings)
    if iptc is not None:
        read_photoshop(iptc, record, said)
    if xmp is not None:
        read_xmp(xmp, record)
        check_namespaces(xmp)
    if size is None:
        raise Fallback("no frame header")
    if warnings:
        if icc:
            _check_icc(icc)
        # ExifTool reads on to EOI ("JPEG format error" without one) and past it (trailers).
        fh.seek(-2, io.SEEK_END)
        if fh.read(2) != b"\xff\xd9":
            raise Fallback("no EOI at the end of the file: a trailer, or truncated image data")
        if len(said) > 1:
            raise Fallback("more than one warning")  # which one ExifTool shows is not settled
        if said:
            record["ExifTool:Warning"] = said[0]
    record["Composite:ImageSize"] = f"{size[0]}x{size[1]}"
    for key, value in record.items():
        record[key] = (
            [_json_typed(v) for v in value] if isinstance(value, list) else _json_typed(value)
        )
    return record


def _check_icc(chunks: list[bytes]) -> None:
    """Fall back unless the ICC profile is whole and its header and tag table are sound, which
    is what ExifTool.pm (chunk counts) and ICC_Profile.pm ProcessICC (length, table) warn about."""
    total = chunks[0][13]
    if (
        total == 0
        or len(chunks) != total
        or sorted(c[12] for c in chunks) != list(range(1, total + 1))
    ):
        raise Fallback("ICC profile chunks missing, repeated or miscounted")
    profile = b"".join(c[14:] for c in sorted(chunks, key=lambda c: c[12]))
    if len(profile) < 132 or struct.unpack_from(">I", profile, 0)[0] != len(profile):
        raise Fallback("ICC profile length")  # "Bad length ICC_Profile"
    (count,) = struct.unpack_from(">I", profile, 128)
    if 132 + 12 * count > len(profile):
        raise Fallback("ICC profile tag table")  # "Bad ICC_Profile table"
    for i in range(count):
        sig, at, length = struct.unpack_from(">4sII", profile, 132 + 12 * i)
        if at + length > len(profile):
            raise Fallback("ICC profile tag outside the profile")
        if sig in (b"meta", b"clrt", b"clro"):
            raise Fallback("ICC profile sub-directory")  # "Invalid ICC ... data" and others
        tag = profile[at : at + length]
        if tag[:4] == b"mluc" and length >= 16:
            # ProcessICC_Profile: "Corrupted <tag> data" when a record or its text runs past
            n, rec_len = struct.unpack_from(">II", tag, 8)
            if rec_len >= 12:
                for j in range(n):
                    rec = 16 + j * rec_len
                    if rec + rec_len > length:
                        raise Fallback("ICC mluc record past its tag")
                    text_len, text_at = struct.unpack_from(">II", tag, rec + 4)
                    if text_at + text_len > length:
                        raise Fallback("ICC mluc text past its tag")


def _segments(
    fh: Any, data: bytes, warnings: bool = True
) -> tuple[list[tuple[int, bytes]], tuple[int, int] | None]:
    """The APPn segments before the first scan, and the frame size from the first SOF; the
    file is read on from `fh` while a segment runs past what was read."""
    segments: list[tuple[int, bytes]] = []
    size: tuple[int, int] | None = None
    pos = 0
    while True:
        try:
            for marker, _, fill, length, start, end in head_bounds(data, pos):
                pos = end
                if fill and warnings:
                    raise Fallback("fill bytes before a marker")  # "[minor] Skipped unknown"
                if marker in (SOS, EOI):
                    return segments, size
                if not length:
                    continue  # SOI, TEM, RSTn: read without a word (see jpeg.segments)
                if marker not in _KNOWN_MARKERS:
                    raise Fallback(f"unexpected JPEG marker 0x{marker:02X}")  # ExifTool stops
                if 0xE0 <= marker <= 0xEF:
                    segments.append((marker, data[start:end]))
                elif marker in _SOF and size is None and length >= 7:
                    height, width = struct.unpack_from(">HH", data, start + 1)
                    size = (width, height)
        except JpegError as exc:
            if not exc.truncated:
                raise Fallback(str(exc)) from exc
            more = fh.read(max(HEAD, exc.at - len(data)))
            if not more:
                raise Fallback(f"{exc} (before the image data)") from exc
            data += more


#: Segments with a length that ExifTool walks past: SOFn, DHT, DAC, DQT, DNL, DRI, DHP, EXP,
#: APPn, COM.
_KNOWN_MARKERS = {*range(0xC0, 0xD0), *range(0xDB, 0xE0), *range(0xE0, 0xF0), 0xFE}
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _json_typed(value: str) -> Any:
    """The value as json.loads gives it back from ExifTool's `-json` output."""
    if _CONTROL.search(value):
        raise Fallback("control characters in a value")
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    if _JSON_NUMBER.fullmatch(value):
        return json.loads(value)
    return value
