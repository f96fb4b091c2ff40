"""`wirefix parse` / `wirefix ingest`: notices read, printed or stored.

Both read every source they are given: a source that cannot be read (missing, binary, too large,
refused XML, a feed that fails) is named on stderr and makes the exit code 1, while every other
source's notices are still parsed / stored. A notice that was read but not understood is stored
as `unparsed` with the reason, named on stderr, and makes it 3.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from wirefix import shapes
from wirefix.cli.context import loaded_settings, open_db, open_exiftool
from wirefix.cli.options import ConfigOption, DbOption, JsonOption, SourcesArg
from wirefix.cli.output import console, error, note, print_json
from wirefix.errors import ExitCode

if TYPE_CHECKING:
    from wirefix.model import Notice


def notice_line(notice: "Notice") -> str:
    """One notice on one line: agency, kind, state, the fixes, where and when, why not parsed."""
    fixes = ", ".join(f"{c.field} {c.erroneous!r} -> {c.corrected!r}" for c in notice.corrections)
    where = " ".join(filter(None, [notice.event.date, notice.event.city, notice.event.country]))
    text = f"{notice.agency or '?'} {notice.kind} ({notice.status})"
    if notice.distributors:
        text += f", carried by {', '.join(notice.distributors)}"
    if fixes:
        text += f": {fixes}"
    if where:
        text += f" [{where}]"
    if notice.page and notice.page.url:
        text += f", published at {notice.page.url}"
    if notice.reason:
        text += f" - {notice.reason}"
    return text


def _attention(notices: list["Notice"]) -> bool:
    return any(n.status != "parsed" for n in notices)


def _report_unread(errors: list[str], skipped: list[str]) -> None:
    for message in errors:
        error(message)
    if skipped:
        note(f"{len(skipped)} ordinary feed item(s) skipped: they carry no notice")


def parse(
    sources: SourcesArg,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Parse notices and print them; writes nothing.

    Example: wirefix parse notice.eml --json
    """
    from wirefix.ingest import parse_sources

    settings = loaded_settings(config)  # a bad configuration is a usage error before any work
    with open_exiftool() as et:
        # A parse stores nothing, so it must not remember feed ETags either: the next
        # `ingest` would get "304 not modified" and never store what was only looked at.
        result = parse_sources(sources, et, settings.config, remember_feeds=False)
    if as_json:
        print_json([shapes.notice_json(n) for n in result.notices])
    else:
        for n in result.notices:
            console.print(f"{n.source}: {notice_line(n)}")
    _report_unread(result.errors, result.skipped)
    for n in result.notices:
        if n.status == "unparsed":
            error(f"{n.source} was not understood: {n.reason}")
    if result.errors:
        raise typer.Exit(ExitCode.ERROR)
    if _attention(result.notices):
        raise typer.Exit(ExitCode.ATTENTION)


def ingest(
    sources: SourcesArg,
    db: DbOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the notice ids.")
    ] = False,
) -> None:
    """Parse and store notices; prints the stored notice ids. The same notice is stored once.

    Example: NOTICE=$(wirefix ingest -q notice.eml)
    """
    from wirefix.flows import pipeline

    settings = loaded_settings(config, db_url=db)
    with open_db(settings) as database, open_exiftool() as et:
        outcome = pipeline.ingest_sources(database, sources, et, settings.config)
    if as_json:
        print_json([{"id": i, "new": new, **shapes.notice_json(n)} for i, new, n in outcome.stored])
    else:
        for notice_id, is_new, n in outcome.stored:
            if quiet:
                console.print(str(notice_id))
            else:
                state = "stored" if is_new else "already stored"
                console.print(f"notice {notice_id} {state}: {notice_line(n)}")
    for message in outcome.errors:
        error(message)
    for notice_id, _, n in outcome.stored:
        if n.status == "unparsed":
            error(f"notice {notice_id} ({n.source}) was not understood: {n.reason}")
    if outcome.errors:
        raise typer.Exit(ExitCode.ERROR)
    if _attention([n for _, _, n in outcome.stored]):
        raise typer.Exit(ExitCode.ATTENTION)
