"""`apply` in batches, in parallel worker processes, by the fast way or the full way: the same
files end with the same bytes and one audit entry each, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from conftest import SAMPLES, Cli

from wirefix.flows.batch import BATCH_SIZE

DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
COPIES = 2 * BATCH_SIZE + 5  # three batches, the last one short


def _store(base: Path) -> Path:
    store = base / "store"
    shutil.copytree(SAMPLES / "store", store)
    for i in range(COPIES):
        shutil.copy(store / DARAA, store / DARAA.replace(".jpg", f"-copy{i:02d}.jpg"))
    return store


def _prepare(cli: Cli, store: Path) -> str:
    notice = str(cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"])
    cli("scan", str(store))
    cli("match", notice, check=False)
    return notice


def _hashes(store: Path) -> dict[str, str]:
    return {
        str(p.relative_to(store)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(store.rglob("*.jpg"))
    }


def test_workers_and_both_ways_agree(db_url: str, tmp_path: Path) -> None:
    results = {}
    for label, extra in (("parallel", ["--workers", "2"]), ("full", ["--full-verify"])):
        cli = Cli(
            db_url if label == "parallel" else f"sqlite:///{tmp_path / label}.db",
            tmp_path / label / "home",
        )
        store = _store(tmp_path / label)
        before = _hashes(store)
        notice = _prepare(cli, store)
        out = cli.json("apply", notice, "--yes", *extra)
        changed = [f for f in out["files"] if f["status"] == "changed"]
        assert len(changed) == COPIES + 3, [f["status"] for f in out["files"]]
        verified = cli.json("audit", "verify")
        assert verified["ok"] is True and verified["entries"] == COPIES + 3
        entries = [json.loads(line) for line in cli("audit", "export").stdout.splitlines()]
        paths = [json.loads(e["payload"])["path"] for e in entries]
        assert len(paths) == len(set(paths)), "one entry per file"
        writers = {json.loads(e["payload"])["writer"] for e in entries}
        after = _hashes(store)
        untouched = {rel for rel in before if before[rel] == after[rel]}
        assert len(untouched) == len(before) - (COPIES + 3)
        results[label] = (after, writers)
        again = cli.json("apply", notice, "--yes", *extra)
        assert {f["status"] for f in again["files"]} == {"already-correct"}
    assert results["parallel"][0] == results["full"][0], "both ways write the same bytes"
    assert results["parallel"][1] == {"wirefix-jpeg"}
