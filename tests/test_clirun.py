"""The tests' in-process `wirefix` (tests/clirun.py) answers as the real command does and leaves
this process as it found it."""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
from pathlib import Path

import clirun
from conftest import SAMPLES, Cli

import wirefix

NOTICE = SAMPLES / "notices" / "afp-daraa-correction.txt"


def test_every_piece_of_process_state_is_found_wherever_it_lives() -> None:
    for info in pkgutil.walk_packages(wirefix.__path__, "wirefix."):
        if info.name != "wirefix.__main__":  # that one runs the command
            importlib.import_module(info.name)
    assert set(clirun.process_globals()) == set(clirun.STATE)


def test_in_process_and_real_runs_answer_the_same(sqlite_url: str, tmp_path: Path) -> None:
    inside = Cli(sqlite_url, tmp_path / "home")
    real = Cli(sqlite_url, tmp_path / "home", real_process=True)
    for args, code in (
        (["--version"], 0),
        (["ingest", str(NOTICE)], 0),
        (["match", "999"], 1),
        (["apply", "1", "--bogus"], 2),
    ):
        a, b = inside(*args, check=code), real(*args, check=code)
        if args[0] == "ingest":  # the second run finds the notice stored
            continue
        assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr), args


def test_a_run_leaves_this_process_as_it_was(sqlite_url: str, tmp_path: Path) -> None:
    config = tmp_path / "wirefix.toml"
    config.write_text("", encoding="utf-8")
    env, cwd = dict(os.environ), os.getcwd()
    handlers = list(logging.getLogger("wirefix").handlers)
    cli = Cli(sqlite_url, tmp_path / "home")
    cli.env["WIREFIX_ONLY_IN_THE_RUN"] = "1"
    # `ingest --config` passes the file on through os.environ (wirefix.cli.app._use_config).
    cli("ingest", "--config", str(config), str(NOTICE))
    cli("run", "--log-format", "json", check=False)  # sets up logging handlers
    assert dict(os.environ) == env
    assert os.getcwd() == cwd
    assert logging.getLogger("wirefix").handlers == handlers
