"""Where wirefix may write: only inside the configured store roots, never through a symlink.

Paths come from the index, which was built from a store that strangers write into; a symlink
planted there must not lead a rewrite, kill or undo to a file outside the store.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def outside_roots(path: str, roots: dict[str, str]) -> str | None:
    """The reason `path` is refused, or None when it is a regular file path inside a root."""
    if any(ch in path for ch in "\r\n\0"):
        return f"{path!r}: path holds a line break or NUL; refused"
    if os.path.islink(path):
        return f"{path}: is a symbolic link; refused"
    real = os.path.realpath(path)
    for root in roots.values():
        real_root = os.path.realpath(root)
        if os.path.commonpath([real_root, real]) == real_root and os.path.commonpath(
            [os.path.abspath(root), os.path.abspath(path)]
        ) == os.path.abspath(root):
            return None
    return f"{path}: outside the configured store roots ({', '.join(roots.values())}); refused"


@contextmanager
def file_lock(path: str, lock_dir: Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on `path` from the read that plans a change to its audit entry,
    so two runs on one host never both rewrite a file from the same old reading (SPEC §9's
    per-file lock). The lock file is keyed by the real path, not the inode, which a rewrite
    replaces. flock over NFS is unreliable: shared stores need the queue's job lock too. With
    `wait` false, a lock held elsewhere raises `BlockingIOError` at once (a live run's file)."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(os.path.realpath(path).encode("utf-8")).hexdigest()[:32]
    fd = os.open(lock_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)  # releases the lock
