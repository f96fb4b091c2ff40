"""The content-addressed backup store: the original bytes of every file wirefix changed, fsynced
before the change, for `undo`."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import socket
import time
import uuid
from pathlib import Path

from wirefix.jpeg.imagedata import sha256_file
from wirefix.rewrite import journal
from wirefix.rewrite.durable import fsync_dir, write_durably
from wirefix.rewrite.steps import RewriteError, folder_error


class BackupStore:
    """Original bytes by sha256, written once, fsynced; `undo` restores from here.

    A backup is written to `.<sha256>.<uuid>.<owner>.tmp` and renamed into place; a failed
    write removes its temporary, and the temporaries of runs that died (`owner`: this host's
    tag, pid and process start time) are cleared from a folder the first time a run writes
    into it (`sweep`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._swept: set[Path] = set()

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put_bytes(self, data: bytes, sha256: str, fsyncs: list[Path] | None = None) -> Path:
        """Keep `data`, already hashed to `sha256` by the caller, which read the file once.

        With `fsyncs`, the file and its folder are added to it instead of being fsynced here:
        the caller fsyncs the whole batch before it replaces any original (`fsync_all`). A crash
        before that can leave a damaged backup, which the next `put_bytes` finds by its hash
        and writes again; no original has been touched by then."""
        target = self.path_for(sha256)
        if target.exists() and target.stat().st_size == len(data) and sha256_file(target) == sha256:
            if fsyncs is not None:  # an earlier, deferred write may not be on disk yet
                fsyncs += [target, target.parent]
            return target
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.{_owner_tag()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.sweep(target.parent)
            write_durably(tmp, data, sync=fsyncs is None)
            journal.crash_point("backup-written")
            os.replace(tmp, target)
            if fsyncs is None:
                fsync_dir(target.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise RewriteError(folder_error("backup folder", self.root, exc)) from exc
        if fsyncs is not None:
            fsyncs += [target, target.parent]
        return target

    def sweep(self, folder: Path) -> list[str]:
        """Delete the backup temporaries in `folder` that no live run is writing: this host's
        runs that are gone, and those of wirefix versions before owners were named
        (`.<sha256>.<uuid>.tmp`) once an hour old. Once per folder per process."""
        if folder in self._swept:
            return []
        self._swept.add(folder)
        removed: list[str] = []
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                m = _BACKUP_TMP.fullmatch(entry.name)
                if m is None:
                    continue
                with contextlib.suppress(OSError):
                    if m["host"] is None:
                        stale = entry.stat().st_mtime_ns < time.time_ns() - _LEGACY_TMP_AGE_NS
                    else:
                        stale = m["host"] == _host_tag() and not _run_alive(m["pid"], m["start"])
                    if stale:
                        os.unlink(entry.path)
                        removed.append(entry.path)
        return removed


#: `.<sha256>.<uuid>[.<host tag>-<pid>-<start>].tmp`: a backup being written.
_BACKUP_TMP = re.compile(
    r"\.[0-9a-f]{64}\.[0-9a-f]{32}(?:\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-(?P<start>\d+|x))?\.tmp"
)


_LEGACY_TMP_AGE_NS = 3600 * 10**9


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:8]


def _owner_tag() -> str:
    return _owner_tag_of(os.getpid())  # a worker process forked from this one has its own


@functools.lru_cache(maxsize=8)
def _owner_tag_of(pid: int) -> str:
    run = journal.owner()
    return f"{_host_tag()}-{run['pid']}-{run['start'] or 'x'}"


def _run_alive(pid: str, start: str) -> bool:
    return journal.alive(
        {"host": socket.gethostname(), "pid": int(pid), "start": None if start == "x" else start}
    )
