"""The audit chain: tampering named, PostgreSQL append-only, concurrent writers, export."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, Cli, exiftool_tags

from wirefix.audit import chain as audit
from wirefix.storage import Database

WRITER = """
import sys
from datetime import UTC, datetime
from wirefix.storage import Database
db = Database(sys.argv[1])
for i in range(int(sys.argv[3])):
    db.append_audit({"path": f"/store/{sys.argv[2]}-{i}.jpg", "action": "rewrite",
                     "outcome": "ok", "operator": sys.argv[2],
                     "remediated_at": datetime.now(UTC).isoformat()})
"""


def entry(i: int) -> dict:
    return {
        "path": f"/store/p{i}.jpg",
        "action": "rewrite",
        "outcome": "ok",
        "operator": "tester@host",
        "remediated_at": datetime.now(UTC).isoformat(),
        "changes": [{"tag": "IPTC:By-line", "old": "ERIC FEFERBERG", "new": "MOHAMAD ABAZEED"}],
    }


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.ensure_schema()
    for i in range(1, 6):
        database.append_audit(entry(i))
    yield database
    database.close()


def sql(db: Database, statement: str, **params) -> None:
    from sqlalchemy import text

    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def tamperable(db: Database) -> Database:
    """What an attacker who owns the database does first: switch off the append-only
    triggers (migration 0004). Tests that tamper with the log must do the same."""
    if db.is_sqlite:
        sql(db, "DROP TRIGGER audit_entries_no_update")
        sql(db, "DROP TRIGGER audit_entries_no_delete")
    else:
        sql(db, "ALTER TABLE audit_entries DISABLE TRIGGER USER")
    return db


def tamperable_db(url: str, entries: int) -> Database:
    db = Database(url)
    db.ensure_schema()
    for i in range(1, entries + 1):
        db.append_audit(entry(i))
    return tamperable(db)


def problems(db: Database) -> str:
    report = audit.verify(db)
    assert not report.ok
    return "\n".join(report.problems)


def test_owner_who_disables_the_trigger_is_still_caught(db: Database) -> None:
    tamperable(db)
    sql(db, "DELETE FROM audit_entries WHERE seq = 2")
    assert "entry 3: expected entry 2 here; entries missing (deleted)" in problems(db)


def test_intact_chain_verifies(db: Database) -> None:
    report = audit.verify(db)
    assert report.ok and report.entries == 5


def test_edited_entry_is_named(sqlite_url: str) -> None:
    db = tamperable_db(sqlite_url, 5)
    row = db.audit_entry(3)
    forged = row.payload.replace("MOHAMAD ABAZEED", "SOMEONE ELSE")
    sql(db, "UPDATE audit_entries SET payload = :p WHERE seq = 3", p=forged)
    assert "entry 3: hash does not match its content (edited)" in problems(db)
    sql(db, "UPDATE audit_entries SET payload = :p, operator = 'x' WHERE seq = 3", p=row.payload)
    assert "entry 3: column operator differs" in problems(db)


def test_deleted_inserted_and_reordered_entries_are_named(sqlite_url: str, tmp_path) -> None:
    db = tamperable_db(sqlite_url, 6)
    sql(db, "DELETE FROM audit_entries WHERE seq = 3")
    found = problems(db)
    assert "entry 4: expected entry 3 here; entries missing (deleted)" in found
    assert "entry 4: previous hash does not match" in found

    other = tamperable_db(f"sqlite:///{tmp_path / 'other.db'}", 6)
    three, four = other.audit_entry(3), other.audit_entry(4)
    swap = (
        "UPDATE audit_entries SET payload = :p, prev_hash = :h, entry_hash = :e, path = :f "
        "WHERE seq = :s"
    )
    sql(other, swap, p=three.payload, h=three.prev_hash, e="t" * 64, f=three.path, s=4)
    sql(other, swap, p=four.payload, h=four.prev_hash, e=four.entry_hash, f=four.path, s=3)
    sql(other, "UPDATE audit_entries SET entry_hash = :e WHERE seq = 4", e=three.entry_hash)
    found = problems(other)
    assert "entry 3: seq or previous hash inside the payload disagree" in found
    assert "entry 3: previous hash does not match the entry before it" in found

    third = tamperable_db(f"sqlite:///{tmp_path / 'third.db'}", 3)
    row = third.audit_entry(3)
    sql(third, "DELETE FROM audit_entries WHERE seq = 3")  # cut from the end
    assert "chain head says 3 entries" in problems(third)
    sql(
        third,
        "INSERT INTO audit_entries (seq, path, action, outcome, operator, remediated_at, "
        "payload, prev_hash, entry_hash) VALUES (3, '/x', 'rewrite', 'ok', 'x', :t, :p, :h, :e)",
        t=row.remediated_at,
        p=row.payload.replace("p3", "p9"),
        h=row.prev_hash,
        e="f" * 64,
    )
    assert "entry 3: hash does not match" in problems(third)


def test_cli_verify_exits_non_zero_and_names_the_entry(sqlite_url: str, tmp_path) -> None:
    db = tamperable_db(sqlite_url, 3)
    cli = Cli(sqlite_url, tmp_path / "home")
    assert "audit log intact: 3 entries" in cli("audit", "verify").stdout
    sql(db, "UPDATE audit_entries SET payload = replace(payload, 'p2', 'p7') WHERE seq = 2")
    proc = cli("audit", "verify", check=1)
    assert "entry 2: hash does not match its content (edited)" in proc.stderr


def test_update_delete_and_truncate_are_rejected(db_url: str, db: Database) -> None:
    from sqlalchemy.exc import DBAPIError

    statements = [
        "UPDATE audit_entries SET operator = 'x' WHERE seq = 1",
        "DELETE FROM audit_entries WHERE seq = 5",
    ]
    if not db.is_sqlite:
        statements.append("TRUNCATE audit_entries")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            sql(db, statement)
    assert audit.verify(db).ok


def test_two_writer_processes_make_one_chain(db_url: str, db: Database) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, db_url, name, "40"], cwd=ROOT)
        for name in ("alpha", "beta")
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    report = audit.verify(db)
    assert report.ok, report.problems
    assert report.entries == 85
    operators = [r.operator for r in db.audit_entries()]
    assert operators.count("alpha") == operators.count("beta") == 40


def test_export_verifies_elsewhere_with_the_documented_code(db: Database, tmp_path: Path) -> None:
    lines = audit.export_lines(db)
    assert audit.verify_records([json.loads(line) for line in lines]).ok
    block = re.search(r"```python\n(.*?)```", (ROOT / "docs" / "audit.md").read_text(), re.S)
    assert block
    namespace: dict = {"__name__": "docs"}
    exec(block.group(1), namespace)
    head, found = namespace["verify"](lines)
    assert found == [] and head == db.audit_head()[1]
    edited = [*lines]
    edited[1] = edited[1].replace("p2.jpg", "p8.jpg")
    assert namespace["verify"](edited)[1] == ["entry 2: edited"]
    reordered = [lines[0], lines[2], lines[1], *lines[3:]]
    assert any("deleted, inserted or reordered" in p for p in namespace["verify"](reordered)[1])


def test_two_apply_processes_at_once_leave_one_valid_chain(cli, store: Path) -> None:
    daraa = store / "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
    for i in range(20):
        shutil.copy(daraa, daraa.with_name(f"copy-{i}.jpg"))
    notice = str(cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"])
    cli("scan", str(store))
    cli("match", notice)
    args = [sys.executable, "-m", "wirefix", "apply", notice, "--yes", "--json"]
    procs = [subprocess.Popen(args, env=cli.env, stdout=subprocess.PIPE) for _ in range(2)]
    outputs = [json.loads(p.communicate(timeout=300)[0]) for p in procs]
    statuses = [f["status"] for out in outputs for f in out["files"]]
    assert statuses.count("changed") == 23, statuses  # each file changed by exactly one of them
    verified = cli.json("audit", "verify")
    assert verified["ok"] is True, verified
    ok = [
        f["path"] for n in cli.json("report")["notices"] for f in n["files"] if f["outcome"] == "ok"
    ]
    assert len(ok) == len(set(ok)) == 23
    assert "FEFERBERG" not in json.dumps(
        [exiftool_tags(daraa.with_name(f"copy-{i}.jpg")) for i in range(20)]
    )
