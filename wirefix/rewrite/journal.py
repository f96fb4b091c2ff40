"""Intents between a file change and its audit entry, and recovery from a run that died between.

A change to a file (replace, move, delete) and the insert of its audit entry cannot be one atomic
step. So the entry's payload is stored as an intent first (committed, fsynced), then the file is
changed, then the entry is appended in the same transaction that deletes the intent. A run killed
in between leaves an intent; `reconcile` (run at the start of `apply`, `undo` and by `audit
verify --repair`) looks at the file and either logs the change that happened, drops the intent of
a change that did not, or finishes a kill that was under way. So there is never a changed file
without an audit entry once any later run has started.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

_passes: dict[str, int] = {}


def crash_point(name: str, path: str | None = None) -> None:
    """Fault injection for the tests, at named points of a run. Unset in production, where it
    costs two dict lookups.

    - WIREFIX_CRASH_AT=NAME:N SIGKILLs this process the N-th time it passes NAME, so a test can
      stop a run exactly between a file change and its audit entry;
    - WIREFIX_HOOK_AT=NAME:N runs the command WIREFIX_HOOK_RUN (split like a shell would) the
      N-th time this process passes NAME and waits for it, with WIREFIX_HOOK_PATH set to the
      file at hand: another program's edit lands at an exact moment, not a timed one.
    """
    crash, hook = os.environ.get("WIREFIX_CRASH_AT"), os.environ.get("WIREFIX_HOOK_AT")
    if not crash and not hook:
        return
    passes = _passes[name] = _passes.get(name, 0) + 1
    point, _, count = (crash or "").partition(":")
    if point == name and passes >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
    point, _, count = (hook or "").partition(":")
    if point == name and passes == int(count or 1):
        env = dict(os.environ, WIREFIX_HOOK_PATH=path or "")
        subprocess.run(shlex.split(os.environ["WIREFIX_HOOK_RUN"]), env=env, check=True)


def owner() -> dict[str, Any]:
    """Who holds an intent: host, pid and the process start time (so a reused pid is not us)."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _start_time(os.getpid())}


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def alive(run: dict[str, Any]) -> bool:
    """Whether the run `owner()` described may still be running (another host's always may)."""
    if run.get("host") != socket.gethostname():
        return True  # another host's run: only it (or an operator) can tell
    pid = int(run.get("pid", 0))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return run.get("start") is None or _start_time(pid) == run.get("start")
