"""`wirefix <verb>`: parse options, call the library, render. No pipeline logic lives here.

Exit codes (README, "Exit codes"):
  0  done, nothing left for a person
  1  error: a source, file, notice or the database could not be handled (stderr says which)
  2  usage error (bad option or argument), or a rewrite refused without --yes off a terminal
  3  done, but something waits for a person (unparsed / needs-review notices, review candidates,
     open cases: a notice nothing acts on although it should, `wirefix.decide.cases`)
  4  another `wirefix run` holds the lock (`--wait SECONDS` waits instead)

`wirefix parse` / `wirefix ingest` read every source they are given: a source that cannot be read
(missing, binary, too large, refused XML, a feed that fails) is named on stderr and makes the exit
code 1, while every other source's notices are still parsed / stored. A notice that was read but
not understood is stored as `unparsed` with the reason, named on stderr, and makes it 3.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from wirefix import __version__
from wirefix.audit import chain as audit
from wirefix.cli.output import console, error, note, print_json, table
from wirefix.config import ConfigError, db_url, load_config
from wirefix.decide import cases
from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.flows import online as online_runner
from wirefix.flows import pipeline
from wirefix.flows import report as report_mod
from wirefix.flows.outcomes import ApplyOptions, FileOutcome, store_roots
from wirefix.flows.processes import WorkerDied
from wirefix.index.refusals import ScanRefused
from wirefix.index.scan import scan as scan_store
from wirefix.index.walk import parse_shard
from wirefix.ingest import parse_sources
from wirefix.model import Notice
from wirefix.rewrite import recover
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.retention import Policy
from wirefix.settings import Settings, load_settings
from wirefix.storage import Database, DatabaseError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_ATTENTION = 0, 1, 2, 3

app = typer.Typer(
    help="Apply wire-agency photo corrections and kills to a media store, with an audit log.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident remediation log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (env WIREFIX_DB_URL; default SQLite in the data folder)."
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")
]
NoticeArg = Annotated[int, typer.Argument(help="Notice id, as `wirefix ingest` printed it.")]
ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        help="Configuration file (TOML: feeds and their auth headers; env WIREFIX_CONFIG; "
        "default config.toml in the user config folder).",
    ),
]
SourcesArg = Annotated[
    list[str], typer.Argument(help="Notice files, e-mails, images, feed files or URLs, folders.")
]


class Failure(Exception):
    """A one-line error for the user, with the exit code it means."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def loaded_settings(config: str | None = None, **options: Any) -> Settings:
    """The effective settings (config file, environment, command-line `options`): every command
    takes thresholds, roots, folders and operator from here, never defaults of its own; a bad
    configuration is a usage error."""
    try:
        return load_settings(config, **options)
    except ConfigError as exc:
        raise Failure(str(exc), EXIT_USAGE) from exc


def host_database(url: str, settings: Settings) -> Database:
    """The database as this host sees the store: its [store.roots] win over the paths the last
    scan recorded, since hosts mount the store at different paths (SPEC section 9)."""
    db = Database(url)
    db.local_roots = {name: str(path) for name, path in settings.roots.value.items()}
    return db


@contextmanager
def open_db(url: str | None) -> Iterator[Database]:
    db = host_database(db_url(url), loaded_settings())
    try:
        db.ensure_schema()
        yield db
    finally:
        db.close()


@contextmanager
def open_exiftool() -> Iterator[ExifTool]:
    et = ExifTool()
    try:
        yield et
    finally:
        et.close()


def version_callback(value: bool) -> None:
    if value:
        console.print(f"wirefix {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """wirefix: wire-service photo corrections, from notice to audited rewrite."""


# -- parse / ingest ------------------------------------------------------------------------


def _notice_line(notice: Notice) -> str:
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


def _attention(notices: list[Notice]) -> bool:
    return any(n.status != "parsed" for n in notices)


def _use_config(option: str | None) -> None:
    """Check the configuration file now, so a bad one is a usage error before any work.

    `pipeline.ingest_sources` loads it itself (through WIREFIX_CONFIG), so --config is passed on
    that way; this process is one command, so the variable does not leak anywhere else.
    """
    try:
        load_config(option)
    except ConfigError as exc:
        raise Failure(str(exc), EXIT_USAGE) from exc
    if option:
        os.environ["WIREFIX_CONFIG"] = option


def _report_unread(errors: list[str], skipped: list[str]) -> None:
    for message in errors:
        error(message)
    if skipped:
        note(f"{len(skipped)} ordinary feed item(s) skipped: they carry no notice")


@app.command()
def parse(
    sources: SourcesArg,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Parse notices and print them; writes nothing.

    Example: wirefix parse notice.eml --json
    """
    _use_config(config)
    with open_exiftool() as et:
        # A parse stores nothing, so it must not remember feed ETags either: the next
        # `ingest` would get "304 not modified" and never store what was only looked at.
        result = parse_sources(sources, et, remember_feeds=False)
    if as_json:
        print_json([n.to_dict() for n in result.notices])
    else:
        for n in result.notices:
            console.print(f"{n.source}: {_notice_line(n)}")
    _report_unread(result.errors, result.skipped)
    for n in result.notices:
        if n.status == "unparsed":
            error(f"{n.source} was not understood: {n.reason}")
    if result.errors:
        raise typer.Exit(EXIT_ERROR)
    if _attention(result.notices):
        raise typer.Exit(EXIT_ATTENTION)


@app.command()
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
    _use_config(config)
    with open_db(db) as database, open_exiftool() as et:
        outcome = pipeline.ingest_sources(database, sources, et)
    if as_json:
        print_json([{"id": i, "new": new, **n.to_dict()} for i, new, n in outcome.stored])
    else:
        for notice_id, is_new, n in outcome.stored:
            if quiet:
                console.print(str(notice_id))
            else:
                state = "stored" if is_new else "already stored"
                console.print(f"notice {notice_id} {state}: {_notice_line(n)}")
    for message in outcome.errors:
        error(message)
    for notice_id, _, n in outcome.stored:
        if n.status == "unparsed":
            error(f"notice {notice_id} ({n.source}) was not understood: {n.reason}")
    if outcome.errors:
        raise typer.Exit(EXIT_ERROR)
    if _attention([n for _, _, n in outcome.stored]):
        raise typer.Exit(EXIT_ATTENTION)


# -- scan / match --------------------------------------------------------------------------


@app.command()
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
    from wirefix.settings import load_settings

    try:
        part = parse_shard(shard) if shard else None
    except ValueError as exc:
        raise Failure(str(exc), EXIT_USAGE) from None
    guard = load_settings().gone_guard
    with open_db(db) as database:
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
        raise typer.Exit(EXIT_ERROR)


def print_open_cases(found: list[dict[str, Any]]) -> None:
    """Open cases (`wirefix.decide.cases`) for people: one line each on stderr, so a cron mail
    says it, and the refused files nearest to each notice, with why they were refused."""
    for case in found:
        note(f"notice {case['notice']} is an open case: {case['reason']}")
        if case["nearest"]:
            table(
                f"notice {case['notice']}: nearest files, all refused",
                ["score", "decision", "file", "refused because", "top reasons"],
                [
                    [
                        f"{c['score']:.2f}",
                        c["decision"],
                        c["rel_path"],
                        report_mod.refusal(c),
                        "; ".join(r["detail"] for r in c["reasons"]),
                    ]
                    for c in case["nearest"]
                ],
            )


@app.command("match")
def match_cmd(
    notice: NoticeArg,
    db: DbOption = None,
    as_json: JsonOption = False,
    show_all: Annotated[bool, typer.Option("--all", help="Also list files decided `no`.")] = False,
) -> None:
    """List the files a notice concerns, with score, decision and reasons.

    Example: wirefix match 1
    """
    with open_db(db) as database:
        config = loaded_settings().match  # thresholds from the config file / environment
        candidates = pipeline.match_notice(database, notice, config)
        case = cases.notice_case(database, notice, candidates, config)
    if as_json:
        print_json(
            {
                "notice": notice,
                "candidates": [cases.candidate_dict(c) for c in candidates],
                "open_case": case.to_dict() if case else None,
            }
        )
    else:
        shown = [c for c in candidates if show_all or c.decision != "no"]
        table(
            f"notice {notice}: {len(candidates)} candidate(s)",
            ["decision", "score", "file", "top reasons"],
            [
                [
                    c.decision,
                    f"{c.score:.2f}",
                    c.file.rel_path,
                    "; ".join(c.reasons(3) + ([c.capped_by] if c.capped_by else [])),
                ]
                for c in shown
            ],
        )
        hidden = len(candidates) - len(shown)
        if hidden and not case:
            note(f"{hidden} look-alike(s) decided `no`; --all shows them and why")
        if case:
            print_open_cases([{"notice": notice, **case.to_dict()}])
    if case or any(c.decision == "review" for c in candidates):
        raise typer.Exit(EXIT_ATTENTION)


# -- apply ---------------------------------------------------------------------------------


def _outcome_dict(o: FileOutcome) -> dict[str, Any]:
    plan = o.plan
    return {
        "path": o.candidate.file.path,
        "decision": o.candidate.decision,
        "status": o.status,
        "message": o.message,
        "audit_seq": o.audit_seq,
        "changes": [w.__dict__ for w in plan.writes] if plan else [],
        "notes": (o.result.notes if o.result else plan.notes if plan else []),
        "sha256_before": o.result.sha256_before if o.result else None,
        "sha256_after": o.result.sha256_after if o.result else None,
    }


def _print_plan(outcomes: list[FileOutcome]) -> None:
    rows = []
    for o in outcomes:
        if o.plan and o.plan.action == "kill":
            for line in o.plan.notes or [o.message or "kill"]:
                rows.append([o.candidate.file.rel_path, "(kill)", "", line, o.status])
        elif o.plan and o.plan.writes:
            for w in o.plan.writes:
                before, after = _changed_part(w.old, w.new)
                rows.append([o.candidate.file.rel_path, w.tag, before, after, o.status])
        else:
            rows.append([o.candidate.file.rel_path, "", "", o.message or "", o.status])
    table("edit plan", ["file", "tag", "before", "after", "status"], rows)


def _text(value: Any) -> str:
    return (
        "; ".join(map(str, value))
        if isinstance(value, list)
        else ("" if value is None else str(value))
    )


def _changed_part(old: Any, new: Any, context: int = 30, limit: int = 90) -> tuple[str, str]:
    """Long values (captions) shown around the part that changes, so an editor sees the fix."""
    a, b = _text(old), _text(new)
    if len(a) <= limit and len(b) <= limit:
        return a, b
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    lo = max(0, start - context)

    def window(text: str) -> str:
        hi = min(len(text), max(len(text) - end + context, lo + 2 * context))
        part = text[lo:hi]
        part = part if hi - lo <= limit else part[: limit // 2] + " … " + part[-(limit // 2) :]
        return ("…" if lo > 0 else "") + part + ("…" if hi < len(text) else "")

    return window(a), window(b)


def _short(value: Any, limit: int = 90) -> str:
    text = _text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@app.command()
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
    backups: Annotated[
        Path | None,
        typer.Option("--backup-dir", help="Where originals are kept (env WIREFIX_BACKUP_DIR)."),
    ] = None,
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
        bool, typer.Option("--no-online", help="Leave the copies on [[sites]] alone.")
    ] = False,
) -> None:
    """Rewrite (or, for a kill, quarantine) the files a notice concerns; one audit entry per
    changed file. Then every copy on the configured [[sites]]: fixed or taken out, purged from
    the [[purgers]], fetched again past the cache, one audit entry each (docs/online.md).

    A dry run first shows the exact field changes. Running it again changes nothing; a run that
    was interrupted is finished and logged by the next one.

    Example: wirefix apply 1 --dry-run && wirefix apply 1 --yes
    """
    settings = loaded_settings(operator=operator, backup_dir=backups, quarantine_dir=quarantine)
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
    with open_db(db) as database, open_exiftool() as et:
        if not dry_run and not yes:
            preview = pipeline.apply_notice(
                database, notice, et, store, who, options=replace(opts, dry_run=True)
            )
            if not any(o.status == "planned" for o in preview):
                dry_run = True  # nothing to ask about: report the plan as it stands
            elif not sys.stdin.isatty():
                raise Failure(
                    "refusing to rewrite files without --yes when not at a terminal", EXIT_USAGE
                )
            else:
                _print_plan(preview)
                if not typer.confirm("Change these files?"):
                    raise typer.Exit(EXIT_OK)
        use_online = bool(settings.online.sites) and not no_online
        affected = (
            online_runner.prepare(database, notice, settings.online, settings.match)
            if use_online
            else None
        )
        try:
            outcomes = pipeline.apply_notice(
                database,
                notice,
                et,
                store,
                who,
                options=replace(opts, dry_run=dry_run),
                workers=workers or os.cpu_count() or 1,
            )
        except WorkerDied as exc:
            raise Failure(str(exc), EXIT_ERROR) from exc
        online = (
            online_runner.handle(database, notice, settings.online, who, affected, dry_run, note)
            if use_online
            else []
        )
        case = cases.notice_case(database, notice, config=settings.match)
    if as_json:
        print_json(
            {
                "notice": notice,
                "dry_run": dry_run,
                "files": [_outcome_dict(o) for o in outcomes],
                "open_case": case.to_dict() if case else None,
                "online": online_runner.summary(online),
            }
        )
    elif case:
        print_open_cases([{"notice": notice, **case.to_dict()}])
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
        raise typer.Exit(EXIT_ERROR)
    if case:
        raise typer.Exit(EXIT_ATTENTION)


# -- report / audit / db -------------------------------------------------------------------


@app.command()
def report(
    db: DbOption = None,
    as_json: JsonOption = False,
    fmt: Annotated[
        str, typer.Option("--format", help="table, json, csv or html (self-contained page).")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    notice: Annotated[int | None, typer.Option("--notice", help="Only this notice.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only notices received on/after this date (ISO).")
    ] = None,
    agency: Annotated[
        str | None, typer.Option("--agency", help="Only this agency (AFP, AP...).")
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--status", help="Only notices in this state: " + ", ".join(report_mod.STATES)
        ),
    ] = None,
) -> None:
    """Per notice: what arrived, which files it hit, what was changed, by whom, and when.

    Examples: wirefix report --since 2026-11-01 --format html -o report.html
              wirefix report --status pending-review --json
    """
    fmt = "json" if as_json else fmt.lower()
    if fmt not in ("table", "json", "csv", "html"):
        raise Failure(f"unknown report format {fmt!r}: use table, json, csv or html", EXIT_USAGE)
    if state and state not in report_mod.STATES:
        raise Failure(
            f"unknown state {state!r}: use one of {', '.join(report_mod.STATES)}", EXIT_USAGE
        )
    flt = report_mod.ReportFilter(
        since=_parse_since(since), agency=agency, notice=notice, state=state
    )
    settings = loaded_settings()
    policy = Policy(settings.backup_retention_days.value, settings.backup_dir.value)
    with open_db(db) as database:
        data = report_mod.build(database, flt, settings.match, retention=policy)
    if fmt == "table":
        if output:
            raise Failure("--output needs --format json, csv or html", EXIT_USAGE)
        _report_tables(data)
        return
    text = {
        "json": lambda: json.dumps(data, ensure_ascii=False, indent=2),
        "csv": lambda: report_mod.to_csv(data),
        "html": lambda: report_mod.to_html(data),
    }[fmt]()
    if output:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        note(f"report written to {output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Failure(
            f"--since {value!r} is not an ISO date such as 2026-11-01", EXIT_USAGE
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _report_tables(data: dict[str, Any]) -> None:
    table(
        f"notices ({data['filter']})",
        [
            "id",
            "agency",
            "kind",
            "state",
            "received",
            "auto",
            "review",
            "remediated",
            "pending review",
            "failed",
            "time to fix",
            "operator",
        ],
        [
            [
                n["id"],
                n["agency"],
                n["kind"],
                n["state"],
                n["received_at"][:19],
                n["matched"]["auto"],
                n["matched"]["review"],
                n["remediated"],
                n["pending_review"],
                n["failed"],
                report_mod._duration(n["time_to_remediate_seconds"]),
                ", ".join(n["operators"]),
            ]
            for n in data["notices"]
        ],
    )
    print_open_cases(
        [{"notice": n["id"], **n["open_case"]} for n in data["notices"] if n["open_case"]]
    )
    rows = []
    for n in data["notices"]:
        for f in n["files"]:
            for c in f["changes"] or [{"tag": "", "old": "", "new": ""}]:
                before, after = _changed_part(c["old"], c["new"], limit=60)
                rows.append(
                    [n["id"], f["seq"], f["rel_path"], f["outcome"], c["tag"], before, after]
                )
    if rows:
        table("changes", ["notice", "entry", "file", "outcome", "tag", "before", "after"], rows)
    told = [
        [n["id"], r["recipient"], r["state"], (r["told_at"] or "")[:19],
         ", ".join(f"{m['channel']} {m['detail'] or m['state']}" for m in r["messages"]),
         f"{(r['acknowledged_at'] or '')[:19]} {r['acknowledged_by'] or ''}".strip()]
        for n in data["notices"]
        for r in n["recipients"]
    ]  # fmt: skip
    if told:
        table("third parties", ["notice", "recipient", "state", "told", "messages", "ack"], told)


@app.command("undo")
def undo_cmd(
    entry: Annotated[int, typer.Argument(help="Audit entry (seq) of the remediation to undo.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    backups: Annotated[
        Path | None,
        typer.Option("--backup-dir", help="Where originals are kept (env WIREFIX_BACKUP_DIR)."),
    ] = None,
    operator: Annotated[
        str | None, typer.Option("--operator", help="Who is undoing (env WIREFIX_OPERATOR).")
    ] = None,
) -> None:
    """Restore the original bytes of a rewrite, or bring back a quarantined kill; logged.

    Example: wirefix undo 12
    """
    from wirefix.rewrite.undo import UndoError, undo

    settings = loaded_settings(operator=operator, backup_dir=backups)
    store = BackupStore(settings.backup_dir.value)
    with open_db(db) as database, open_exiftool() as et:
        try:
            done = undo(database, entry, store, settings.operator.value, et.version)
        except UndoError as exc:
            raise Failure(str(exc)) from exc
    if as_json:
        print_json(done.__dict__)
    else:
        console.print(
            f"entry {done.undone} undone ({done.action} of {done.path}): entry {done.seq}"
        )
        for line in done.notes:
            note(line)


@audit_app.command("export")
def audit_export(
    db: DbOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """The log as JSON Lines, one entry per line with seq, prev_hash, entry_hash and payload,
    so the chain can be checked without wirefix (docs/audit.md).

    Example: wirefix audit export -o audit.jsonl
    """
    with open_db(db) as database:
        lines = audit.export_lines(database)
    if output:
        output.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        note(f"{len(lines)} entries written to {output}")
    else:
        for line in lines:
            sys.stdout.write(line + "\n")


@audit_app.command("verify")
def audit_verify(
    db: DbOption = None,
    as_json: JsonOption = False,
    repair: Annotated[
        bool,
        typer.Option("--repair", help="First log or drop intents left by interrupted runs."),
    ] = False,
) -> None:
    """Recompute the hash chain; exit 1 and name the entries if anything was altered.

    The chain intact but a rewrite interrupted before its entry was written (a killed run):
    exit 3, the intent named, until the next apply or --repair settles it.

    Example: wirefix audit verify
    """
    with open_db(db) as database:
        if repair:
            for line in recover.reconcile(database):
                note(line)
        result = audit.verify(database)
    if as_json:
        print_json(result.__dict__)
    elif result.ok:
        console.print(f"audit log intact: {result.entries} entries, head {result.head_hash}")
    for problem in result.problems if not as_json else []:
        error(problem)
    for pending in result.pending if not as_json else []:
        note(pending)
    if not result.ok:
        raise typer.Exit(EXIT_ERROR)
    if result.pending:
        raise typer.Exit(EXIT_ATTENTION)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply the database migrations (creates the database if it is new)."""
    database = Database(db_url(db))
    try:
        database.upgrade()
    finally:
        database.close()
    console.print("database is up to date")


# -- queue (PostgreSQL) --------------------------------------------------------------------


def enqueue_run_command(database: Database, settings: Any, wait: float, as_json: bool) -> None:
    """`wirefix run --enqueue`: ingest here, queue the rest; refused on SQLite before any work."""
    from wirefix.flows import jobs, queue
    from wirefix.flows.lock import run_lock

    queue.require_postgresql(database)
    with run_lock(database, wait), open_exiftool() as et:
        data = jobs.ingest_and_enqueue(database, settings, et)
    queued = data["queued"]
    if as_json:
        print_json(data)
    else:
        table(
            "run queued",
            ["new notices", "need a person", "scan jobs", "already waiting", "roots"],
            [
                [
                    len(data["notices_new"]),
                    len(data["notices_attention"]),
                    queued["scan_jobs"],
                    queued["already_waiting"],
                    ", ".join(queued["roots"]),
                ]
            ],
        )
    for message in data["source_errors"]:
        error(message)
    if data["source_errors"]:
        raise typer.Exit(EXIT_ERROR)
    if data["notices_attention"]:
        raise typer.Exit(EXIT_ATTENTION)


@app.command()
def worker(
    db: DbOption = None,
    config: ConfigOption = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Worker processes on this host.")
    ] = 1,
    one_shot: Annotated[
        bool, typer.Option("--one-shot", help="Exit once no job is waiting or running.")
    ] = False,
    stall_timeout: Annotated[
        float,
        typer.Option(
            "--stall-timeout",
            min=1.0,
            help="Seconds without a heartbeat after which a worker's jobs run again elsewhere.",
        ),
    ] = 30.0,
    log_format: Annotated[
        str, typer.Option("--log-format", help="text or json (JSON lines, for log collectors).")
    ] = "text",
    queues: Annotated[
        list[str] | None,
        typer.Option(
            "--queue",
            help="Only jobs of this queue: scan, match or apply (repeatable; default all).",
        ),
    ] = None,
    schedule: Annotated[
        str | None,
        typer.Option(
            "--schedule",
            help="Cron expression: queue a run on this schedule (procrastinate periodic task).",
        ),
    ] = None,
) -> None:
    """Run queue workers (PostgreSQL): scan-shard, match and apply jobs, on any host that
    mounts the store. SIGTERM or Ctrl-C: finish the jobs in hand, then stop.

    Example: wirefix worker --db postgresql://wirefix@db/wirefix --concurrency 2
    """
    from wirefix.cli.logs import setup as setup_logging
    from wirefix.flows import worker as worker_mod

    if log_format not in ("text", "json"):
        raise Failure(f"unknown log format {log_format!r}: text or json", EXIT_USAGE)
    setup_logging(log_format)
    settings = loaded_settings(config, db_url=db)
    options = worker_mod.WorkerOptions(
        one_shot=one_shot, stall_timeout=stall_timeout, schedule=schedule, queues=queues or None
    )
    if concurrency == 1:
        worker_mod.run_worker(settings.db_url.value, settings, options)
        return
    code = worker_mod.run_worker_processes(concurrency, sys.argv[1:])
    if code:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def queue(
    db: DbOption = None,
    as_json: JsonOption = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Put every failed job back in the queue.")
    ] = False,
) -> None:
    """Job counts (todo, doing, failed, succeeded), failed jobs with their error, workers.

    Exit 1 when jobs have failed (after --retry-failed: when any remain failed).
    Example: wirefix queue --retry-failed
    """
    from wirefix.flows import jobs, queue

    with open_db(db) as database:
        retried = jobs.retry_failed(database) if retry_failed else 0
        state = queue.queue_status(database)
    if as_json:
        print_json({**state, "retried": retried})
    else:
        table("jobs", list(queue.STATUSES[:4]), [[state["counts"][s] for s in queue.STATUSES[:4]]])
        if state["by_task"]:
            table(
                "by task",
                ["task", *queue.STATUSES[:4]],
                [[t, *(c[s] for s in queue.STATUSES[:4])] for t, c in state["by_task"].items()],
            )
        if state["failed"]:
            table(
                "failed jobs",
                ["job", "task", "attempts", "args", "error"],
                [
                    [f["job"], f["task"], f["attempts"], json.dumps(f["args"]), f["error"] or ""]
                    for f in state["failed"]
                ],
            )
        note(f"{len(state['workers'])} worker(s) registered")
        if retry_failed:
            console.print(f"{retried} failed job(s) queued again")
    if state["counts"]["failed"]:
        raise typer.Exit(EXIT_ERROR)


def main() -> None:
    from wirefix.cli import (
        backups,  # noqa: F401  backups prune, hold
        ops,  # noqa: F401  registers run, watch, review, status, config
        recipients,  # noqa: F401  deliveries, notify, ack, serve
    )

    try:
        # Without standalone mode click returns an Exit's code instead of exiting with it.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else EXIT_OK)
    except Failure as exc:
        error(str(exc))
        sys.exit(exc.code)
    except (DatabaseError, ExifToolError) as exc:
        error(str(exc))
        sys.exit(EXIT_ERROR)
    except ConfigError as exc:
        error(str(exc))
        sys.exit(EXIT_USAGE)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        error("aborted")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        error("interrupted; everything committed so far is kept")
        sys.exit(130)
    except Exception as exc:  # click's usage errors (typer vendors click) and the unexpected
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
