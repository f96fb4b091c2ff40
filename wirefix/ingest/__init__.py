"""Stage 1, ingest: notice carriers -> structured `Notice`s (SPEC section 3)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from typing import Any

from wirefix.config import Config, ConfigError
from wirefix.exiftool import ExifTool
from wirefix.ingest import credits, evidence, facts
from wirefix.ingest.recognisers import NoticeText, common, generic, recognisers
from wirefix.ingest.sources import SourceError, expand, is_url, read_notices, source_path
from wirefix.model import Notice, nfc

__all__ = ["NoticeText", "ParseResult", "SourceError", "parse_sources", "parse_text"]

log = logging.getLogger(__name__)


def parse_text(item: NoticeText) -> Notice:
    """Every recogniser reads the words; the best-supported reading is the notice.

    Text is NFC-normalised first, so names compare and store the same whatever their source.
    The generic fallback always answers, so no notice is dropped. A recogniser that fails on odd
    input must not lose the notice: the others' readings still count, and the notice goes to a
    person with the failure named (`unparsed` when no reading is left).
    """
    item = _replace(
        item,
        text=plain_layout(nfc(item.text)),
        subject=nfc(item.subject) if item.subject else None,
        identifiers={k: nfc(v) for k, v in item.identifiers.items()},
        metadata={k: nfc(v) for k, v in item.metadata.items()},
    )
    words = item.text[: common.MAX_ANALYSED_CHARS]
    chains = credits.chains(words)
    found = credits.read_credits(words, chains)
    readings = []
    failures: list[str] = []
    for recognise in recognisers():
        try:
            notice = recognise(item)
        except Exception as exc:  # a bug in one recogniser must not drop the notice
            # The reason names the error in one line; the traceback is for --debug logging only.
            log.debug("recogniser %s failed on %s", recognise, item.source, exc_info=True)
            failures.append(f"recogniser error ({type(exc).__name__}); please report it")
            continue
        if notice is not None:
            readings.append((evidence.weigh(recognise, notice, words, found), notice))
    if not readings:
        return common.build(
            item,
            agency=None,
            kind="advisory",
            text=item.text,
            status="unparsed",
            reason=failures[0] if failures else generic.NOT_UNDERSTOOD,
        )
    notice = evidence.choose(readings, failures)
    signed = [name for chain in chains for name in chain.photographers]
    notice = evidence.complete(notice, found, signed)
    if item.page is not None:
        notice = _replace(notice, page=item.page)
    return _unread_language(notice)


_SPACES = re.compile(r"[\t\xa0\u2007\u202f\u3000\u200b\ufeff]")
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)


def plain_layout(text: str) -> str:
    """The words laid out plainly: one kind of line end and of space, reply quoting and hard
    wraps undone, so that a notice reads the same from a file, a forwarded e-mail or a re-sent
    caption. Paragraph breaks (blank lines) are kept: the recognisers need them."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    filled = [line for line in text.split("\n") if line.strip()]
    if filled and sum(1 for line in filled if line.lstrip().startswith(">")) * 5 >= len(filled) * 4:
        text = _QUOTE.sub("", text)  # a quoted notice: every line "> "-marked
    # Wraps are undone before spaces are touched: a wrapping mailer counted the spaces it saw.
    text = "\n".join(_unwrap([line.rstrip(" ") for line in text.split("\n")]))
    text = _SPACES.sub(" ", text)
    text = re.sub(r" +\n", "\n", text)
    return re.sub(r" {2,}", " ", text)


def _unwrap(lines: list[str]) -> list[str]:
    """Join lines a mailer or editor wrapped at a fixed width (72, 76, 80 columns).

    Only text that looks hard-wrapped (several lines, none longer than 100 characters) is
    touched, and a line is joined to the next only when the next line's first word would not
    have fitted on it: that is why the line was broken. Short lines such as "MANDATORY KILL"
    or a signature keep their own line.
    """
    lengths = [len(line) for line in lines if line.strip()]
    if len(lengths) < 3 or max(lengths) > 100:
        return lines
    width = max(lengths)
    out: list[str] = []
    for n, line in enumerate(lines):
        previous = lines[n - 1] if n else ""
        wrapped = (
            bool(out)
            and bool(line.strip())
            and bool(previous.strip())
            # A slack of two columns for the spaces a mailer drops at the break.
            and len(previous) + 1 + len(line.lstrip(" ").split(" ")[0]) > width - 2
        )
        if wrapped:
            # "KIM HONG-" / "JEE": a wrap at a name's hyphen joins without a space.
            glue = "" if re.search(r"\w-$", out[-1]) else " "
            out[-1] = out[-1] + glue + line.strip()
        else:
            out.append(line)
    return out


def _unread_language(notice: Notice) -> Notice:
    """A notice in a language no recogniser reads goes to a person, with its language."""
    if notice.status != "unparsed" or notice.language in facts.RECOGNISED_LANGUAGES:
        return notice
    return _replace(
        notice,
        status="needs_review",
        reason=f"notice in {facts.language_name(notice.language)} ({notice.language}), which no "
        "recogniser reads: a person must read it",
    )


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

    Sources are files, folders (every file in them) and http(s) feed URLs. `config` holds the
    feeds' auth and HTTP settings (`Settings.config`; none given: no auth, default timeouts).
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
        settings = config or Config()
        fetched = feeds.fetch_pending(url, settings)
        for item in fetched.items:
            result.add(item)
        result.pending_feeds.append(fetched)
    except (SourceError, ConfigError) as exc:
        result.errors.append(str(exc))
