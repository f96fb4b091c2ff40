"""The servers' leftovers (issue 16 item 5): backups and quarantined copies expire by the
retention policy or at once for a kill, unless a legal hold keeps them; ExifTool `_original`
files and stray temporaries under the store roots are found and removed. Every purge, hold and
removal is an audit entry, and the chain still verifies after all of it.

Real files, real ExifTool, real database; the clock is passed in (`now`), never slept on.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import SAMPLES

from wirefix.rewrite import purge
from wirefix.rewrite.retention import Policy
from wirefix.rewrite.safety import file_lock
from wirefix.storage import Database

DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
RENDITION = "web/2017-02-20/daraa-car-bomb-w240.jpg"
KILL_TEXT = (
    "MANDATORY KILL - Smoke billows following a reported car bomb explosion in the rebel-held "
    "area of the southern Syrian city of Daraa on February 20, 2017. / AFP / ERIC FEFERBERG. "
    "This photo 000_NG3LP has been withdrawn from AFP systems. Please immediately remove it "
    "from all your online services and delete it from your servers.\n"
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def backups_of(cli) -> Path:
    return Path(cli.env["WIREFIX_BACKUP_DIR"])


def backup_files(cli) -> set[str]:
    root = backups_of(cli)
    return {p.name for p in root.rglob("*") if p.is_file() and ".locks" not in p.parts}


def corrected(cli, store: Path) -> tuple[str, dict[str, int], dict[str, str]]:
    """The AFP Daraa correction applied: (notice, entry per file, sha256 before per file)."""
    notice = str(cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"])
    cli("scan", str(store))
    applied = cli.json("apply", notice, "--yes")
    seqs = {f["path"].split("/store/")[1]: f["audit_seq"] for f in applied["files"]}
    before = {f["path"].split("/store/")[1]: f["sha256_before"] for f in applied["files"]}
    assert set(seqs) >= {DARAA, RENDITION} and backup_files(cli) == set(before.values())
    return notice, seqs, before


def ingest_kill(cli, tmp_path: Path) -> str:
    text = tmp_path / "kill.txt"
    text.write_text(KILL_TEXT, encoding="utf-8")
    return str(cli.json("ingest", str(text))[0]["id"])


def entries(cli) -> list[dict]:
    lines = cli("audit", "export").stdout.splitlines()
    return [json.loads(json.loads(line)["payload"]) for line in lines]


def prune(cli, days: int, now: datetime) -> purge.PruneResult:
    db = Database(cli.env["WIREFIX_DB_URL"])
    try:
        return purge.prune(db, Policy(days, backups_of(cli)), "tester@clock", now=now)
    finally:
        db.close()


def test_backups_expire_after_the_retention_window_and_undo_names_the_purge(
    cli, store: Path
) -> None:
    _, seqs, before = corrected(cli, store)
    now = datetime.now(UTC)

    assert not prune(cli, 30, now + timedelta(days=29)).purged, "inside the window: kept"
    assert backup_files(cli) == set(before.values())
    planned = cli.json("backups", "prune", "--dry-run")
    assert planned["would_purge"] == [] and planned["kept"] == len(before)

    done = prune(cli, 30, now + timedelta(days=31))
    assert {c.sha256 for c in done.purged} == set(before.values())
    assert backup_files(cli) == set(), "the original bytes, erroneous mention included, are gone"
    [seq] = done.entries
    [entry] = [e for e in entries(cli) if e["seq"] == seq]
    assert entry["action"] == "purge" and entry["purge_reason"] == "retention"
    assert {s["sha256"] for s in entry["steps"]} == set(before.values())
    assert {p.split("/store/")[1] for s in entry["steps"] for p in s["backed_up"]} == set(before)

    refused = cli("undo", str(seqs[DARAA]), check=1)
    assert f"purged by audit entry {seq} (retention" in refused.stderr
    assert refused.stderr.strip().count("\n") == 0, "one line"
    status = cli.json("status")
    assert status["backups"]["purged"] == len(before) and status["backups"]["expired"] == 0
    assert cli.json("report")["backups"]["purged"] == len(before)
    assert cli.json("audit", "verify")["ok"] is True


def test_zero_days_purges_at_the_end_of_the_run_through_the_cli(cli, store: Path) -> None:
    _, _, before = corrected(cli, store)
    cli.env["WIREFIX_BACKUP_RETENTION_DAYS"] = "0"
    planned = cli.json("backups", "prune", "--dry-run")
    assert {c["sha256"] for c in planned["would_purge"]} == set(before.values())
    assert backup_files(cli) == set(before.values()), "a dry run deletes nothing"
    assert cli.json("status")["backups"]["expired"] == len(before)
    done = cli.json("backups", "prune")
    assert {c["sha256"] for c in done["purged"]} == set(before.values()) and done["entries"]
    assert backup_files(cli) == set()
    cli.env["WIREFIX_BACKUP_RETENTION_DAYS"] = "-1"
    bad = cli("backups", "prune", check=2)
    assert "backup_retention_days" in bad.stderr


def test_a_legal_hold_keeps_backups_until_released(cli, store: Path) -> None:
    notice, _, before = corrected(cli, store)
    held = cli.json("hold", notice, "--reason", "case 2026-114")
    assert held["hold"]["notice"] == int(notice) and held["hold"]["reason"] == "case 2026-114"
    assert "already on hold" in cli("hold", notice).stdout
    later = datetime.now(UTC) + timedelta(days=400)

    assert not prune(cli, 30, later).purged, "a hold outlasts the retention window"
    assert backup_files(cli) == set(before.values())
    status = cli.json("status")["backups"]
    assert status["held"] == len(before) and [h["entry"] for h in status["holds"]] == [
        held["entry"]
    ]
    assert cli("hold", "--release", "999", check=1).stderr.count("\n") == 1

    released = cli.json("hold", "--release", notice)
    assert released["released"] is True
    assert cli("hold", "--release", notice, check=1).stderr.count("is in force") == 1
    assert {c.sha256 for c in prune(cli, 30, later).purged} == set(before.values())
    log = entries(cli)
    assert [e["action"] for e in log if e["action"] in ("hold", "release")] == ["hold", "release"]
    assert cli.json("audit", "verify")["ok"] is True


def test_a_kill_purges_the_photos_backups_at_once_and_its_undo_says_so(
    cli, store: Path, tmp_path: Path
) -> None:
    _, seqs, before = corrected(cli, store)
    kill = ingest_kill(cli, tmp_path)
    cli("scan", str(store))
    cli("match", kill, check=False)
    quarantine = tmp_path / "q"
    done = cli.json("apply", kill, "--yes", "--quarantine-dir", str(quarantine))
    killed = {f["path"].split("/store/")[1] for f in done["files"] if f["status"] == "changed"}
    assert DARAA in killed
    left = backup_files(cli)
    assert before[DARAA] not in left, "the killed photo's backup went with the kill"
    assert left == {before[rel] for rel in before if rel not in killed}

    log = entries(cli)
    kill_seq = next(e["seq"] for e in log if e["action"] == "kill" and e["path"].endswith(DARAA))
    [purged] = [e for e in log if e["action"] == "purge" and e.get("kill_entry") == kill_seq]
    assert purged["purge_reason"] == "kill" and purged["notice_id"] == int(kill)
    assert [s["sha256"] for s in purged["steps"]] == [before[DARAA]], "the hash is kept"

    restored = cli("undo", str(kill_seq))
    assert f"purged by audit entry {purged['seq']} when it was killed" in restored.stderr
    assert (store / DARAA).is_file()
    refused = cli("undo", str(seqs[DARAA]), check=1)
    assert f"purged by audit entry {purged['seq']} (kill" in refused.stderr
    assert cli.json("audit", "verify")["ok"] is True


def test_a_hold_keeps_a_killed_photos_backups_and_quarantine(
    cli, store: Path, tmp_path: Path
) -> None:
    _, _, before = corrected(cli, store)
    kill = ingest_kill(cli, tmp_path)
    cli("hold", kill)
    cli("scan", str(store))
    cli("match", kill, check=False)
    quarantine = tmp_path / "q"
    cli.json("apply", kill, "--yes", "--quarantine-dir", str(quarantine))
    assert before[DARAA] in backup_files(cli), "held: kept through the kill"
    assert not prune(cli, 30, datetime.now(UTC) + timedelta(days=90)).purged
    assert any(quarantine.rglob("*.jpg"))

    cli("hold", "--release", kill)
    # Released: the kill rule takes the backups at the next prune, inside the window or not.
    gone = prune(cli, 30, datetime.now(UTC))
    assert before[DARAA] in {c.sha256 for c in gone.purged if c.reason == "kill"}
    assert any(quarantine.rglob("*.jpg")), "the quarantine waits for its window"
    assert cli.json("audit", "verify")["ok"] is True


def test_quarantined_copies_expire_and_the_kills_undo_names_the_purge(
    cli, store: Path, tmp_path: Path
) -> None:
    kill = ingest_kill(cli, tmp_path)
    cli("scan", str(store))
    cli("match", kill, check=False)
    quarantine = tmp_path / "q"
    cli.json("apply", kill, "--yes", "--quarantine-dir", str(quarantine))
    copies = sorted(p for p in quarantine.rglob("*") if p.is_file())
    assert copies
    assert not prune(cli, 30, datetime.now(UTC) + timedelta(days=29)).purged

    done = prune(cli, 30, datetime.now(UTC) + timedelta(days=31))
    assert {c.location for c in done.purged} == {str(p) for p in copies}
    assert not [p for p in quarantine.rglob("*") if p.is_file()]
    kill_seq = next(e["seq"] for e in entries(cli) if e["action"] == "kill")
    refused = cli("undo", str(kill_seq), check=1)
    assert f"purged by audit entry {done.entries[0]} (retention" in refused.stderr
    assert cli.json("audit", "verify")["ok"] is True


def test_exiftool_originals_and_stray_temporaries_are_found_and_removed_and_logged(
    cli, store: Path
) -> None:
    photo = store / DARAA
    # Plain ExifTool (no -overwrite_original) leaves FILE_original: the old bytes.
    subprocess.run(["exiftool", "-q", "-Artist=x", str(photo)], check=True)
    exif_original = store / (DARAA + "_original")
    assert exif_original.is_file()
    # Users' files that only look like it: no main file, or not ExifTool's name at all.
    orphan = store / "afp/notes.jpg_original"
    shutil.copy(SAMPLES / "store" / DARAA, orphan)
    holiday = store / "afp/holiday_original.jpg"
    shutil.copy(SAMPLES / "store" / DARAA, holiday)
    # A temporary of a run that died, and one a live run is writing (it holds the lock).
    dead = photo.with_name(f".wirefix-{uuid.uuid4().hex}.{photo.name}")
    dead.write_bytes(b"half a photo")
    rendition = store / RENDITION
    live = rendition.with_name(f".wirefix-{uuid.uuid4().hex}.{rendition.name}")
    live.write_bytes(b"being written")

    scanned = cli.json("scan", str(store))
    assert {x["path"] for x in scanned["leftovers"]} == {str(exif_original), str(dead), str(live)}
    assert "leftover(s) under the store roots" in cli("scan", str(store)).stderr

    cli.env["WIREFIX_STORE_ROOTS"] = f"store={store}"
    planned = cli.json("backups", "prune", "--leftovers", "--dry-run")
    assert len(planned["leftovers"]["would_remove"]) == 3 and exif_original.is_file()
    lock_dir = backups_of(cli) / ".locks"
    with file_lock(str(rendition), lock_dir):
        done = cli.json("backups", "prune", "--leftovers")
    removed = {x["path"]: x for x in done["leftovers"]["removed"]}
    assert set(removed) == {str(exif_original), str(dead)}
    assert any(str(live) in line and "live" in line for line in done["leftovers"]["skipped"])
    assert not exif_original.exists() and not dead.exists()
    assert live.exists() and orphan.exists() and holiday.exists() and photo.exists()

    logged = {e["path"]: e for e in entries(cli) if e["action"] == "clean"}
    assert set(logged) == set(removed)
    assert logged[str(exif_original)]["steps"][0]["kind"] == "exiftool-original"
    assert logged[str(exif_original)]["steps"][0]["sha256"] == removed[str(exif_original)]["sha256"]
    os.utime(live)
    again = cli.json("backups", "prune", "--leftovers")  # the run holding it is gone now
    assert [x["path"] for x in again["leftovers"]["removed"]] == [str(live)]
    assert cli.json("audit", "verify")["ok"] is True


def test_the_retention_setting_is_checked_like_every_other(cli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("backup_retention_dayz = 7\n", encoding="utf-8")
    typo = cli("backups", "prune", "--config", str(config), check=2)
    assert "did you mean 'backup_retention_days'" in typo.stderr
    config.write_text("backup_retention_days = 7\n", encoding="utf-8")
    shown = cli.json("config", "show", "--config", str(config))
    assert shown["backup_retention_days"] == {"value": 7, "source": "file"}
    assert cli.json("backups", "prune", "--config", str(config))["retention_days"] == 7
