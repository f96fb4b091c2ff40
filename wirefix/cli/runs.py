"""`wirefix run`, `wirefix watch`, `wirefix status`: unattended work (cron, systemd) and what it
left for people, at a glance."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wirefix.cli.context import loaded_settings, open_exiftool, settings_database
from wirefix.cli.options import ConfigOption, DbOption, JsonOption, LogFormat, OperatorOption
from wirefix.cli.options import log_format as checked_log_format
from wirefix.cli.output import error, print_json, print_open_cases, table
from wirefix.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from wirefix.settings import Settings
    from wirefix.storage import Database


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
        bool, typer.Option("--no-online", help="Leave the copies on the configured sites alone.")
    ] = False,
) -> None:
    """The scheduled pipeline: ingest the inbox folders and feeds, scan the store roots, match
    every notice in force, apply what is certain, queue the rest for review; then the copies on
    the configured [[sites]] (docs/online.md); a copy left open exits 1.

    Exit 0: nothing left to do; 1: an error; 3: done, but notices wait for a person (review,
    or an open case: a notice nothing acts on although it should); 4: another run holds the lock.

    Example (cron): */5 * * * * wirefix run --config /etc/wirefix/config.toml --log-format json
    """
    from wirefix.cli.logs import setup as setup_logging
    from wirefix.flows import run as run_mod
    from wirefix.flows.lock import run_lock
    from wirefix.online.config import OnlineConfig

    setup_logging(checked_log_format(log_format))
    settings = loaded_settings(config, db_url=db, operator=operator)
    if not settings.roots.value and not settings.inboxes.value and not settings.config.feeds:
        raise UsageError(
            "nothing to do: configure [store.roots], [inbox] folders or [[feeds]] "
            "(see `wirefix config show` and docs/operations.md)"
        )
    database = settings_database(settings)
    if enqueue:
        try:
            _enqueue_run(database, settings, wait, as_json)  # Busy: exit 4 (`ExitCode.BUSY`)
        finally:
            database.close()
        return
    try:
        with run_lock(database, wait), open_exiftool() as et:
            run_settings = run_mod.RunSettings.from_settings(settings)
            if no_online:
                run_settings.online = OnlineConfig()
            summary = run_mod.run_once(database, run_settings, et)
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


def _enqueue_run(database: "Database", settings: "Settings", wait: float, as_json: bool) -> None:
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
        raise typer.Exit(ExitCode.ERROR)
    if data["notices_attention"]:
        raise typer.Exit(ExitCode.ATTENTION)


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
    from wirefix.cli.logs import setup as setup_logging
    from wirefix.flows import run as run_mod
    from wirefix.flows.watch import Watcher

    setup_logging(checked_log_format(log_format))
    settings = loaded_settings(config, db_url=db, operator=operator, watch_poll=poll)
    if not settings.inboxes.value and not settings.config.feeds:
        raise UsageError("nothing to watch: configure [inbox] folders or [[feeds]]")
    database = settings_database(settings)
    try:
        Watcher(
            database,
            run_mod.RunSettings.from_settings(settings),
            poll=settings.watch_poll.value,
            feed_interval=settings.feed_interval.value,
        ).serve()
    finally:
        database.close()


def status(config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """At a glance: notices open, files pending review, the last run and the last error."""
    from wirefix.flows.report import build as build_report
    from wirefix.recipients.status import counts as recipients_counts
    from wirefix.storage.runs import last_error, last_runs

    settings = loaded_settings(config, db_url=db)
    database = settings_database(settings)
    try:
        data = build_report(
            database,
            config=settings.match,
            policy=settings.recipients.policy,
            retention=settings.retention,
        )
        runs = last_runs(database, 1)
        failure = last_error(database)
        counts = database.file_counts()
        queue = None if database.is_sqlite else _queue_status(database)
        recipients = recipients_counts(database, settings.recipients.policy)
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
    # README, exit codes: 3 while something waits for a person (review, a notice not understood)
    attention = bool(out["files_pending_review"]) or any(
        states.get(s, 0) for s in ("needs-review",)
    )
    if as_json:
        print_json(out)
        raise typer.Exit(ExitCode.ATTENTION if attention else ExitCode.OK)
    table(
        "status",
        [
            "notices",
            "open",
            "pending review",
            "open cases",
            "acks overdue",
            "backups held/expired/purged",
            "indexed files",
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
                "{held}/{expired}/{purged}".format(**out["backups"]),
                out["files_indexed"],
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
    if attention:
        raise typer.Exit(ExitCode.ATTENTION)


def _queue_status(database: "Database") -> dict[str, Any] | None:
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
