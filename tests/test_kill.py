"""Kills through the real CLI: quarantine, undo of a quarantine, purge of every copy (issue 5)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import SAMPLES

DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
RENDITION = "web/2017-02-20/daraa-car-bomb-w240.jpg"
RESENT = "incoming/afp/SYRIA-CONFLICT-000_NG3LP-CORRECTION.jpg"
KILLED = {DARAA, RENDITION, RESENT}
KILL_TEXT = (
    "MANDATORY KILL - Smoke billows following a reported car bomb explosion in the rebel-held "
    "area of the southern Syrian city of Daraa on February 20, 2017. / AFP / ERIC FEFERBERG. "
    "This photo 000_NG3LP has been withdrawn from AFP systems. Please immediately remove it "
    "from all your online services and delete it from your servers.\n"
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(store: Path) -> dict[str, str]:
    return {str(p.relative_to(store)): sha(p) for p in sorted(store.rglob("*")) if p.is_file()}


def ingest_kill(cli, tmp_path: Path) -> str:
    notice = tmp_path / "kill.txt"
    notice.write_text(KILL_TEXT, encoding="utf-8")
    [stored] = cli.json("ingest", str(notice))
    assert stored["kind"] == "kill"
    return str(stored["id"])


def test_kill_quarantines_photo_renditions_and_exiftool_originals_and_undo_restores(
    cli, store: Path, tmp_path: Path
) -> None:
    original = store / (DARAA + "_original")
    original.write_bytes((store / DARAA).read_bytes())  # what ExifTool leaves after an edit
    notice = ingest_kill(cli, tmp_path)
    cli("scan", str(store))
    before = snapshot(store)
    quarantine = tmp_path / "q"

    plan = cli.json("apply", notice, "--dry-run", "--quarantine-dir", str(quarantine))
    assert {f["status"] for f in plan["files"]} == {"planned"}
    assert snapshot(store) == before

    done = cli.json("apply", notice, "--yes", "--quarantine-dir", str(quarantine))
    assert {f["path"].split("/store/")[1]: f["status"] for f in done["files"]} == {
        rel: "changed" for rel in KILLED
    }
    after = snapshot(store)
    gone = {rel for rel in before if rel not in after}
    assert gone == KILLED | {DARAA + "_original"}
    assert all(after[rel] == before[rel] for rel in after), "nothing else may change"
    moved = {
        str(p.relative_to(quarantine / f"notice-{notice}" / "store")): sha(p)
        for p in quarantine.rglob("*")
        if p.is_file()
    }
    assert moved == {rel: before[rel] for rel in gone}

    entries = cli.json("report", "--notice", notice)["notices"][0]["files"]
    assert {e["action"] for e in entries} == {"kill"} and len(entries) == 3
    assert (
        cli.json("apply", notice, "--yes", "--quarantine-dir", str(quarantine))["files"][0][
            "status"
        ]
        == "already-correct"
    )

    for seq in sorted(e["seq"] for e in entries):
        undone = cli.json("undo", str(seq))
        assert undone["undone"] == seq
    assert snapshot(store) == before
    again = cli("undo", str(entries[0]["seq"]), check=1)
    assert "already undone" in again.stderr
    assert cli.json("audit", "verify")["ok"] is True


def test_purge_deletes_every_copy_and_keeps_only_hashes(cli, store: Path, tmp_path: Path) -> None:
    correction = cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))
    cli("scan", str(store))
    fixed = cli.json("apply", str(correction[0]["id"]), "--yes")
    backups = Path(cli.env["WIREFIX_BACKUP_DIR"])
    backed_up = {f["sha256_before"] for f in fixed["files"]}

    def backup_files() -> set[str]:  # the per-file lock files live in .locks beside them
        return {p.name for p in backups.rglob("*") if p.is_file() and ".locks" not in p.parts}

    assert backup_files() == backed_up
    (store / (RESENT + "_original")).write_bytes(b"old bytes ExifTool kept")

    notice = ingest_kill(cli, tmp_path)
    cli("scan", str(store))
    cli("match", notice, check=False)  # 0, or 3 when look-alikes wait for review
    purged = cli.json("apply", notice, "--yes", "--purge")
    assert {f["status"] for f in purged["files"]} == {"changed"}
    left = snapshot(store)
    assert not KILLED & set(left) and RESENT + "_original" not in left
    assert not backup_files(), "wirefix's backups must go too"

    entries = [
        f
        for f in cli.json("report", "--notice", notice)["notices"][0]["files"]
        if f["action"] == "kill"
    ]
    assert len(entries) == 3
    exported = cli("audit", "export").stdout
    for digest in backed_up:
        assert digest in exported, "a purged backup stays in the log as its hash"
    refused = cli("undo", str(entries[0]["seq"]), check=1)
    assert "purged" in refused.stderr
    assert cli.json("audit", "verify")["ok"] is True


# Real processes: the next run finishes the half kill only once the run that journaled it is
# gone, which it tells by pid (`journal.alive`); in-process every run has the same pid.
@pytest.mark.real_process
def test_a_kill_that_fails_half_way_says_what_was_taken_out(
    cli, store: Path, tmp_path: Path
) -> None:
    (store / (DARAA + "_original")).write_bytes(b"ExifTool's copy")
    notice = ingest_kill(cli, tmp_path)
    cli("scan", str(store))
    quarantine = tmp_path / "q"
    blocker = quarantine / f"notice-{notice}" / "store" / (DARAA + "_original")
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"something else")
    done = cli.json("apply", notice, "--yes", "--quarantine-dir", str(quarantine), check=1)
    daraa = next(f for f in done["files"] if f["path"].endswith(DARAA))
    assert daraa["status"] == "failed"
    assert "already exists with other content" in daraa["message"]
    assert f"already taken out: {store / DARAA}" in daraa["message"]
    assert (store / (DARAA + "_original")).exists(), "the blocked copy stays where it was"
    assert cli.json("audit", "verify", check=3)["pending"], "the rest of the kill is still to do"

    blocker.unlink()  # an operator clears the obstacle; the next run finishes the kill
    cli("apply", notice, "--yes", "--quarantine-dir", str(quarantine))
    assert not (store / (DARAA + "_original")).exists() and blocker.exists()
    verified = cli.json("audit", "verify")
    assert verified["ok"] is True and verified["pending"] == []
    kills = [
        f
        for f in cli.json("report", "--notice", notice)["notices"][0]["files"]
        if f["path"].endswith(DARAA)
    ]
    assert [k["outcome"] for k in kills] == ["failed", "ok"]
