"""The process pool of `apply --workers N`: each worker opens its own database and ExifTool and
remediates whole batches; a worker that dies is reported, not waited for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from wirefix.audit import chain as audit
from wirefix.errors import WirefixError
from wirefix.exiftool import ExifTool
from wirefix.flows.batch import remediate_batch
from wirefix.flows.outcomes import ApplyOptions, FileOutcome
from wirefix.model import Candidate, Notice
from wirefix.rewrite.backups import BackupStore
from wirefix.storage import Database


class WorkerDied(WirefixError):
    """A rewrite worker process stopped mid-batch; its journaled changes settle on the next run."""


_worker: dict[str, Any] = {}


def _worker_start(url: str, local_roots: dict[str, str], backups_root: str) -> None:
    from multiprocessing import util

    db = Database(url)
    db.local_roots = local_roots
    exiftool = ExifTool()
    # Pool workers leave through os._exit, past atexit: close ExifTool on the way out.
    util.Finalize(None, exiftool.close, exitpriority=10)
    _worker.update(db=db, exiftool=exiftool, backups=BackupStore(Path(backups_root)))


def _worker_batch(
    notice: Notice,
    batch: list[Candidate],
    ctx: audit.AuditContext,
    opts: ApplyOptions,
    roots: dict[str, str],
) -> list[FileOutcome]:
    w = _worker
    return remediate_batch(w["db"], notice, batch, w["exiftool"], w["backups"], ctx, opts, roots)


def _in_processes(
    db: Database,
    notice: Notice,
    batches: list[list[Candidate]],
    backups: BackupStore,
    ctx: audit.AuditContext,
    opts: ApplyOptions,
    roots: dict[str, str],
    workers: int,
    on_file: Callable[[FileOutcome], None] | None,
) -> list[FileOutcome]:
    """Batches shared among worker processes; outcomes in candidate order. The audit chain
    takes concurrent appends (`Database.append_audit_many`), file locks keep batches apart."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    results: dict[int, list[FileOutcome]] = {}
    with ProcessPoolExecutor(
        min(workers, len(batches)),
        mp_context=mp.get_context(method),
        initializer=_worker_start,
        initargs=(db.url, db.local_roots, str(backups.root)),
    ) as pool:
        futures = {
            pool.submit(_worker_batch, notice, batch, ctx, opts, roots): n
            for n, batch in enumerate(batches)
        }
        try:
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_file:
                    for outcome in results[futures[future]]:
                        on_file(outcome)
        except BrokenProcessPool as exc:
            raise WorkerDied(
                "a rewrite worker process died; the files it was changing are journaled and "
                "the next `wirefix apply` settles and finishes them"
            ) from exc
    return [o for n in range(len(batches)) for o in results[n]]
