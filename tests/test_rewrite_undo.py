"""`wirefix undo` of a rewrite restores the original bytes and is itself an audit entry."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import SAMPLES

from wirefix.storage import Database
from wirefix.storage.schema import Base

DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
RENDITION = "web/2017-02-20/daraa-car-bomb-w240.jpg"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_undo_restores_original_bytes_and_is_logged(cli, store: Path) -> None:
    notice = str(cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"])
    cli("scan", str(store))
    original = {rel: sha(store / rel) for rel in (DARAA, RENDITION)}
    applied = cli.json("apply", notice, "--yes")
    seqs = {f["path"].split("/store/")[1]: f["audit_seq"] for f in applied["files"]}
    assert sha(store / DARAA) != original[DARAA]

    undone = cli.json("undo", str(seqs[DARAA]))
    assert undone["undone"] == seqs[DARAA] and undone["action"] == "undo"
    assert sha(store / DARAA) == original[DARAA], "the original bytes, exactly"
    again = cli("undo", str(seqs[DARAA]), check=1)
    assert f"already undone by entry {undone['seq']}" in again.stderr

    # A file changed since its entry is not overwritten by an undo.
    shutil.copy(store / DARAA, store / RENDITION)
    refused = cli("undo", str(seqs[RENDITION]), check=1)
    assert "changed since entry" in refused.stderr
    assert cli("undo", "999", check=1).stderr.count("\n") == 1

    entries = cli.json("report", "--notice", notice)["notices"][0]["files"]
    undo_entry = next(e for e in entries if e["seq"] == undone["seq"])
    assert undo_entry["action"] == "undo" and undo_entry["outcome"] == "ok"
    assert undo_entry["sha256_after"] == original[DARAA]
    assert {(c["old"], c["new"]) for c in undo_entry["changes"]} >= {
        ("MOHAMAD ABAZEED", "ERIC FEFERBERG")
    }
    verified = cli.json("audit", "verify")
    assert verified["ok"] is True and verified["pending"] == []
    exported = [json.loads(line) for line in cli("audit", "export").stdout.splitlines()]
    assert [e["seq"] for e in exported] == list(range(1, len(exported) + 1))

    # The undone file is held (issue 19): applying again leaves it as the desk put it back ...
    again = cli.json("apply", notice, "--yes", check=False)
    assert DARAA not in {f["path"].split("/store/")[1] for f in again["files"]}
    assert sha(store / DARAA) == original[DARAA]
    # ... until an editor approves it: then it is corrected again.
    file_id = next(
        c["file_id"] for c in cli.json("match", notice, check=False)["candidates"]
        if c["rel_path"] == DARAA
    )
    [approved] = cli.json("review", "--approve", f"{notice}:{file_id}")
    assert approved["files"][0]["status"] == "changed"
    assert sha(store / DARAA) != original[DARAA]


@pytest.mark.empty_database  # the migrations themselves, from nothing
def test_migrations_create_exactly_the_models(db_url: str) -> None:
    db = Database(db_url)
    db.ensure_schema()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.close()
    assert diff == []
