"""Run the `wirefix` command for the tests: in this process by default, in a real one when needed.

A subprocess costs ~1 s of imports per command; in-process the command runs the same `main()`
with its own environment, cwd, argv, stdio (typer's CliRunner isolation), logging setup and
process-level state, all put back afterwards. What a process gives that this cannot (a SIGKILL
at a crash point, process pools, signals, a real stdin) runs in a subprocess: `Cli` picks one
when the command needs it, and tests marked `real_process` always get one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from pathlib import Path

#: Set by conftest for tests marked `real_process`: every Cli call of that test is a subprocess.
REAL_PROCESS = {"on": False}


class Cli:
    """The `wirefix` command as a user or a cron job runs it; same arguments, same results.

    `env` is the whole environment of each run (tests add, change and delete variables in it).
    """

    def __init__(self, db_url: str, home: Path, *, real_process: bool = False) -> None:
        self.real_process = real_process
        self.env = {
            **os.environ,
            "WIREFIX_DB_URL": db_url,
            "WIREFIX_HOME": str(home),
            "WIREFIX_BACKUP_DIR": str(home / "backups"),
            "WIREFIX_OPERATOR": "tester@wirefix-tests",
            "COLUMNS": "200",
        }

    def needs_process(self, args: tuple[str, ...]) -> str | None:
        """Why this run must be a real process, or None."""
        if self.real_process or REAL_PROCESS["on"]:
            return "asked for"
        if self.env.get("WIREFIX_CRASH_AT"):
            return "a crash point SIGKILLs the process running the command"
        if "--workers" in args:
            return "--workers tests the process pool itself"
        return None

    def __call__(self, *args: str, check: bool | int = True) -> subprocess.CompletedProcess[str]:
        run = self._subprocess if self.needs_process(args) else self._in_process
        proc = run(args)
        expected = 0 if check is True else check
        if check is not False and proc.returncode != expected:
            raise AssertionError(
                f"wirefix {' '.join(args)} exited {proc.returncode}, expected {expected}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def json(self, *args: str, check: bool | int = True) -> object:
        return json.loads(self(*args, "--json", check=check).stdout)

    def _subprocess(self, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "wirefix", *args],
            env=self.env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
            stdin=subprocess.DEVNULL,
        )

    def _in_process(self, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
        from conftest import cli_entry
        from typer.testing import CliRunner

        main = cli_entry()
        code = 0
        with _process_state(self.env, args), CliRunner().isolation() as (out, err, _):
            # CliRunner narrows click's help to 80 columns; a real run reads COLUMNS.
            import click.formatting

            click.formatting.FORCED_WIDTH = None
            try:
                main()
            except SystemExit as exc:
                code = _exit_code(exc.code)
            except BaseException:  # as an interpreter would: the traceback on stderr, exit 1
                sys.stderr.write(traceback.format_exc())
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            stdout, stderr = out.getvalue(), err.getvalue()
        return subprocess.CompletedProcess(
            ["wirefix", *args], code, stdout.decode("utf-8"), stderr.decode("utf-8", "replace")
        )


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


@contextlib.contextmanager
def _process_state(env: dict[str, str], args: tuple[str, ...]) -> Iterator[None]:
    """What a new process would start with, put back afterwards: os.environ (whole), cwd, argv,
    the `__main__` module click names the program from, logging, wirefix's process globals."""
    saved_env, cwd, argv = dict(os.environ), os.getcwd(), sys.argv
    main_module = sys.modules["__main__"]
    logs = _logging_state()
    os.environ.clear()
    os.environ.update(env)
    sys.argv = [str(Path(_wirefix_dir()) / "__main__.py"), *args]
    sys.modules["__main__"] = _as_python_m_wirefix()
    _reset_wirefix_globals()
    _size_consoles(env)
    try:
        yield
    finally:
        _reset_wirefix_globals()
        sys.modules["__main__"] = main_module
        sys.argv = argv
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        logs()


def _wirefix_dir() -> str:
    import wirefix

    return os.path.dirname(wirefix.__file__)


def _as_python_m_wirefix() -> types.ModuleType:
    """A stand-in `__main__` like `python -m wirefix` has: click's usage lines say that name."""
    module = types.ModuleType("__main__")
    module.__package__ = "wirefix"
    module.__file__ = str(Path(_wirefix_dir()) / "__main__.py")
    return module


def _logging_state() -> Callable[[], None]:
    """Snapshot of the loggers a command configures (`wirefix`, the root); returns the undo."""
    saved = [
        (lg, list(lg.handlers), lg.level, lg.propagate)
        for lg in (logging.getLogger(), logging.getLogger("wirefix"))
    ]

    def restore() -> None:
        for lg, handlers, level, propagate in saved:
            for handler in lg.handlers:
                if handler not in handlers:
                    handler.close()
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate

    return restore


def _size_consoles(env: dict[str, str]) -> None:
    """wirefix's rich consoles took their width when first imported, in whatever environment
    this process had (pytest-xdist workers have COLUMNS=80); a new process reads this COLUMNS."""
    from rich.console import Console

    columns = env.get("COLUMNS", "")
    if not columns.isdigit():
        return
    for module in _wirefix_modules():
        for value in list(vars(module).values()):
            if isinstance(value, Console):
                value.width = int(columns)


def _wirefix_modules() -> list[types.ModuleType]:
    return [m for n, m in list(sys.modules.items()) if n.startswith("wirefix.") and m is not None]


#: The module-level state a fresh process starts without, by the names that hold it: the
#: crash/hook pass counts, the queue's bound host, the rewrite pool's worker state, the scan's
#: reader ExifTool. Found in whichever module defines them, so moving a module keeps them reset.
STATE = ("crash_point passes", "jobs host", "rewrite worker", "reader exiftool")


def process_globals() -> dict[str, Callable[[], None]]:
    """How to reset each piece of STATE held by an imported wirefix module."""
    found: dict[str, Callable[[], None]] = {}
    for module in _wirefix_modules():
        ns = vars(module)

        def own(name: str, ns: dict = ns, module: types.ModuleType = module) -> bool:
            return getattr(ns.get(name), "__module__", None) == module.__name__

        if own("crash_point") and isinstance(ns.get("_passes"), dict):
            found["crash_point passes"] = ns["_passes"].clear
        if own("bind_host") and "_host" in ns:
            found["jobs host"] = lambda bind=ns["bind_host"]: bind(None)
        if own("_worker_start") and isinstance(ns.get("_worker"), dict):
            found["rewrite worker"] = ns["_worker"].clear
        if own("close_worker_exiftool"):
            found["reader exiftool"] = ns["close_worker_exiftool"]
    return found


def _reset_wirefix_globals() -> None:
    for reset in process_globals().values():
        reset()
