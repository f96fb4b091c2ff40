"""The database layer on SQLite and PostgreSQL: notice dedupe and schema version checks."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from wirefix.model import Event, Notice
from wirefix.storage import Database, DatabaseError


def make_notice(words: str = "CORRECTION - x") -> Notice:
    return Notice(
        agency="AFP",
        kind="correction",
        language="en",
        corrections=[],
        identifiers={},
        event=Event(),
        photographer=None,
        urgency=None,
        status="parsed",
        text=words,
        source="test",
        source_kind="text",
    )


@pytest.fixture
def db(db_url: str) -> Database:
    database = Database(db_url)
    database.ensure_schema()
    yield database
    database.close()


def test_same_notice_words_are_stored_once(db: Database) -> None:
    first, new1 = db.add_notice(make_notice("CORRECTION -  some   words"))
    second, new2 = db.add_notice(make_notice("correction - some words"))
    assert (new1, new2) == (True, False)
    assert first == second


def test_out_of_date_schema_is_refused(db_url: str) -> None:
    database = Database(db_url)
    database.upgrade()
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    with pytest.raises(DatabaseError, match="wirefix db upgrade"):
        database.ensure_schema()
    database.close()
