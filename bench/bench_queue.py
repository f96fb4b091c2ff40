"""Files remediated per second through the job queue with 1, 2 and 4 worker processes, beside
in-process `wirefix apply` on identical files in the same run, and the queue's overhead per job.

    WIREFIX_BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bench_queue.py [--files 200] [--workers 1,2,4]

Each mode gets a fresh PostgreSQL database and a fresh copy of the store (`--files` copies of
the sample Daraa photo the AFP notice concerns), ingested, scanned and matched before the clock
starts. Timed: `wirefix apply NOTICE --yes` (one process) versus `wirefix run`'s apply jobs
queued one per file and drained by N `wirefix worker --one-shot` processes. Both include process
start and ExifTool start. Overhead per job = (queue time with 1 worker - in-process time) / files:
deferring, fetching, locking, finishing and the job-error bookkeeping, plus the per-job re-read of
the notice and its candidates that makes an apply job idempotent.

Measured 2026-11-25 on the 2-core development VM, shared with other engineers' builds and test
runs (load average 0.8-1.8 during the runs), PostgreSQL on the same VM, ExifTool 12.57:

    files  in-process apply  queue, 1 worker  2 workers    4 workers    overhead per job
    200    34.2 files/s      26.3 files/s     39.7 files/s 30.9 files/s  8.8 ms
    400    40.8 files/s      24.9 files/s     43.3 files/s 37.1 files/s 15.7 ms

Two workers on two cores beat one in-process apply; four oversubscribe the two cores (each
worker process has its own ExifTool) and lose some of it. The overhead per job still grows with
the notice's candidates: each apply job selects all of the notice's candidate rows (ORM, with
their evidence) before keeping its own; the files themselves are loaded only for the job's file
(`HostDatabase.focus`; before that, 17.7 ms at 200 files). A `db.candidates(notice, file_ids)`
in the storage layer would make it flat.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirefix.flows import jobs, queue  # noqa: E402
from wirefix.storage import Database  # noqa: E402

SAMPLE = ROOT / "samples/store/afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
NOTICE = ROOT / "samples/notices/afp-daraa-correction.txt"


def admin(base: str, sql: str) -> None:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql)


class Mode:
    """A fresh database and store, prepared up to the point where files are to be rewritten."""

    def __init__(self, base: str, work: Path, files: int, label: str) -> None:
        self.base, self.name = base, f"wirefix_bench_{uuid.uuid4().hex[:10]}"
        admin(base, f'CREATE DATABASE "{self.name}"')
        self.url = f"{base.rsplit('/', 1)[0]}/{self.name}"
        self.store = work / label / "store"
        for i in range(files):
            target = self.store / f"desk{i % 4}" / f"daraa-{i:05d}.jpg"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SAMPLE, target)
        self.env = {
            **os.environ,
            "WIREFIX_DB_URL": self.url,
            "WIREFIX_HOME": str(work / label / "home"),
            "WIREFIX_BACKUP_DIR": str(work / label / "backups"),
            "WIREFIX_STORE_ROOTS": f"store={self.store}",
            "WIREFIX_OPERATOR": "bench@wirefix",
        }
        self.cli("db", "upgrade")
        self.notice = self.cli("ingest", "-q", str(NOTICE)).strip()
        self.cli("scan", str(self.store))
        self.cli("match", self.notice)

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "wirefix", *args],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def queue_applies(self) -> int:
        db = Database(self.url)
        app = jobs.make_app(self.url)
        try:
            with app.open():
                return sum(
                    jobs.defer_apply(app, int(self.notice), c.file.id, c.file.root, c.file.rel_path)
                    for c in db.candidates(int(self.notice))
                    if c.decision == "auto"
                )
        finally:
            db.close()

    def drop(self) -> None:
        admin(self.base, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    base = os.environ.get("WIREFIX_BENCH_PG_URL") or os.environ.get("WIREFIX_TEST_PG_URL")
    if not base:
        sys.exit("set WIREFIX_BENCH_PG_URL=postgresql://user@host/db (a database to connect to)")
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()}, files: {args.files}")
    with tempfile.TemporaryDirectory(prefix="wfqueue-") as tmp:
        work = Path(tmp)
        mode = Mode(base, work, args.files, "inprocess")
        try:
            started = time.perf_counter()
            mode.cli("apply", mode.notice, "--yes")
            inproc = time.perf_counter() - started
        finally:
            mode.drop()
        print(f"in-process apply:   {args.files / inproc:6.1f} files/s  ({inproc:.1f} s)")
        single = None
        for n in [int(x) for x in args.workers.split(",")]:
            mode = Mode(base, work, args.files, f"workers{n}")
            try:
                queued = mode.queue_applies()
                started = time.perf_counter()
                procs = [
                    subprocess.Popen(
                        [sys.executable, "-m", "wirefix", "worker", "--one-shot"],
                        env=mode.env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    for _ in range(n)
                ]
                codes = [p.wait() for p in procs]
                elapsed = time.perf_counter() - started
                db = Database(mode.url)
                state = queue.queue_status(db)
                db.close()
            finally:
                mode.drop()
            done = state["by_task"].get("apply_file", {}).get("succeeded", 0)
            print(
                f"queue, {n} worker(s): {queued / elapsed:6.1f} files/s  ({elapsed:.1f} s, "
                f"{done}/{queued} jobs succeeded, exit codes {codes})"
            )
            if n == 1:
                single = elapsed
        if single is not None:
            print(
                f"queue overhead per job (1 worker vs in-process): "
                f"{(single - inproc) / args.files * 1000:.1f} ms"
            )
        print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
