"""The migrations build exactly the models, and 0002 upgrades an index written under 0001."""

from __future__ import annotations

from pathlib import Path

import storegen
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import Cli

from wirefix.storage import Database
from wirefix.storage.schema import Base


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
