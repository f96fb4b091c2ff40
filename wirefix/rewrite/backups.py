"""The content-addressed backup store: the original bytes of every file wirefix changed, fsynced
before the change, for `undo`.

A rewrite never modifies the original's inode (the new file is written beside it and renamed
over it), so on the same filesystem the backup is a hard link to the original: the exact bytes
at no copy cost. Across filesystems, or for a file with other links, the bytes are copied."""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import re
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from wirefix.jpeg.imagedata import sha256_file
from wirefix.rewrite import journal
from wirefix.rewrite.durable import fsync_dir, fsync_file, write_durably
from wirefix.rewrite.steps import RewriteError, folder_error


class BackupStore:
    """Original bytes by sha256, written once, fsynced; `undo` restores from here.

    A backup is written to `.<sha256>.<uuid>.<owner>.tmp` and renamed into place; a failed
    write removes its temporary, and the temporaries of runs that died (`owner`: this host's
    tag, pid and process start time) are cleared from a folder the first time a run writes
    into it (`sweep`)."""

    #: How a backup is linked to its original; tests replace it to force the copy fallback.
    link: Callable[[Path, Path], None] = staticmethod(os.link)

    def __init__(self, root: Path) -> None:
        self.root = root
        self._swept: set[Path] = set()
        #: file path -> its backup, for the backups `keep_file` linked and nobody released yet.
        self.linked: dict[str, Path] = {}

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put_bytes(self, data: bytes, sha256: str, fsyncs: list[Path] | None = None) -> Path:
        """Keep `data`, already hashed to `sha256` by the caller, which read the file once.

        With `fsyncs`, the file and its folder are added to it instead of being fsynced here:
        the caller fsyncs the whole batch before it replaces any original (`fsync_all`). A crash
        before that can leave a damaged backup, which the next `put_bytes` finds by its hash
        and writes again; no original has been touched by then."""
        target = self.path_for(sha256)
        if _holds(target, len(data), sha256):
            return _kept(target, fsyncs)
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

    def keep_file(
        self,
        path: Path,
        data: bytes,
        sha256: str,
        before: os.stat_result,
        fsyncs: list[Path] | None = None,
    ) -> Path:
        """Keep the original `path`, whose bytes `data` (hashed to `sha256`) were read under the
        stat `before`: by a hard link when the backup store is on its filesystem and the file
        has no other link, else by a copy (`put_bytes`).

        The link shares the original's inode, which no rewrite modifies: once the new file is
        renamed over `path`, the backup is the old inode's only name. Until then it is a second
        name of the live file, so the commit must prove the file unchanged by its hash (the link
        moved its ctime) and a rewrite that does not happen must `settle` it."""
        target = self.path_for(sha256)
        if _holds(target, len(data), sha256):
            return _kept(target, fsyncs)
        if before.st_nlink != 1:
            return self.put_bytes(data, sha256, fsyncs)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.{_owner_tag()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.sweep(target.parent)
            self.link(path, tmp)
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise RewriteError(folder_error("backup folder", self.root, exc)) from exc
            return self.put_bytes(data, sha256, fsyncs)  # another filesystem: copy the bytes
        try:
            st = os.lstat(tmp)
            if _same_file(st, before) and st.st_size == len(data):
                journal.crash_point("backup-written")
                os.replace(tmp, target)
                if fsyncs is None:
                    fsync_file(target)  # the original's bytes may not be on disk yet
                    fsync_dir(target.parent)
                else:
                    fsyncs += [target, target.parent]
                self.linked[str(path)] = target
                return target
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise RewriteError(folder_error("backup folder", self.root, exc)) from exc
        with contextlib.suppress(OSError):
            tmp.unlink()  # the file was replaced or rewritten since it was read: copy the bytes
        return self.put_bytes(data, sha256, fsyncs)

    def settle(self, path: str | Path) -> bool:
        """Once the rewrite of `path` is over, either way: a linked backup still naming the
        live file is removed (`release_link`). True if one was."""
        return release_link(self.linked.pop(str(path), None), path)

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


def release_link(backup: str | Path | None, path: str | Path) -> bool:
    """Remove `backup` if it is still a hard link to the live file `path`: the rewrite it was
    kept for did not happen, and a backup that later edits of the file would change is no
    backup (the content-addressed name would lie). True if removed."""
    if backup is None:
        return False
    with contextlib.suppress(OSError):
        if _same_inode(os.lstat(backup), os.lstat(path)):
            os.unlink(backup)
            return True
    return False


#: Why `os.link` cannot make a backup, so the bytes are copied instead: another filesystem, a
#: filesystem without hard links, a file with too many links, or not allowed (protected_hardlinks).
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES}


def _holds(target: Path, size: int, sha256: str) -> bool:
    """Whether the backup `target` is already there with these bytes."""
    try:
        return target.stat().st_size == size and sha256_file(target) == sha256
    except OSError:
        return False


def _kept(target: Path, fsyncs: list[Path] | None) -> Path:
    """An existing backup: an earlier, deferred write or link may not be on disk yet."""
    if fsyncs is not None:
        fsyncs += [target, target.parent]
    return target


def _same_inode(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    """Same inode, size and mtime: what a link made of the file that was read must show."""
    return _same_inode(a, b) and (a.st_size, a.st_mtime_ns) == (b.st_size, b.st_mtime_ns)


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
