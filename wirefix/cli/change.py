"""`wirefix apply` and `wirefix undo`: files rewritten or killed (quarantined, purged), their
online copies handled, and a remediation undone; each change one audit entry."""

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wirefix import shapes
from wirefix.cli.context import loaded_settings, open_db, open_exiftool
from wirefix.cli.options import BackupDirOption, DbOption, JsonOption, NoticeArg
from wirefix.cli.output import (
    changed_part,
    console,
    error,
    file_progress,
    note,
    print_json,
    print_open_cases,
    table,
)
from wirefix.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from wirefix.flows.outcomes import FileOutcome


def _print_plan(outcomes: list["FileOutcome"]) -> None:
    rows = []
    for o in outcomes:
        if o.plan and o.plan.action == "kill":
            for line in o.plan.notes or [o.message or "kill"]:
                rows.append([o.candidate.file.rel_path, "(kill)", "", line, o.status])
        elif o.plan and o.plan.writes:
            for w in o.plan.writes:
                before, after = changed_part(w.old, w.new)
                rows.append([o.candidate.file.rel_path, w.tag, before, after, o.status])
        else:
            rows.append([o.candidate.file.rel_path, "", "", o.message or "", o.status])
    table("edit plan", ["file", "tag", "before", "after", "status"], rows)


def _plan_count(outcomes: list["FileOutcome"]) -> str:
    """What the confirmation asks about, counted: files, tag changes, kills."""
    planned = [o for o in outcomes if o.status == "planned"]
    kills = sum(bool(o.plan and o.plan.action == "kill") for o in planned)
    tags = sum(len(o.plan.writes) for o in planned if o.plan and o.plan.action != "kill")
    text = f"{len(planned)} file(s) to change: {tags} tag change(s)"
    return text + (f", {kills} kill(s) (moved to quarantine or purged)" if kills else "")


def apply(
    notice: NoticeArg,
    db: DbOption = None,
    as_json: JsonOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the edit plan; change nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before rewriting.")] = False,
    include_review: Annotated[
        bool, typer.Option("--include-review", help="Also rewrite candidates decided `review`.")
    ] = False,
    backups: BackupDirOption = None,
    operator: Annotated[
        str | None,
        typer.Option(
            "--operator", help="Who is applying (env WIREFIX_OPERATOR; default user@host)."
        ),
    ] = None,
    purge: Annotated[
        bool, typer.Option("--purge", help="Kills delete the files instead of quarantining.")
    ] = False,
    quarantine: Annotated[
        Path | None,
        typer.Option(
            "--quarantine-dir", help="Where kills move files (env WIREFIX_QUARANTINE_DIR)."
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="Processes rewriting in parallel, each with its own ExifTool; 0 = one per core.",
        ),
    ] = 1,
    full_verify: Annotated[
        bool,
        typer.Option(
            "--full-verify",
            help="No fast path: ExifTool reads every file fully before and after (slower).",
        ),
    ] = False,
    no_online: Annotated[
        bool, typer.Option("--no-online", help="Leave the copies on the configured sites alone.")
    ] = False,
    show_plan: Annotated[
        bool,
        typer.Option(
            "--show-plan", help="Show every planned tag change before asking (default: counts)."
        ),
    ] = False,
) -> None:
    """Rewrite (or, for a kill, quarantine) the files a notice concerns; one audit entry per
    changed file. Then every copy on the configured sites: fixed or taken out, purged from the
    CDNs in front (purgers), fetched again past the cache, one audit entry each (docs/online.md).

    A dry run first shows the exact field changes. Running it again changes nothing; a run that
    was interrupted is finished and logged by the next one.

    Example: wirefix apply 1 --dry-run && wirefix apply 1 --yes
    """
    from wirefix.decide import cases
    from wirefix.flows import online as online_runner
    from wirefix.flows import pipeline
    from wirefix.flows.outcomes import ApplyOptions
    from wirefix.rewrite.backups import BackupStore

    settings = loaded_settings(
        db_url=db, operator=operator, backup_dir=backups, quarantine_dir=quarantine
    )
    who = settings.operator.value
    store = BackupStore(settings.backup_dir.value)
    opts = ApplyOptions(
        dry_run=dry_run,
        include_review=include_review,
        purge=purge,
        quarantine=settings.quarantine_dir.value,
        full_verify=full_verify,
        match=settings.match,
    )
    with open_db(settings) as database, open_exiftool() as et:
        wanted = ("auto", "review") if include_review else ("auto",)
        total = sum(c.decision in wanted for c in database.candidates(notice)) or None
        if not dry_run and not yes:
            with file_progress("planning", total) as advance:
                preview = pipeline.apply_notice(
                    database,
                    notice,
                    et,
                    store,
                    who,
                    options=replace(opts, dry_run=True),
                    on_file=lambda _: advance(1),
                )
            if not any(o.status == "planned" for o in preview):
                dry_run = True  # nothing to ask about: report the plan as it stands
            elif not sys.stdin.isatty():
                raise UsageError("refusing to rewrite files without --yes when not at a terminal")
            else:
                if show_plan:
                    _print_plan(preview)
                console.print(_plan_count(preview))
                if not show_plan:
                    note("--show-plan lists every change; --dry-run --json gives them to a script")
                if not typer.confirm("Change these files?"):
                    raise typer.Exit(ExitCode.OK)
        use_online = bool(settings.online.sites) and not no_online
        affected = (
            online_runner.prepare(database, notice, settings.online, settings.match)
            if use_online
            else None
        )
        with file_progress("planning" if dry_run else "applying", total) as advance:
            outcomes = pipeline.apply_notice(
                database,
                notice,
                et,
                store,
                who,
                options=replace(opts, dry_run=dry_run),
                workers=workers or os.cpu_count() or 1,
                on_file=lambda _: advance(1),
            )
        online = (
            online_runner.handle(database, notice, settings.online, who, affected, dry_run, note)
            if use_online
            else []
        )
        case = cases.notice_case(database, notice, config=settings.match)
        waiting = "pending-review" in cases.notice_file_states(database, notice).values()
    if as_json:
        print_json(
            {
                "notice": notice,
                "dry_run": dry_run,
                "files": [shapes.file_outcome_json(o) for o in outcomes],
                "open_case": shapes.open_case_json(case) if case else None,
                "online": online_runner.summary(online),
            }
        )
    elif case:
        print_open_cases([{"notice": notice, **shapes.open_case_json(case)}])
    else:
        _print_plan(outcomes)
        changed = sum(o.status == "changed" for o in outcomes)
        correct = sum(o.status == "already-correct" for o in outcomes)
        if dry_run:
            console.print(
                f"dry run: {sum(o.status == 'planned' for o in outcomes)} file(s) would change, "
                f"{correct} already correct"
            )
        elif changed == 0 and correct and not any(o.status == "failed" for o in outcomes):
            console.print(
                f"nothing to do: all {correct} matched file(s) already carry the correction"
            )
        else:
            console.print(f"{changed} file(s) changed, {correct} already correct")
    if online and not as_json:
        table(
            "online copies" + (" (planned)" if dry_run else ""),
            ["site", "kind", "id", "url", "found by", "action", "status"],
            [
                [o.site, o.kind, o.object_id, o.url, "; ".join(o.found_by[:2]), o.action, o.status]
                for o in online
            ],
        )
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        error(o.message or f"{o.candidate.file.path}: failed")
    online_open = [] if dry_run else online_runner.summary(online)["open"]
    for line in online_open:
        error(f"online copy open: {line}")
    if failed or online_open:
        raise typer.Exit(ExitCode.ERROR)
    if waiting and not as_json:
        note("candidates wait for a person: `wirefix review` lists them")
    if case or waiting:
        raise typer.Exit(ExitCode.ATTENTION)


def undo(
    entry: Annotated[int, typer.Argument(help="Audit entry (seq) of the remediation to undo.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    backups: BackupDirOption = None,
    operator: Annotated[
        str | None, typer.Option("--operator", help="Who is undoing (env WIREFIX_OPERATOR).")
    ] = None,
) -> None:
    """Restore the original bytes of a rewrite, or bring back a quarantined kill; logged.

    Example: wirefix undo 12
    """
    from wirefix.rewrite.backups import BackupStore
    from wirefix.rewrite.undo import undo as undo_entry

    settings = loaded_settings(db_url=db, operator=operator, backup_dir=backups)
    store = BackupStore(settings.backup_dir.value)
    with open_db(settings) as database, open_exiftool() as et:
        done = undo_entry(database, entry, store, settings.operator.value, et.version)
    if as_json:
        print_json(shapes.undo_json(done))
    else:
        console.print(f"entry {done.undone} undone, logged as entry {done.seq}: {done.path}")
        for line in done.notes:
            note(line)
        note(
            "the file is held: nothing changes it again for this notice until an editor "
            "approves it (wirefix review --approve NOTICE:FILE)"
        )
