"""Removing the leftovers `wirefix.index.leftovers` finds under the store roots: ExifTool's
`FILE_original` copies and stray temporaries, each removal one audit entry (`action: clean`)
with the file's sha256, like a purged kill step.

A file is judged again right before it goes (it may have changed since the scan), must lie
inside a store root and not be a symlink, and is removed under the lock of the photo it belongs
to, taken without waiting: a live run holds that lock for as long as its temporary exists, so a
temporary being written, or an `_original` a kill is moving, is left alone and reported.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirefix import __version__
from wirefix.audit import chain as audit
from wirefix.index.leftovers import Leftover, judge
from wirefix.jpeg.imagedata import sha256_file
from wirefix.rewrite import journal
from wirefix.rewrite.durable import fsync_dir
from wirefix.rewrite.safety import file_lock, outside_roots
from wirefix.storage.database import Database, utcnow


@dataclass
class CleanResult:
    removed: list[dict[str, Any]] = field(default_factory=list)  # leftover + sha256 + entry
    skipped: list[str] = field(default_factory=list)  # in use, or no longer a leftover
    errors: list[str] = field(default_factory=list)


def remove(
    db: Database,
    found: list[Leftover],
    roots: dict[str, Path],
    lock_dir: Path,
    operator: str,
) -> CleanResult:
    """Remove each leftover that still is one; one audit entry per file removed."""
    result = CleanResult()
    named = {name: str(path.resolve()) for name, path in roots.items()}  # as `find` walked them
    for item in found:
        refused = outside_roots(item.path, named)
        if refused:
            result.skipped.append(refused)
            continue
        lock = file_lock(item.main, lock_dir, wait=False) if item.main else contextlib.nullcontext()
        try:
            with lock:
                _remove_one(db, item, roots, operator, result)
        except BlockingIOError:
            result.skipped.append(f"{item.path}: in use by a live wirefix run; left alone")
    return result


def _remove_one(
    db: Database, item: Leftover, roots: dict[str, Path], operator: str, result: CleanResult
) -> None:
    folder = roots[item.root].resolve()
    again = judge(item.root, folder, item.rel_path)
    if again is None or again.kind != item.kind:
        result.skipped.append(f"{item.path}: no longer a leftover; left alone")
        return
    try:
        sha = sha256_file(Path(item.path))
    except OSError as exc:
        result.errors.append(f"{item.path}: could not read: {exc.strerror or exc}")
        return
    step = {"kind": item.kind, "src": item.path, "dst": None, "sha256": sha, "main": item.main}
    body = {
        "notice_id": None,
        "reason": f"leftover under the store roots ({item.kind}) removed",
        "root": item.root,
        "rel_path": item.rel_path,
        "path": item.path,
        "action": "clean",
        "outcome": "ok",
        "error": None,
        "changes": [],
        "notes": [],
        "steps": [step],
        "operator": operator,
        "wirefix_version": __version__,
        "remediated_at": utcnow().isoformat(),
        "run": journal.owner(),
    }
    jid = db.journal_open(item.path, "clean", body)
    try:
        os.unlink(item.path)
        fsync_dir(Path(item.path).parent)
    except OSError as exc:
        db.journal_drop(jid)
        result.errors.append(f"{item.path}: could not remove: {exc.strerror or exc}")
        return
    seq = audit.append(db, body, jid)
    result.removed.append(dict(item.to_dict(), sha256=sha, entry=seq))
