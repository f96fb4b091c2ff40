"""Commands for unattended work and the people around it: run, watch, review, status, config.

Registered on `wirefix.cli.app.app` (imported at the end of cli.py); same conventions: options are
parsed here, the library does the work, one renderer prints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from wirefix.cli.app import (
    EXIT_ATTENTION,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    ConfigOption,
    DbOption,
    Failure,
    JsonOption,
    _changed_part,
    app,
    host_database,
    loaded_settings,
    open_exiftool,
    print_open_cases,
)
from wirefix.cli.logs import setup as setup_logging
from wirefix.cli.output import console, error, note, print_json, table
from wirefix.flows import review as review_mod
from wirefix.flows import run as run_mod
from wirefix.flows.lock import Busy, run_lock
from wirefix.flows.outcomes import ApplyOptions
from wirefix.flows.report import build as build_report
from wirefix.online.config import OnlineConfig
from wirefix.recipients.status import counts as recipients_counts
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.retention import Policy
from wirefix.settings import Settings
from wirefix.storage import Database
from wirefix.storage.runs import last_error, last_runs

EXIT_BUSY = 4

config_app = typer.Typer(help="The effective configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")

LogFormat = Annotated[
    str, typer.Option("--log-format", help="text or json (JSON lines, for log collectors).")
]
OperatorOption = Annotated[
    str | None,
    typer.Option("--operator", help="Who acts (env WIREFIX_OPERATOR; default user@host)."),
]


def _database(settings: Settings) -> Database:
    """The configured database, seen through this host's [store.roots] (`host_database`)."""
    db = host_database(settings.db_url.value, settings)
    db.ensure_schema()
    return db


def _log_format(value: str) -> str:
    if value not in ("text", "json"):
        raise Failure(f"unknown log format {value!r}: text or json", EXIT_USAGE)
    return value


@app.command()
def run(
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for another run to finish.")
    ] = 0.0,
    log_format: LogFormat = "text",
    operator: OperatorOption = None,
    enqueue: Annotated[
        bool,
        typer.Option(
            "--enqueue",
            help="Ingest here, then queue the scans, matching and rewrites for `wirefix worker` "
            "processes (PostgreSQL only).",
        ),
    ] = False,
    no_online: Annotated[
        bool, typer.Option("--no-online", help="Leave the copies on [[sites]] alone.")
    ] = False,
) -> None:
    """The scheduled pipeline: ingest the inbox folders and feeds, scan the store roots, match
    every notice in force, apply what is certain, queue the rest for review; then the copies on
    the configured [[sites]] (docs/online.md); a copy left open exits 1.

    Exit 0: nothing left to do; 1: an error; 3: done, but notices wait for a person (review,
    or an open case: a notice nothing acts on although it should); 4: another run holds the lock.

    Example (cron): */5 * * * * wirefix run --config /etc/wirefix/config.toml --log-format json
    """
    setup_logging(_log_format(log_format))
    settings = loaded_settings(config, db_url=db, operator=operator)
    if not settings.roots.value and not settings.inboxes.value and not settings.config.feeds:
        raise Failure(
            "nothing to do: configure [store.roots], [inbox] folders or [[feeds]] "
            "(see `wirefix config show` and docs/operations.md)",
            EXIT_USAGE,
        )
    database = _database(settings)
    if enqueue:
        from wirefix.cli.app import enqueue_run_command

        try:
            enqueue_run_command(database, settings, wait, as_json)
        except Busy as exc:
            raise Failure(str(exc), EXIT_BUSY) from exc
        finally:
            database.close()
        return
    try:
        with run_lock(database, wait), open_exiftool() as et:
            run_settings = run_mod.RunSettings.from_settings(settings)
            if no_online:
                run_settings.online = OnlineConfig()
            summary = run_mod.run_once(database, run_settings, et)
    except Busy as exc:
        raise Failure(str(exc), EXIT_BUSY) from exc
    finally:
        database.close()
    data = summary.to_dict()
    if as_json:
        print_json(data)
    else:
        scan = data["scan"] or {}
        table(
            f"run: {summary.outcome}",
            [
                "new notices",
                "need a person",
                "scanned",
                "changed",
                "killed",
                "failed",
                "review",
                "open cases",
            ],
            [
                [
                    len(data["notices_new"]),
                    len(data["notices_attention"]),
                    scan.get("seen", 0),
                    data["files_changed"],
                    data["files_killed"],
                    len(data["files_failed"]),
                    data["review_pending"],
                    len(data["open_cases"]),
                ]
            ],
        )
        print_open_cases(data["open_cases"])
    for message in (
        summary.source_errors
        + summary.scan_errors
        + summary.files_failed
        + summary.notify_errors
        + summary.purge_errors
    ):
        error(message)
    raise typer.Exit(summary.exit_code)


@app.command()
def watch(
    config: ConfigOption = None,
    db: DbOption = None,
    poll: Annotated[
        bool | None,
        typer.Option("--poll/--inotify", help="Polling observer, for network-mounted inboxes."),
    ] = None,
    log_format: LogFormat = "text",
    operator: OperatorOption = None,
) -> None:
    """Long-lived service: handle each notice the moment it lands in an inbox folder or a feed,
    against the existing index. Stops cleanly on SIGTERM.

    Example (systemd): ExecStart=/opt/wirefix/.venv/bin/wirefix watch --log-format json
    """
    from wirefix.flows.watch import Watcher

    setup_logging(_log_format(log_format))
    settings = loaded_settings(config, db_url=db, operator=operator, watch_poll=poll)
    if not settings.inboxes.value and not settings.config.feeds:
        raise Failure("nothing to watch: configure [inbox] folders or [[feeds]]", EXIT_USAGE)
    database = _database(settings)
    try:
        Watcher(
            database,
            run_mod.RunSettings.from_settings(settings),
            poll=settings.watch_poll.value,
            feed_interval=settings.feed_interval.value,
        ).serve()
    finally:
        database.close()


@app.command("review")
def review_cmd(
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    approve: Annotated[
        list[str] | None, typer.Option("--approve", help="Approve item NOTICE:FILE (repeatable).")
    ] = None,
    reject: Annotated[
        list[str] | None, typer.Option("--reject", help="Reject item NOTICE:FILE (repeatable).")
    ] = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="List the queue; decide nothing.")
    ] = False,
    notice: Annotated[int | None, typer.Option("--notice", help="Only this notice.")] = None,
    operator: OperatorOption = None,
) -> None:
    """Go through the candidates the matcher was not sure of: approve (the file is remediated at
    once), reject, or skip. Every decision is an audit entry with the operator's name.

    Examples: wirefix review          (interactive)
              wirefix review --list --json
              wirefix review --approve 1:7 --reject 1:9
    """
    settings = loaded_settings(config, db_url=db, operator=operator)
    who = settings.operator.value
    backups = BackupStore(settings.backup_dir.value)
    options = ApplyOptions(quarantine=settings.quarantine_dir.value, match=settings.match)
    database = _database(settings)
    try:
        with open_exiftool() as et:
            if approve or reject:
                decisions = [(k, "approve") for k in approve or []] + [
                    (k, "reject") for k in reject or []
                ]
                results = [_decide(database, et, k, v, who, backups, options) for k, v in decisions]
                _print_decisions(results, as_json)
                failed = [o for r in results for o in r.outcomes if o.status == "failed"]
                raise typer.Exit(EXIT_ERROR if failed else EXIT_OK)
            items = review_mod.queued(database, et, notice)
            if list_only or as_json or not items:
                _print_queue(items, as_json)
                raise typer.Exit(EXIT_ATTENTION if items else EXIT_OK)
            _interactive(database, et, items, who, backups, options)
    finally:
        database.close()


def _decide(
    db: Database,
    et: Any,
    key: str,
    verdict: str,
    who: str,
    backups: BackupStore,
    options: ApplyOptions,
) -> review_mod.Decision:
    try:
        return review_mod.decide(db, et, key, verdict, who, backups, options)
    except review_mod.ReviewError as exc:
        raise Failure(str(exc)) from exc


def _item_dict(item: review_mod.ReviewItem) -> dict[str, Any]:
    c = item.candidate
    return {
        "item": item.key,
        "notice": item.notice_id,
        "agency": item.notice.agency,
        "kind": item.notice.kind,
        "path": c.file.path,
        "score": c.score,
        "reasons": c.reasons(),
        "capped_by": c.capped_by,
        "changes": [
            {"tag": w.tag, "old": w.old, "new": w.new}
            for w in (item.plan.writes if item.plan else [])
        ],
        "action": item.plan.action if item.plan else None,
        "problem": item.problem,
    }


def _print_queue(items: list[review_mod.ReviewItem], as_json: bool) -> None:
    if as_json:
        print_json([_item_dict(i) for i in items])
        return
    if not items:
        console.print("nothing waits for review")
        return
    table(
        f"{len(items)} item(s) wait for review",
        ["item", "notice", "score", "file", "why not automatic"],
        [
            [
                i.key,
                f"{i.notice.agency} {i.notice.kind}",
                f"{i.candidate.score:.2f}",
                i.candidate.file.rel_path,
                i.candidate.capped_by or "; ".join(i.candidate.reasons(2)),
            ]
            for i in items
        ],
    )


def _show_item(item: review_mod.ReviewItem, position: str) -> None:
    c = item.candidate
    console.rule(
        f"{position}  item {item.key}: notice {item.notice_id} "
        f"({item.notice.agency} {item.notice.kind})"
    )
    console.print(f"file   {c.file.path}")
    console.print(
        f"score  {c.score:.2f}" + (f"  (held back: {c.capped_by})" if c.capped_by else "")
    )
    for reason in c.reasons():
        console.print(f"  - {reason}")
    if item.problem:
        error(item.problem)
    elif item.plan and item.plan.action == "kill":
        console.print("[bold]approving moves this file to quarantine[/]")
    elif item.plan:
        rows = []
        for w in item.plan.writes:
            before, after = _changed_part(w.old, w.new)
            rows.append([w.tag, before, after])
        table("changes on approval", ["tag", "now", "after"], rows)


def _interactive(
    db: Database,
    et: Any,
    items: list[review_mod.ReviewItem],
    who: str,
    backups: BackupStore,
    options: ApplyOptions,
) -> None:
    decided = 0
    for n, item in enumerate(items, 1):
        _show_item(item, f"{n}/{len(items)}")
        answer = typer.prompt("[a]pprove, [r]eject, [s]kip, [q]uit", default="s").strip().lower()
        if answer.startswith("q"):
            break
        if answer[:1] in ("a", "r"):
            verdict = "approve" if answer.startswith("a") else "reject"
            result = _decide(db, et, item.key, verdict, who, backups, options)
            _print_decisions([result], as_json=False)
            decided += 1
    note(f"{decided} decision(s) recorded as {who}")


def _print_decisions(results: list[review_mod.Decision], as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {
                    "item": r.key,
                    "decision": r.decision,
                    "audit_seq": r.audit_seq,
                    "files": [
                        {"path": o.candidate.file.path, "status": o.status, "message": o.message}
                        for o in r.outcomes
                    ],
                }
                for r in results
            ]
        )
        return
    for r in results:
        done = ", ".join(f"{o.status}" for o in r.outcomes)
        console.print(
            f"{r.key}: {r.decision} (audit entry {r.audit_seq})" + (f": {done}" if done else "")
        )
        for o in r.outcomes:
            if o.status == "failed":
                error(o.message or o.candidate.file.path)


@app.command()
def status(config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """At a glance: notices open, files pending review, the last run and the last error."""
    settings = loaded_settings(config, db_url=db)
    database = _database(settings)
    try:
        policy = Policy(settings.backup_retention_days.value, settings.backup_dir.value)
        data = build_report(database, config=settings.match, retention=policy)
        runs = last_runs(database, 1)
        failure = last_error(database)
        counts = database.file_counts()
        queue = None if database.is_sqlite else _queue_status(database)
        recipients = recipients_counts(database)
    finally:
        database.close()
    states: dict[str, int] = {}
    for n in data["notices"]:
        states[n["state"]] = states.get(n["state"], 0) + 1
    last = runs[0] if runs else None
    out = {
        "notices": len(data["notices"]),
        "notices_by_state": states,
        "notices_open": sum(
            states.get(s, 0)
            for s in ("open", "pending-review", "open-case", "needs-review", "failed")
        ),
        "open_cases": [
            {"notice": n["id"], **n["open_case"]} for n in data["notices"] if n["open_case"]
        ],
        "files_pending_review": data["totals"]["pending_review"],
        "online_open": [c for n in data["notices"] for c in n["online"] if c["state"] == "open"],
        "files_indexed": counts.get("indexed", 0),
        "files_failed_to_index": counts.get("failed", 0),
        "last_run": _run_dict(last),
        "last_error": _run_dict(failure),
        "queue": queue,
        "recipients": recipients,
        "backups": data["backups"],  # kept, held, expired, purged; the holds in force
    }
    if as_json:
        print_json(out)
        return
    table(
        "status",
        [
            "notices",
            "open",
            "pending review",
            "open cases",
            "acks overdue",
            "indexed files",
            "backups held/expired/purged",
            "last run",
            "last error",
        ],
        [
            [
                out["notices"],
                out["notices_open"],
                out["files_pending_review"],
                len(out["open_cases"]),
                recipients["acks_overdue"],
                out["files_indexed"],
                "{held}/{expired}/{purged}".format(**out["backups"]),
                _run_line(last),
                f"{failure.finished_at:%Y-%m-%d %H:%M} {failure.error}" if failure else "none",
            ]
        ],
    )
    print_open_cases(out["open_cases"])
    if out["online_open"]:
        table(
            "online copies open",
            ["notice", "site", "copy", "url", "why"],
            [
                [c["notice"], c["site"], f"{c['kind']} {c['object_id']}", c["url"], c["error"]]
                for c in out["online_open"]
            ],
        )


def _queue_status(database: Database) -> dict[str, Any] | None:
    """Job counts and failed jobs of the procrastinate queue, when it is set up."""
    from wirefix.flows import queue

    try:
        data = queue.queue_status(database, failed_limit=5)
    except Exception:  # queue tables absent (db not upgraded) or unreachable: status still shows
        return None
    return {"counts": data["counts"], "failed": data["failed"]}


def _run_dict(r: Any) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "id": r.id,
        "kind": r.kind,
        "operator": r.operator,
        "outcome": r.outcome,
        "started_at": r.started_at.isoformat(),
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        "error": r.error,
        "summary": r.summary,
    }


def _run_line(r: Any) -> str:
    if r is None:
        return "never"
    age = datetime.now(UTC) - r.started_at
    return f"{r.kind} {r.outcome}, {int(age.total_seconds() // 60)} min ago"


@config_app.command("show")
def config_show(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """The effective settings and where each comes from; passwords and auth headers masked."""
    shown = loaded_settings(config).show()
    if as_json:
        print_json(shown)
        return
    table(
        "effective configuration",
        ["setting", "value", "from"],
        [[k, v["value"], v["source"]] for k, v in shown.items()],
    )
