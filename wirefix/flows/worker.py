"""`wirefix worker`: run procrastinate workers for wirefix's jobs, recover stalled jobs.

One job at a time per process (ExifTool and the scan's reader are per process); `--concurrency N`
starts N processes. A worker sends a heartbeat every `stall_timeout / 3` seconds and, as often,
hands the jobs of workers silent for `stall_timeout` seconds back to the queue: procrastinate
finds stalled jobs but leaves the retrying to the application.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from types import FrameType
from typing import Any

from procrastinate import App

from wirefix.flows.jobs import make_app
from wirefix.flows.queue import STALL_TIMEOUT, Host, HostDatabase, bind_host, require_postgresql
from wirefix.settings import Settings, open_db

log = logging.getLogger("wirefix.flows.worker")


@dataclass
class WorkerOptions:
    one_shot: bool = False
    stall_timeout: float = STALL_TIMEOUT
    schedule: str | None = None  # cron expression for periodic runs
    queues: list[str] | None = None


async def recover_stalled(app: App, stall_timeout: float) -> int:
    """Put back in the queue the jobs of workers silent for `stall_timeout` seconds."""
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stall_timeout)
    count = 0
    for job in stalled:
        try:
            await app.job_manager.retry_job(job)
        except Exception:  # another worker recovered it first
            continue
        count += 1
        log.warning(
            "job of a stalled worker queued again",
            extra={"job": job.id, "task": job.task_name, "worker": job.worker_id},
        )
    return count


async def _pending(app: App, queues: list[str] | None) -> int:
    row = await app.connector.execute_query_one_async(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
        "AND (%(queues)s::varchar[] IS NULL OR queue_name = ANY(%(queues)s))",
        queues=queues,
    )
    return int(row["n"])


async def _stall_watch(app: App, stall_timeout: float) -> None:
    while True:
        await asyncio.sleep(max(stall_timeout / 3, 0.5))
        try:
            await recover_stalled(app, stall_timeout)
        except Exception:
            log.exception("stalled-job check failed; trying again")


async def _work(app: App, options: WorkerOptions) -> None:
    worker_kwargs: dict[str, Any] = {
        "queues": options.queues,
        "concurrency": 1,  # ExifTool and the scan are per process: more processes, not threads
        "update_heartbeat_interval": max(options.stall_timeout / 3, 0.5),
        "stalled_worker_timeout": options.stall_timeout,
        "name": f"wirefix@{socket.gethostname()}",
    }
    async with app.open_async():
        await recover_stalled(app, options.stall_timeout)
        if not options.one_shot:
            watch = asyncio.create_task(_stall_watch(app, options.stall_timeout))
            try:
                await app.run_worker_async(wait=True, **worker_kwargs)
            finally:
                watch.cancel()
            return
        await _one_shot(app, options, worker_kwargs)


async def _one_shot(app: App, options: WorkerOptions, worker_kwargs: dict[str, Any]) -> None:
    """Until nothing is waiting or running anywhere; jobs of a dead worker count as running
    until the stall timeout hands them to us. The signals are ours here, not procrastinate's,
    so that SIGTERM ends the loop too: cancelling a worker lets its job in hand finish."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    current: asyncio.Task[None] | None = None

    def stop() -> None:
        stopping.set()
        if current is not None:
            current.cancel()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop)
    try:
        while not stopping.is_set():
            current = asyncio.create_task(
                app.run_worker_async(wait=False, install_signal_handlers=False, **worker_kwargs)
            )
            try:
                await current
            except asyncio.CancelledError:
                if stopping.is_set():
                    return
                raise
            await recover_stalled(app, options.stall_timeout)
            if not await _pending(app, options.queues):
                return
            await asyncio.sleep(0.5)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


def run_worker(settings: Settings, options: WorkerOptions) -> None:
    """Run one worker process until stopped (SIGTERM/SIGINT: finish the job in hand, then stop)
    or, one-shot, until the queue is empty."""
    wirefix_log = logging.getLogger("wirefix")
    queue_log = logging.getLogger("procrastinate")  # job starts, ends and errors, one line each
    queue_log.handlers[:] = wirefix_log.handlers
    queue_log.setLevel(wirefix_log.level or logging.INFO)
    queue_log.propagate = False
    db = open_db(settings, HostDatabase)
    require_postgresql(db)
    db.ensure_schema()
    current = Host(db=db, settings=settings)
    bind_host(current)
    app = make_app(settings.db_url.value)
    if options.schedule:
        app.periodic(cron=options.schedule, periodic_id="run")(app.tasks["wirefix:periodic_run"])
    try:
        asyncio.run(_work(app, options))
    finally:
        current.close()
        bind_host(None)


def run_worker_processes(count: int, argv: list[str]) -> int:
    """`--concurrency N`: N one-job worker processes, each with its own ExifTool; SIGTERM and
    SIGINT are passed on, so a drain stops them all. Returns the worst exit code."""
    args = [a for a in argv]
    for i, a in enumerate(args):  # --concurrency N / --concurrency=N -> 1
        if a == "--concurrency" and i + 1 < len(args):
            args[i + 1] = "1"
        elif a.startswith("--concurrency="):
            args[i] = "--concurrency=1"
    children = [subprocess.Popen([sys.executable, "-m", "wirefix", *args]) for _ in range(count)]

    def forward(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return max(child.wait() for child in children)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
