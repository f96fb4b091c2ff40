"""`wirefix scan`: the media store indexed, with a progress bar for people at a terminal."""

from pathlib import Path
from typing import Annotated

import typer

from wirefix.cli.context import loaded_settings, open_db
from wirefix.cli.options import DbOption, JsonOption
from wirefix.cli.output import console, error, note, print_json, table
from wirefix.errors import ExitCode, UsageError


def scan(
    roots: Annotated[list[Path], typer.Argument(help="Folders of the media store.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Reader processes (default: one per core).")
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option("--shard", help="Scan only part i of n (e.g. 2/4), to split across hosts."),
    ] = None,
    allow_gone: Annotated[
        bool,
        typer.Option(
            "--allow-gone",
            help="Mark files gone even when a root is missing, empty or lost most of its files.",
        ),
    ] = False,
) -> None:
    """Index the media store incrementally: unchanged files are not read again.

    A root that is missing, holds none of its indexed files or would lose most of them at once
    (an unmounted share) is left as it was, with exit 1, unless --allow-gone; so is a root that
    is replaced while it is walked. Files that newly could not be indexed are named on stderr
    and exit 1; files already known as broken are counted, not named again.

    Example: wirefix scan /srv/photos --shard 1/2
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from wirefix.flows.outcomes import store_roots
    from wirefix.index.refusals import ScanRefused
    from wirefix.index.scan import scan as scan_store
    from wirefix.index.walk import parse_shard

    try:
        part = parse_shard(shard) if shard else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    settings = loaded_settings(db_url=db)
    guard = settings.gone_guard
    with open_db(settings) as database:
        named = store_roots([str(r) for r in roots], database.roots())
        with Progress(
            TextColumn("scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} files/s"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[seen]} seen"),
            console=console,
            transient=True,
            disable=as_json or not console.is_terminal,
        ) as progress:
            task = progress.add_task("scan", total=0, seen=0, rate="-")
            counts = {"seen": 0, "queued": 0, "read": 0}

            def on_progress(kind: str, n: int) -> None:
                counts[kind] += n
                speed = progress.tasks[0].speed
                progress.update(
                    task,
                    total=counts["queued"],
                    completed=counts["read"],
                    seen=counts["seen"],
                    rate=f"{speed:,.0f}" if speed else "-",
                )

            try:
                summary = scan_store(
                    database,
                    named,
                    workers=workers,
                    shard=part,
                    progress=on_progress,
                    allow_gone=allow_gone,
                    guard=guard,
                )
                refused: list[str] = []
            except ScanRefused as exc:
                summary, refused = exc.summary, exc.messages
    if as_json:
        print_json(summary.to_dict())
    else:
        columns = ["seen", "new", "changed", "unchanged", "gone", "failed"]
        table("scan", columns, [[summary.to_dict()[c] for c in columns]])
    if summary.failed and not as_json:
        table("not indexed", ["file", "reason"], [list(f) for f in summary.failures])
        more = summary.failed - len(summary.failures)
        if more > 0:
            note(f"and {more} more; each reason is kept in the index (files.state = failed)")
    if summary.leftovers and not as_json:
        note(
            f"{len(summary.leftovers)} leftover(s) under the store roots (ExifTool _original "
            "files, stray temporaries): `wirefix backups prune --leftovers` removes them"
        )
    for message in refused + summary.new_failure_lines():
        error(message)
    if refused or summary.new_failed:
        raise typer.Exit(ExitCode.ERROR)
