"""The migrations build exactly the models, and 0002 upgrades an index written under 0001."""

from __future__ import annotations

from pathlib import Path

import pytest
import storegen
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import Cli

from wirefix.storage import Database
from wirefix.storage.database import SCHEMA_HEAD
from wirefix.storage.migrate import head_revision
from wirefix.storage.schema import Base


def test_the_schema_head_constant_is_alembics_head() -> None:
    """`ensure_schema` trusts SCHEMA_HEAD without loading Alembic (issue 18)."""
    assert head_revision() == SCHEMA_HEAD


def test_ensure_schema_still_refuses_an_out_of_date_database(sqlite_url: str) -> None:
    import pytest

    from wirefix.storage import DatabaseError

    db = Database(sqlite_url)
    try:
        db.upgrade("0007")
        with pytest.raises(DatabaseError, match="schema is at 0007, this wirefix needs 0008"):
            db.ensure_schema()
        db.upgrade()
        db.ensure_schema()
    finally:
        db.close()


@pytest.mark.empty_database  # the migrations themselves, from nothing
def test_migrations_match_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        db.upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        db.close()


def test_0002_upgrades_an_index_from_0001(sqlite_url: str, tmp_path: Path) -> None:
    db = Database(sqlite_url)
    db.upgrade("0001")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO store_roots (name, path) VALUES ('store', '/x')")
        conn.exec_driver_sql(
            "INSERT INTO files (root, rel_path, size, mtime_ns, inode, state, fields, indexed_at)"
            " VALUES ('store', 'a/b/c.jpg', 10, 1, 1, 'indexed', '{}', '2026-11-25 00:00:00')"
        )
    db.upgrade()
    with db.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT dir, size FROM files").one()
    db.close()
    assert tuple(row) == ("a/b", -1), "kept, and re-read by the next scan to fill its keys"
    store = tmp_path / "store"
    storegen.news_photo(store / "a" / "b" / "c.jpg", byline="ANN", ref="000_X")
    cli = Cli(sqlite_url, tmp_path / "home")
    assert cli.json("scan", str(store))["changed"] == 1
    db = Database(sqlite_url)
    assert db.candidate_files([("id", "000_x")])[0].rel_path == "a/b/c.jpg"
    db.close()


@pytest.mark.empty_database  # the migrations themselves, from nothing
def test_0006_gives_stored_notices_their_distributors(db_url: str) -> None:
    import json

    from sqlalchemy import text

    db = Database(db_url)
    db.upgrade("0005")
    with db.engine.begin() as conn:
        for n, data in enumerate([{"distributors": ["Getty Images"]}, {}], start=1):
            conn.execute(
                text(
                    "INSERT INTO notices (id, content_hash, agency, kind, status, source,"
                    " received_at, data) VALUES (:id, :hash, 'AFP', 'correction', 'parsed', 's',"
                    " '2026-11-25 00:00:00', :data)"
                ),
                {"id": n, "hash": str(n) * 64, "data": json.dumps(data)},
            )
    db.upgrade()
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, distributors FROM notices ORDER BY id").all()
    db.close()
    got = [(r[0], json.loads(r[1]) if isinstance(r[1], str) else r[1]) for r in rows]
    assert got == [(1, ["Getty Images"]), (2, [])]


def test_an_up_to_date_database_is_checked_without_loading_alembic(sqlite_url: str) -> None:
    import subprocess
    import sys

    db = Database(sqlite_url)
    db.upgrade()
    db.close()
    code = (
        "import sys; from wirefix.storage import Database; d = Database(sys.argv[1]); "
        "d.ensure_schema(); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code, sqlite_url], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
