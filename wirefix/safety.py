"""Where wirefix may write: only inside the configured store roots, never through a symlink.

Paths come from the index, which was built from a store that strangers write into; a symlink
planted there must not lead a rewrite, kill or undo to a file outside the store.
"""

from __future__ import annotations

import os


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
