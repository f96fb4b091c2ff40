"""Shared fixtures: real ExifTool, real SQLite and, when WIREFIX_TEST_PG_URL is set, PostgreSQL.

Nothing is mocked. Each PostgreSQL test gets a database of its own, created and dropped here.
The `wirefix` command runs in-process unless a test needs a real process (clirun.py).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import clirun
import pytest
from clirun import Cli

__all__ = ["CORPUS", "PG_URL", "ROOT", "SAMPLES", "Cli", "exiftool_tags"]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
PG_URL = os.environ.get("WIREFIX_TEST_PG_URL")


def _pg_admin(sql: str) -> None:
    import psycopg

    assert PG_URL
    with psycopg.connect(
        PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(sql)


def pg_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of `template`, or empty) for one test, then dropped."""
    assert PG_URL
    name = f"wirefix_test_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """One PostgreSQL database migrated to head per test process, which each test's database
    copies (CREATE DATABASE .. TEMPLATE, a file copy): running all migrations took seconds."""
    if not PG_URL:
        pytest.skip("WIREFIX_TEST_PG_URL is not set")
    from wirefix.storage import Database

    name = f"wirefix_template_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        db = Database(f"{PG_URL.rsplit('/', 1)[0]}/{name}")
        db.ensure_schema()
        db.close()  # a template takes no copies while anyone is connected to it
        yield name
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database of each kind: SQLite empty; PostgreSQL already migrated to head (a copy of
    the session's template), or empty for tests marked `empty_database` (migrations' own)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'wirefix.db'}"
        return
    if not PG_URL:
        pytest.skip("WIREFIX_TEST_PG_URL is not set")
    empty = request.node.get_closest_marker("empty_database") is not None
    yield from pg_database(None if empty else request.getfixturevalue("pg_template"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wirefix.db'}"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A private copy of the bundled sample media store."""
    target = tmp_path / "store"
    shutil.copytree(SAMPLES / "store", target)
    return target


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        # On a developer's machine without ../shared the corpus tests are skipped, saying so;
        # in CI a missing corpus is a failure, never a silent pass.
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the real-file corpus at {CORPUS}")
        pytest.skip(f"real-file corpus not found at {CORPUS}")
    return CORPUS


def cli_entry() -> Callable[[], None]:
    """The `wirefix` command's entry point (pyproject's [project.scripts]), which the in-process
    `Cli` calls: the one line to repoint when the CLI's modules move."""
    from wirefix.cli.main import main

    return main


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`-n N --dist loadfile` (scripts/test.sh): each test file stays on one worker, so its
    module-scoped fixtures (corpus writes, a prepared crash world) are built once, and the
    `test_online_*` files share one worker, so one WordPress and Varnish serve them all.
    (xdist's own `loadgroup` marks do not reach its scheduler under pytest 9.2.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesOnlineTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "online" if Path(path).name.startswith("test_online_") else path

    return FilesOnlineTogether(config, log)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _real_process_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests marked `real_process` run every `Cli` command in a subprocess (clirun.py)."""
    clirun.REAL_PROCESS["on"] = request.node.get_closest_marker("real_process") is not None
    yield
    clirun.REAL_PROCESS["on"] = False


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    return Cli(db_url, tmp_path / "home")


_EXIFTOOL: list[object] = []


def exiftool_tags(path: Path) -> dict:
    """Everything ExifTool reads from a file (-a -G1), as its JSON gives it.

    One `-stay_open` ExifTool (pyexiftool, no common arguments: the same output as `exiftool -j
    -a -G1 FILE`) serves every call of this test process; starting one per call cost ~0.2 s.
    """
    if not _EXIFTOOL:
        import exiftool

        et = exiftool.ExifTool(common_args=[])
        et.run()
        atexit.register(et.terminate)
        _EXIFTOOL.append(et)
    et = _EXIFTOOL[0]
    args = ["-j", "-a", "-G1", str(path)]
    out = et.execute(*args)  # type: ignore[attr-defined]
    if et.last_status:  # type: ignore[attr-defined]  # as `subprocess.run(check=True)` did
        raise subprocess.CalledProcessError(et.last_status, ["exiftool", *args], out)  # type: ignore[attr-defined]
    return json.loads(out)[0]


@pytest.fixture(scope="session")
def wordpress_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real WordPress + Varnish for the whole session (tests/wpsite.py)."""
    import wpsite

    yield from wpsite.start(tmp_path_factory.mktemp("wordpress"))


@pytest.fixture
def wordpress(wordpress_server: object) -> object:
    """The session's WordPress, emptied of posts and media for this test."""
    wordpress_server.empty()  # type: ignore[attr-defined]
    return wordpress_server
