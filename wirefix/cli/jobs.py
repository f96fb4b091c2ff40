"""`wirefix worker` and `wirefix queue`: the PostgreSQL job queue (procrastinate) worked off on
any host that mounts the store, and its state."""

import json
import sys
from typing import Annotated

import typer

from wirefix.cli.context import loaded_settings, open_db
from wirefix.cli.options import ConfigOption, DbOption, JsonOption, LogFormat
from wirefix.cli.options import log_format as checked_log_format
from wirefix.cli.output import console, note, print_json, table
from wirefix.errors import ExitCode


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
    log_format: LogFormat = "text",
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

    setup_logging(checked_log_format(log_format))
    settings = loaded_settings(config, db_url=db)
    options = worker_mod.WorkerOptions(
        one_shot=one_shot, stall_timeout=stall_timeout, schedule=schedule, queues=queues or None
    )
    if concurrency == 1:
        worker_mod.run_worker(settings, options)
        return
    code = worker_mod.run_worker_processes(concurrency, sys.argv[1:])
    if code:
        raise typer.Exit(ExitCode.ERROR)


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

    with open_db(loaded_settings(db_url=db)) as database:
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
        raise typer.Exit(ExitCode.ERROR)
