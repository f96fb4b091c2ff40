"""`wirefix report`, `wirefix audit export` / `verify`: what was done, for compliance staff, and
the proof the log was not altered."""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from wirefix import shapes
from wirefix.cli.context import loaded_settings, open_db
from wirefix.cli.options import DbOption, JsonOption
from wirefix.cli.output import (
    changed_part,
    console,
    error,
    note,
    print_json,
    print_open_cases,
    table,
)
from wirefix.errors import ExitCode, UsageError, WirefixError
from wirefix.flows.states import STATES

audit_app = typer.Typer(help="The tamper-evident remediation log.", no_args_is_help=True)


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
        typer.Option("--status", help="Only notices in this state: " + ", ".join(STATES)),
    ] = None,
    verify: Annotated[
        Path | None,
        typer.Option(
            "--verify",
            help="Check an HTML report: its own sha256 (hash field blank) and that the audit log "
            "still holds the head it covers. Exit 0 intact, 1 not.",
        ),
    ] = None,
) -> None:
    """Per notice: what arrived, which files it hit, what was changed, by whom, and when.

    Examples: wirefix report --since 2026-11-01 --format html -o report.html
              wirefix report --status pending-review --json
              wirefix report --verify report.html
    """
    if verify is not None:
        if output or notice is not None or since or agency or state or fmt not in ("table", "json"):
            raise UsageError("--verify checks a report file: it takes only --db and --json")
        _verify_report(db, verify, as_json)
        return
    fmt = "json" if as_json else fmt.lower()
    if fmt not in ("table", "json", "csv", "html"):
        raise UsageError(f"unknown report format {fmt!r}: use table, json, csv or html")
    if state and state not in STATES:
        raise UsageError(f"unknown state {state!r}: use one of {', '.join(STATES)}")
    from wirefix.flows import report as report_mod
    from wirefix.flows import report_html

    flt = report_mod.ReportFilter(
        since=_parse_since(since), agency=agency, notice=notice, state=state
    )
    settings = loaded_settings(db_url=db)
    with open_db(settings) as database:
        if notice is not None:
            database.notice(notice)  # a notice that does not exist: exit 1, as `match` does
        checked = fmt in ("json", "html")  # the chain up to the head, as the record says
        data = report_mod.build(
            database,
            flt,
            settings.match,
            check_chain=checked,
            policy=settings.recipients.policy,
            retention=settings.retention,
        )
    if fmt == "table":
        if output:
            raise UsageError("--output needs --format json, csv or html")
        _report_tables(data)
        return
    text = {
        "json": lambda: json.dumps(data, ensure_ascii=False, indent=2),
        "csv": lambda: report_mod.to_csv(data),
        "html": lambda: report_html.to_html(data, output.name if output else "report.html"),
    }[fmt]()
    if output:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        note(f"report written to {output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _verify_report(db: str | None, path: Path, as_json: bool) -> None:
    """`report --verify FILE`: the report's seal, then the audit head it covers (exit 1 if not)."""
    from wirefix.flows import report_seal

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WirefixError(f"cannot read report {path}: {exc}") from exc
    with open_db(loaded_settings(db_url=db)) as database:
        try:
            check = report_seal.verify(database, text)
        except report_seal.SealError as exc:
            raise WirefixError(f"{path}: {exc}") from exc
    if as_json:
        print_json(check.to_dict())
    else:
        for problem in check.problems:
            error(f"{path}: {problem}")
        if check.ok:
            note(
                f"{path}: intact, sha256 {check.actual}; covers audit entries "
                f"1-{check.head_entries} (head {check.head_hash}), held by the log "
                f"({check.log_entries} entries now)"
            )
    if not check.ok:
        raise typer.Exit(ExitCode.ERROR)


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"--since {value!r} is not an ISO date such as 2026-11-01") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _report_tables(data: dict[str, Any]) -> None:
    from wirefix.flows.report import _duration as duration

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
                duration(n["time_to_remediate_seconds"]),
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
                before, after = changed_part(c["old"], c["new"], limit=60)
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
    from wirefix.audit import chain

    with open_db(loaded_settings(db_url=db)) as database:
        lines = chain.export_lines(database)
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
    from wirefix.audit import chain
    from wirefix.rewrite import recover

    with open_db(loaded_settings(db_url=db)) as database:
        if repair:
            for line in recover.reconcile(database):
                note(line)
        result = chain.verify(database)
    if as_json:
        print_json(shapes.verify_json(result))
    elif result.ok:
        console.print(f"audit log intact: {result.entries} entries, head {result.head_hash}")
    for problem in result.problems if not as_json else []:
        error(problem)
    for pending in result.pending if not as_json else []:
        note(pending)
    if not result.ok:
        raise typer.Exit(ExitCode.ERROR)
    if result.pending:
        raise typer.Exit(ExitCode.ATTENTION)
