"""Stage 1, ingest: notice carriers -> structured `Notice`s (SPEC section 3)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from wirefix.exiftool import ExifTool
from wirefix.ingest.recognisers import NoticeText, recognisers
from wirefix.ingest.sources import SourceError, expand, is_url, read_file, source_path
from wirefix.model import Notice

__all__ = ["NoticeText", "ParseResult", "SourceError", "parse_sources", "parse_text"]


def parse_text(item: NoticeText) -> Notice:
    """The first recogniser that claims the text decides; the generic fallback always answers."""
    for recognise in recognisers():
        notice = recognise(item)
        if notice is not None:
            return notice
    raise AssertionError("the generic recogniser always answers")  # pragma: no cover


@dataclass
class ParseResult:
    notices: list[Notice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per source that could not be read


def parse_sources(sources: Iterable[str], exiftool: ExifTool | None = None) -> ParseResult:
    """Parse every source; a bad one is reported in `errors` and the rest still go through."""
    result = ParseResult()
    for source in sources:
        if is_url(source):
            result.errors.append(f"{source}: feeds over HTTP are not supported yet")
            continue
        for path in expand(source_path(source)):
            try:
                result.notices.append(parse_text(read_file(path, exiftool)))
            except SourceError as exc:
                result.errors.append(str(exc))
            except OSError as exc:
                result.errors.append(f"{path}: {exc.strerror or exc}")
    return result
