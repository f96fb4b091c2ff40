"""Shared fixtures: real ExifTool, real SQLite and, when WIREFIX_TEST_PG_URL is set, PostgreSQL.

Nothing is mocked. Each PostgreSQL test gets a database of its own, created and dropped here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
PG_URL = os.environ.get("WIREFIX_TEST_PG_URL")


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(sql)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'wirefix.db'}"
        return
    if not PG_URL:
        pytest.skip("WIREFIX_TEST_PG_URL is not set")
    name = f"wirefix_test_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


class Cli:
    """Runs the real `wirefix` command in a subprocess, as a user or a cron job would."""

    def __init__(self, db_url: str, home: Path) -> None:
        self.env = {
            **os.environ,
            "WIREFIX_DB_URL": db_url,
            "WIREFIX_HOME": str(home),
            "WIREFIX_BACKUP_DIR": str(home / "backups"),
            "WIREFIX_OPERATOR": "tester@wirefix-tests",
            "COLUMNS": "200",
        }

    def __call__(self, *args: str, check: bool | int = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "wirefix", *args],
            env=self.env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        expected = 0 if check is True else check
        if check is not False and proc.returncode != expected:
            raise AssertionError(
                f"wirefix {' '.join(args)} exited {proc.returncode}, expected {expected}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def json(self, *args: str, check: bool | int = True) -> object:
        return json.loads(self(*args, "--json", check=check).stdout)


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    return Cli(db_url, tmp_path / "home")


def exiftool_tags(path: Path) -> dict:
    """Everything ExifTool reads from a file (-a -G1), as its JSON gives it."""
    out = subprocess.run(
        ["exiftool", "-j", "-a", "-G1", str(path)], capture_output=True, check=True
    ).stdout
    return json.loads(out.decode("utf-8"))[0]


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
