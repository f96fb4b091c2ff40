"""Turn a notice's carrier (text file, e-mail, re-sent image, folder) into `NoticeText`s.

Only reading happens here; what the words mean is the recognisers' business.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.ingest.recognisers import NoticeText

MAX_NOTICE_BYTES = 20 * 1024 * 1024  # notices are text; anything larger is not one

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


class SourceError(Exception):
    """A source could not be read as a notice; the message says which and why."""


def expand(path: Path) -> Iterator[Path]:
    """The files a source names: itself, or every file of a folder (sorted, hidden ones skipped)."""
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if not child.name.startswith("."):
                yield from expand(child)
    else:
        yield path


def read_file(path: Path, exiftool: ExifTool | None = None) -> NoticeText:
    """The notice text one file carries. Raises `SourceError` for a file that is not a notice."""
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise SourceError(f"{path}: empty file")
    if path.suffix.lower() in IMAGE_SUFFIXES or _looks_like_image(path):
        return _read_image(path, exiftool)
    if size > MAX_NOTICE_BYTES:
        raise SourceError(
            f"{path}: {size} bytes is too large for a notice (limit {MAX_NOTICE_BYTES})"
        )
    data = path.read_bytes()
    if path.suffix.lower() == ".eml" or _looks_like_email(data):
        return _read_email(path, data)
    return NoticeText(text=_decode(path, data), source=str(path), source_kind="text")


def _looks_like_image(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(12)
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*")) or (
        head[4:8] == b"ftyp"
    )


def _looks_like_email(data: bytes) -> bool:
    head = data[:2048].decode("latin-1")
    return bool(re.match(r"(?:[\w-]+: .*\r?\n)+", head)) and bool(
        re.search(r"^(?:From|Subject|Date|MIME-Version): ", head, re.M)
    )


def _decode(path: Path, data: bytes) -> str:
    if b"\0" in data[:65536]:
        raise SourceError(f"{path}: binary data, not a text notice")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Agencies' older systems still send Windows Latin-1; it decodes every byte, so the
        # check above for binary junk is what keeps garbage out.
        return data.decode("cp1252", errors="replace")


def _read_email(path: Path, data: bytes) -> NoticeText:
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the email package raises many kinds on broken input
        raise SourceError(f"{path}: malformed e-mail ({exc})") from exc
    body = _email_body(msg)
    if body is None:
        raise SourceError(f"{path}: e-mail has no text or HTML part")
    sent_at = None
    if msg["Date"]:
        try:
            sent_at = email.utils.parsedate_to_datetime(str(msg["Date"])).isoformat()
        except (TypeError, ValueError):
            sent_at = None
    return NoticeText(
        text=_unquote(body),
        source=str(path),
        source_kind="email",
        sent_at=sent_at,
        subject=str(msg["Subject"] or "") or None,
    )


def _email_body(msg: email.message.Message) -> str | None:
    part = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    if part is None:
        return None
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return content


def _unquote(body: str) -> str:
    """Drop reply quoting ("> ") so a quoted notice reads like the original."""
    return "\n".join(re.sub(r"^(?:>\s?)+", "", line) for line in body.splitlines())


class _TextExtractor(HTMLParser):
    _BLOCK: ClassVar[set[str]] = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag in self._BLOCK:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag in ("p", "div"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r"\n\s*\n\s*", "\n\n", text).strip()


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
