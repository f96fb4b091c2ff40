"""Stage 1, ingest: notice carriers -> structured `Notice`s (SPEC section 3)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from typing import Any

from wirefix.config import Config, ConfigError, load_config
from wirefix.exiftool import ExifTool
from wirefix.ingest.recognisers import NoticeText, common, generic, recognisers
from wirefix.ingest.sources import SourceError, expand, is_url, read_notices, source_path
from wirefix.model import Notice, nfc

__all__ = ["NoticeText", "ParseResult", "SourceError", "parse_sources", "parse_text"]

log = logging.getLogger(__name__)


def parse_text(item: NoticeText) -> Notice:
    """The first recogniser that claims the text decides; the generic fallback always answers.

    Text is NFC-normalised first, so names compare and store the same whatever their source.
    A recogniser that fails on odd input must not lose the notice: it is stored `unparsed`
    with the reason, and the next recogniser is not asked to guess.
    """
    item = _replace(
        item,
        text=nfc(item.text),
        subject=nfc(item.subject) if item.subject else None,
        identifiers={k: nfc(v) for k, v in item.identifiers.items()},
        metadata={k: nfc(v) for k, v in item.metadata.items()},
    )
    for recognise in recognisers():
        try:
            notice = recognise(item)
        except Exception as exc:  # a bug in one recogniser must not drop the notice
            # The reason names the error in one line; the traceback is for --debug logging only.
            log.debug("recogniser %s failed on %s", recognise, item.source, exc_info=True)
            return common.build(
                item,
                agency=None,
                kind="advisory",
                text=item.text,
                status="unparsed",
                reason=f"recogniser error ({type(exc).__name__}); please report it",
            )
        if notice is not None:
            return notice
    raise AssertionError("the generic recogniser always answers")  # pragma: no cover


@dataclass
class ParseResult:
    notices: list[Notice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per source that could not be read
    # Feed items that are ordinary pictures (usable, no notice wording): a feed carries many, and
    # they are not notices, so they are counted here rather than stored as `unparsed`.
    skipped: list[str] = field(default_factory=list)
    # Feeds whose ETag / Last-Modified wait for `remember_feeds()` (see parse_sources).
    pending_feeds: list[Any] = field(default_factory=list)

    def remember_feeds(self) -> None:
        """Make the next fetch of each feed read here conditional (ETag / Last-Modified)."""
        for fetched in self.pending_feeds:
            fetched.remember()
        self.pending_feeds.clear()

    def add(self, item: NoticeText) -> None:
        notice = parse_text(item)
        ordinary = notice.status == "unparsed" and notice.reason == generic.NOT_UNDERSTOOD
        if item.source_kind in ("newsml", "ninjs") and ordinary:
            self.skipped.append(item.source)
        else:
            self.notices.append(notice)


def parse_sources(
    sources: Iterable[str],
    exiftool: ExifTool | None = None,
    config: Config | None = None,
    remember_feeds: bool = True,
) -> ParseResult:
    """Parse every source; a bad one is reported in `errors` and the rest still go through.

    Sources are files, folders (every file in them) and http(s) feed URLs. `config` (feed auth
    and HTTP settings) is loaded from --config / WIREFIX_CONFIG / the user config when not given.
    A caller that stores the notices should pass `remember_feeds=False` and call
    `result.remember_feeds()` after storing them, so that a failed store is fetched again.
    """
    result = ParseResult()
    for source in sources:
        if is_url(source):
            _parse_url(source, config, result)
            continue
        for path in expand(source_path(source)):
            try:
                for item in read_notices(path, exiftool):
                    result.add(item)
            except SourceError as exc:
                result.errors.append(str(exc))
            except OSError as exc:
                result.errors.append(f"{path}: {exc.strerror or exc}")
    if remember_feeds:
        result.remember_feeds()
    return result


def _parse_url(url: str, config: Config | None, result: ParseResult) -> None:
    from wirefix.ingest import feeds  # requests is imported only when a feed is read

    try:
        settings = config or load_config()
        fetched = feeds.fetch_pending(url, settings)
        for item in fetched.items:
            result.add(item)
        result.pending_feeds.append(fetched)
    except (SourceError, ConfigError) as exc:
        result.errors.append(str(exc))
