"""`wirefix undo SEQ`: put back what one remediation changed, as a new audit entry (SPEC §6).

A rewrite is undone by restoring the original bytes from the backup store, written beside and
renamed over the file like any rewrite; a quarantine kill by moving the files back. Undo refuses
when the file changed since the entry (a later correction would be lost), when the entry was
already undone, and for purges (the bytes are gone by design): a `--purge` kill, or a backup or
quarantined copy purged by the retention policy or a kill, naming the purge's audit entry.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirefix import __version__
from wirefix.audit import chain as audit
from wirefix.errors import WirefixError
from wirefix.jpeg.imagedata import image_data_hash, sha256_file
from wirefix.rewrite import journal, kill, recover, retention
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.durable import fsync_dir, fsync_file, temporary_for
from wirefix.rewrite.safety import file_lock, outside_roots
from wirefix.storage.database import Database, utcnow


class UndoError(WirefixError):
    """The entry cannot be undone; the message says why and what to do."""


@dataclass
class UndoResult:
    seq: int
    undone: int
    path: str
    action: str
    notes: list[str] = field(default_factory=list)  # what can no longer be undone, and why


def undo(
    db: Database, seq: int, backups: BackupStore, operator: str, et_version: str
) -> UndoResult:
    recover.reconcile(db)
    row = db.audit_entry(seq)
    if row is None:
        raise UndoError(f"no audit entry {seq}: `wirefix report` lists the entries")
    body = json.loads(row.payload)
    asked = seq
    if body["action"] == "review-approve" and body["outcome"] == "ok":
        seq = caused_by_approval(db, seq, body)
        row = db.audit_entry(seq)
        assert row is not None
        body = json.loads(row.payload)
    if body["outcome"] != "ok" or body["action"] not in ("rewrite", "kill"):
        raise UndoError(f"entry {seq} is a {body['outcome']} {body['action']}; nothing to undo")
    for later in db.audit_entries_for(body["path"]):
        other = json.loads(later.payload)
        if other.get("undoes") == seq and other["outcome"] == "ok":
            approved = f"entry {asked} approved the change of entry {seq}; " if asked != seq else ""
            raise UndoError(f"{approved}entry {seq} was already undone by entry {later.seq}")
    path = _path_of(db, body)
    base = {
        "notice_id": body.get("notice_id"),
        "notice_hash": body.get("notice_hash"),
        "notice_received_at": body.get("notice_received_at"),
        "reason": f"undo of entry {seq}"
        + (f", the change approved in entry {asked}" if asked != seq else ""),
        "root": body.get("root"),
        "rel_path": body.get("rel_path"),
        "path": body["path"],
        "outcome": "ok",
        "error": None,
        "notes": [],
        "operator": operator,
        "wirefix_version": __version__,
        "exiftool_version": et_version,
        "remediated_at": utcnow().isoformat(),
        "undoes": seq,
        "run": journal.owner(),
    }
    with file_lock(str(path), backups.root / ".locks"):
        if body["action"] == "kill":
            return _undo_kill(db, seq, body, base)
        return _undo_rewrite(db, seq, body, base, path, backups)


def caused_by_approval(db: Database, seq: int, approval: dict[str, Any]) -> int:
    """The rewrite or kill that review approval `seq` caused: the entry that names it
    (`approval`), or, in logs written before entries named their approval, the first `ok`
    rewrite or kill of the same notice and file after it. Refuses when there is none."""
    later = [
        (row.seq, json.loads(row.payload))
        for row in db.audit_entries_for(approval["path"])
        if row.seq > seq
    ]
    same = [
        (s, b)
        for s, b in later
        if b.get("notice_id") == approval.get("notice_id")
        and b["action"] in ("rewrite", "kill")
        and b["outcome"] == "ok"
    ]
    named = [s for s, b in same if b.get("approval") == seq]
    unnamed = [s for s, b in same if b.get("approval") is None]
    if named:
        return named[0]
    if unnamed and not approval.get("names_its_change"):
        return unnamed[0]
    raise UndoError(
        f"entry {seq} is the review approval of {approval['path']}; no rewrite followed it "
        "(the file needed no change, or the rewrite failed: `wirefix report` shows it)"
    )


def _path_of(db: Database, body: dict[str, Any]) -> Path:
    root, rel = body.get("root"), body.get("rel_path")
    roots = db.roots()
    if root not in roots or rel is None:
        raise UndoError(f"{body['path']}: store root {root!r} is not configured on this host")
    path = Path(roots[root]) / rel
    refused = outside_roots(str(path), roots)
    if refused:
        raise UndoError(refused)
    return path


def _undo_rewrite(
    db: Database,
    seq: int,
    body: dict[str, Any],
    base: dict[str, Any],
    path: Path,
    backups: BackupStore,
) -> UndoResult:
    current = sha256_file(path) if path.is_file() else None
    if current != body["sha256_after"]:
        raise UndoError(
            f"{path}: changed since entry {seq} (sha256 {str(current)[:12]}, entry says "
            f"{body['sha256_after'][:12]}); undo the later entries first"
        )
    original = backups.path_for(body["sha256_before"])
    if not original.is_file() or sha256_file(original) != body["sha256_before"]:
        purged = retention.purge_entry_for(db, sha256=body["sha256_before"])
        if purged is not None and not original.is_file():
            raise UndoError(
                f"{path}: entry {seq} cannot be undone: its backup was purged by audit entry "
                f"{purged[0]} ({purged[1]}, {purged[2]}); only its sha256 is kept"
            )
        raise UndoError(f"{path}: the original bytes are not in the backup store at {original}")
    st = os.stat(path)
    tmp = temporary_for(path)
    shutil.copyfile(original, tmp)
    os.chmod(tmp, st.st_mode & 0o7777)
    fsync_file(tmp)
    method, image_before = image_data_hash(path)
    _, image_after = image_data_hash(tmp)
    entry = dict(
        base,
        action="undo",
        changes=[
            {"tag": c["tag"], "old": c["new"], "new": c["old"], "field": c["field"]}
            for c in body["changes"]
        ],
        sha256_before=current,
        sha256_after=body["sha256_before"],
        image_hash_method=method,
        image_hash_before=image_before,
        image_hash_after=image_after,
        backup=str(original),
        tmp=str(tmp),
    )
    jid = db.journal_open(str(path), "undo", entry)
    try:
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        db.journal_drop(jid)
        tmp.unlink(missing_ok=True)
        raise UndoError(f"{path}: could not restore: {exc}") from exc
    new_seq = audit.append(db, entry, jid)
    return UndoResult(new_seq, seq, str(path), "undo")


def _undo_kill(db: Database, seq: int, body: dict[str, Any], base: dict[str, Any]) -> UndoResult:
    steps = body.get("steps") or []
    if body.get("purge"):
        raise UndoError(f"entry {seq} purged {body['path']}; its bytes are gone, only hashes kept")
    for step in steps:
        if step["dst"] and os.path.exists(step["src"]):
            raise UndoError(f"{step['src']}: a file is there again; move it away first")
        purged = None if os.path.exists(step["dst"] or "") else (
            retention.purge_entry_for(db, location=step["dst"])
        )  # fmt: skip
        if purged is not None:
            raise UndoError(
                f"entry {seq} cannot be undone: its quarantined copy {step['dst']} was purged "
                f"by audit entry {purged[0]} ({purged[1]}, {purged[2]}); only hashes kept"
            )
    entry = dict(
        base,
        action="restore",
        changes=[],
        sha256_before=None,
        sha256_after=body.get("sha256_before"),
        image_hash_method=None,
        image_hash_before=None,
        image_hash_after=None,
        backup=None,
        steps=steps,
    )
    jid = db.journal_open(body["path"], "restore", entry)
    try:
        kill.carry_out(steps, reverse=True)
    except (OSError, kill.KillError) as exc:
        db.journal_drop(jid)
        raise UndoError(f"{body['path']}: could not restore from quarantine: {exc}") from exc
    new_seq = audit.append(db, entry, jid)
    notes = [
        f"the backups of {body['path']} were purged by audit entry {row.seq} when it was "
        "killed: its earlier rewrites cannot be undone"
        for row in db.audit_entries_of(("purge",))
        if json.loads(row.payload).get("kill_entry") == seq
    ]
    return UndoResult(new_seq, seq, body["path"], "restore", notes)
