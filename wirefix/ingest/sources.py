"""Turn a notice's carrier (text file, e-mail, re-sent image, feed file, folder) into
`NoticeText`s.

Only reading happens here; what the words mean is the recognisers' business.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from wirefix.errors import WirefixError
from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.ingest.html_text import html_to_text
from wirefix.ingest.mail import MailError, read_email
from wirefix.ingest.page import looks_like_html, read_page
from wirefix.ingest.recognisers import NoticeText
from wirefix.ingest.structured import (
    FeedError,
    looks_like_json,
    looks_like_xml,
    parse_newsml,
    parse_ninjs,
)

# Notices and feed documents are text of a few kilobytes; anything past this is not one, and is
# refused before it is read into memory.
MAX_NOTICE_BYTES = 8 * 1024 * 1024
# An e-mail may carry the re-sent photo as an attachment, so it may be larger; still bounded.
MAX_EMAIL_BYTES = 64 * 1024 * 1024

__all__ = ["SourceError", "expand", "html_to_text", "is_url", "read_file", "read_notices"]

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".tif", ".tiff", ".png", ".heic", ".webp", ".dng", ".psd"}

# Where a re-sent image carries its caption and identifiers (ExifTool group-1 names).
_IMAGE_TEXT_TAGS = [
    "IPTC:Caption-Abstract",
    "XMP-dc:Description",
    "IFD0:ImageDescription",
    "IPTC:SpecialInstructions",
    "XMP-photoshop:Instructions",
]
_IMAGE_ID_TAGS = {
    "IPTC:OriginalTransmissionReference": "transmission_ref",
    "XMP-photoshop:TransmissionReference": "transmission_ref",
    "IPTC:ObjectName": "object_name",
    "XMP-getty:AssetID": "getty_id",
    "XMP-getty:OriginalFileName": "original_filename",
}
_IMAGE_META_TAGS = {
    "IPTC:City": "city",
    "XMP-photoshop:City": "city",
    "IPTC:Country-PrimaryLocationName": "country",
    "XMP-photoshop:Country": "country",
    "IPTC:By-line": "byline",
}


class SourceError(WirefixError):
    """A source could not be read as a notice; the message says which and why."""


def expand(path: Path, _seen: set[Path] | None = None) -> Iterator[Path]:
    """The files a source names: itself, or every file of a folder (sorted, hidden ones skipped).

    A folder reached twice through symbolic links is read once, so a link loop cannot recurse.
    """
    seen = set() if _seen is None else _seen
    if path.is_dir():
        real = path.resolve()
        if real in seen:
            return
        seen.add(real)
        try:
            children = sorted(path.iterdir())
        except OSError:
            yield path  # read_notices reports why
            return
        for child in children:
            if not child.name.startswith("."):
                yield from expand(child, seen)
    else:
        yield path


def read_file(path: Path, exiftool: ExifTool | None = None) -> NoticeText:
    """The first notice one file carries (see `read_notices` for feed files with several)."""
    return read_notices(path, exiftool)[0]


def read_notices(path: Path, exiftool: ExifTool | None = None) -> list[NoticeText]:
    """Every notice one file carries: one for text, e-mail and image, one per feed item.

    Raises `SourceError` for a file that is not a notice, naming the file and why.
    """
    if path.is_dir():
        raise SourceError(f"{path}: folder could not be listed")
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise SourceError(f"{path}: empty file")
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES or _looks_like_image(path):
        return [_read_image(path, exiftool)]
    with open(path, "rb") as fh:
        head = fh.read(2048)
        is_mail = suffix == ".eml" or _looks_like_email(head)
        limit = MAX_EMAIL_BYTES if is_mail else MAX_NOTICE_BYTES
        if size > limit:
            raise SourceError(
                f"{path}: {size} bytes is too large for a notice (limit {limit}); "
                "is it the right file?"
            )
        data = head + fh.read(limit + 1 - len(head))
    return read_bytes(data, str(path), suffix)


def read_bytes(data: bytes, source: str, suffix: str = "") -> list[NoticeText]:
    """Notices from a document's bytes (a file's, or a feed response's)."""
    try:
        if suffix in HTML_SUFFIXES or (suffix not in (".eml", ".txt", ".xml", ".json")
                                       and looks_like_html(data)):  # fmt: skip
            return read_page(data, source, source if is_url(source) else None)
        if suffix == ".xml" or (suffix not in (".eml", ".txt") and looks_like_xml(data)):
            return parse_newsml(data, source)
        if suffix == ".json" or (suffix not in (".eml", ".txt") and looks_like_json(data)):
            return parse_ninjs(data, source)
        if suffix == ".eml" or _looks_like_email(data):
            return [read_email(data, source)]
    except (FeedError, MailError) as exc:
        raise SourceError(f"{source}: {exc}") from exc
    return [NoticeText(text=_decode(source, data), source=source, source_kind="text")]


def _looks_like_image(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(12)
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*")) or (
        head[4:8] == b"ftyp"
    )


def _mostly_control(head: bytes) -> bool:
    """Junk without NUL bytes: more than a tenth control characters other than whitespace."""
    if not head:
        return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control * 10 > len(head)


def _looks_like_email(data: bytes) -> bool:
    head = data[:2048].decode("latin-1")
    return bool(re.match(r"(?:[\w-]+: .*\r?\n)+", head)) and bool(
        re.search(r"^(?:From|Subject|Date|MIME-Version): ", head, re.M)
    )


def _decode(path: str, data: bytes) -> str:
    if b"\0" in data[:65536] or _mostly_control(data[:65536]):
        raise SourceError(f"{path}: binary data, not a text notice")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Agencies' older systems still send Windows Latin-1; it decodes every byte, so the
        # check above for binary junk is what keeps garbage out.
        return data.decode("cp1252", errors="replace")


def _read_image(path: Path, exiftool: ExifTool | None) -> NoticeText:
    own = exiftool is None
    et = exiftool or ExifTool()
    try:
        record = et.read_one(path.resolve())
    except ExifToolError as exc:
        raise SourceError(f"{path}: {exc}") from exc
    finally:
        if own:
            et.close()
    if "ExifTool:Error" in record:
        raise SourceError(f"{path}: {record['ExifTool:Error']}")
    texts: list[str] = []
    for tag in _IMAGE_TEXT_TAGS:
        value = record.get(tag)
        if value and str(value) not in texts:
            texts.append(str(value))
    if not texts:
        raise SourceError(f"{path}: image carries no caption or special instructions")
    ids: dict[str, str] = {}
    for tag, name in _IMAGE_ID_TAGS.items():
        value = record.get(tag)
        if value not in (None, "", "-"):
            ids.setdefault(name, str(value))
    meta = {name: str(record[tag]) for tag, name in _IMAGE_META_TAGS.items() if record.get(tag)}
    # The caption alone is the notice when it carries one; special instructions follow it.
    return NoticeText(
        text="\n\n".join(texts[:1] + [t for t in texts[1:] if t not in texts[0]]),
        source=str(path),
        source_kind="image",
        identifiers=ids,
        metadata=meta,
    )


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def source_path(source: str) -> Path:
    return Path(os.path.expanduser(source))
