"""The database layer on SQLite and PostgreSQL: migrations, dedupe, and the audit chain."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from wirefix import audit
from wirefix.model import Event, Notice, RewriteResult
from wirefix.storage import Database, DatabaseError
from wirefix.storage.schema import Base


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


def test_migrations_create_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


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


def entry(db: Database, n: int) -> None:
    result = RewriteResult(
        path=f"/store/{n}.jpg",
        action="rewrite",
        outcome="ok",
        changes=[],
        sha256_before="a" * 64,
        sha256_after="b" * 64,
        image_hash_before="c",
        image_hash_after="c",
        image_hash_method="jpeg-segments-v1",
    )
    ctx = audit.AuditContext(operator="tester@host", exiftool_version="12.57")
    audit.record(db, ctx, result, "store", f"{n}.jpg")


def test_chain_verifies_and_names_an_edited_entry(db: Database) -> None:
    for n in range(4):
        entry(db, n)
    assert audit.verify(db).ok
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE audit_entries SET payload = replace(payload, '2.jpg', '9.jpg') "
                "WHERE seq = 3"
            )
        )
    report = audit.verify(db)
    assert not report.ok
    assert any(p.startswith("entry 3:") for p in report.problems)


def test_chain_names_a_deleted_entry(db: Database) -> None:
    for n in range(3):
        entry(db, n)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    report = audit.verify(db)
    assert not report.ok
    assert any("entry 3" in p for p in report.problems)
