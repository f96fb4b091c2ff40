"""Recovery: the intents a run left behind when it stopped between a file change and its
audit entry, settled against the file as it is now. Run at the start of `apply`, `undo` and by
`audit verify`; apart from the journal so that the kill code, which writes intents, and the code
that settles them do not import each other."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from wirefix.audit import chain as audit
from wirefix.jpeg.imagedata import sha256_file
from wirefix.rewrite import journal, kill
from wirefix.rewrite.backups import release_link
from wirefix.storage.database import Database, JournalClaimed


def reconcile(db: Database) -> list[str]:
    """Settle the intents of dead runs; returns one line per intent handled."""
    done: list[str] = []
    for jid, path, action, body in db.journal_pending():
        if journal.alive(body.get("run") or {}):
            continue
        note = "logged on recovery: the run that made this change stopped before logging it"
        try:
            if action in ("rewrite", "undo"):
                tmp = body.get("tmp")
                if tmp:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                current = sha256_file(path) if os.path.isfile(path) else None
                if current == body.get("sha256_after"):
                    seq = audit.append(db, _noted(body, note), jid)
                    done.append(f"{path}: {action} had happened; logged as entry {seq}")
                elif current == body.get("sha256_before"):
                    release_link(body.get("backup"), path)  # still the live file: no backup
                    db.journal_drop(jid)
                    done.append(f"{path}: {action} had not happened; nothing to log")
                else:
                    failed = dict(
                        _noted(body, note),
                        outcome="failed",
                        sha256_after=current,
                        error=f"{path}: after an interrupted {action} the file is neither the "
                        "old nor the planned new version; check it by hand",
                    )
                    seq = audit.append(db, failed, jid)
                    done.append(f"{path}: unexpected content after interruption; entry {seq}")
            elif action in ("kill", "restore", "purge", "clean"):  # idempotent steps
                kill.carry_out(body["steps"], reverse=action == "restore")
                seq = audit.append(db, _noted(body, note), jid)
                done.append(f"{path}: interrupted {action} finished; logged as entry {seq}")
        except JournalClaimed:
            continue
        except (OSError, kill.KillError) as exc:
            done.append(f"{path}: could not settle the interrupted {action}: {exc}")
    return done


def _noted(body: dict[str, Any], note: str) -> dict[str, Any]:
    return dict(body, notes=[*body.get("notes", []), note])
