"""The walking skeleton's scenario, end to end through the real CLI (issue 2).

AFP says the Daraa photo of 2017-02-20 is by MOHAMAD ABAZEED, not ERIC FEFERBERG. The photo and its
web rendition must say MOHAMAD ABAZEED everywhere, the re-sent copy must lose AFP's legal
boilerplate, and every other file, including ERIC FEFERBERG's other photos, must stay
byte-identical.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import SAMPLES, exiftool_tags

from wirefix.jpeg.imagedata import image_data_hash

# The smoke runs of the real command: each `wirefix` here is its own process (entry point, exit
# codes, a stdin that is no terminal), as the in-process runs of the other tests are not.
pytestmark = pytest.mark.real_process

DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
RENDITION = "web/2017-02-20/daraa-car-bomb-w240.jpg"
RESENT = "incoming/afp/SYRIA-CONFLICT-000_NG3LP-CORRECTION.jpg"
AFFECTED = {DARAA, RENDITION, RESENT}
CAPTION = (
    "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
    "southern Syrian city of Daraa on February 20, 2017. / AFP / MOHAMAD ABAZEED"
)
# Tags ExifTool itself maintains or that describe the file rather than the photo.
VOLATILE = {
    "SourceFile",
    "System:FileSize",
    "System:FileModifyDate",
    "System:FileAccessDate",
    "System:FileInodeChangeDate",
    "System:FilePermissions",
    "System:FileName",
    "System:Directory",
    "File:CurrentIPTCDigest",
    "Photoshop:IPTCDigest",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def all_files(store: Path) -> dict[str, str]:
    return {str(p.relative_to(store)): sha256(p) for p in sorted(store.rglob("*.jpg"))}


def test_afp_credit_correction_end_to_end(cli, store: Path) -> None:
    notices = SAMPLES / "notices"
    ingested = cli.json("ingest", str(notices / "afp-daraa-correction.eml"))
    assert [n["new"] for n in ingested] == [True]
    notice_id = str(ingested[0]["id"])
    again = cli.json("ingest", str(notices / "afp-daraa-correction.txt"))
    assert again[0]["id"] == ingested[0]["id"] and again[0]["new"] is False

    summary = cli.json("scan", str(store))
    assert summary == {"seen": 11, "new": 11, "changed": 0, "unchanged": 0, "gone": 0, "failed": 0,
                       "new_failed": 0, "known_failed": 0}  # fmt: skip

    matched = cli.json("match", notice_id)
    assert matched["notice"] == int(notice_id) and matched["open_case"] is None
    candidates = matched["candidates"]
    decisions = {c["rel_path"]: c["decision"] for c in candidates}
    assert {p for p, d in decisions.items() if d == "auto"} == AFFECTED
    assert not [p for p, d in decisions.items() if d == "review"]
    # Every other ERIC FEFERBERG photo was considered and refused, with its reason shown.
    others = [c for c in candidates if c["rel_path"].startswith("afp/") and c["rel_path"] != DARAA]
    assert len(others) == 6
    assert all(c["decision"] == "no" for c in others)
    assert all(any(r["name"] == "date_mismatch" for r in c["reasons"]) for c in others)
    rendition = next(c for c in candidates if c["rel_path"] == RENDITION)
    assert rendition["rendition_of"] is not None

    before = all_files(store)
    tags_before = {rel: exiftool_tags(store / rel) for rel in AFFECTED}
    pixels_before = {rel: image_data_hash(store / rel) for rel in AFFECTED}

    plan = cli.json("apply", notice_id, "--dry-run")
    assert plan["dry_run"] is True
    assert {f["status"] for f in plan["files"]} == {"planned"}
    assert all_files(store) == before, "a dry run must not change any file"

    applied = cli.json("apply", notice_id, "--yes")
    assert {f["path"].split("/store/")[1]: f["status"] for f in applied["files"]} == {
        rel: "changed" for rel in AFFECTED
    }

    after = all_files(store)
    for rel, digest in before.items():
        if rel in AFFECTED:
            assert after[rel] != digest
        else:
            assert after[rel] == digest, f"{rel} must not be touched"

    for rel in (DARAA, RENDITION):
        tags = exiftool_tags(store / rel)
        assert tags["IPTC:By-line"] == "MOHAMAD ABAZEED"
        assert tags["XMP-dc:Creator"] == "MOHAMAD ABAZEED"
        assert tags["IFD0:Artist"] == "MOHAMAD ABAZEED"
        assert tags["IPTC:Credit"] == "MOHAMAD ABAZEED/AFP"
        assert tags["XMP-photoshop:Credit"] == "MOHAMAD ABAZEED/AFP"
        assert tags["IPTC:Caption-Abstract"] == CAPTION
        assert tags["XMP-dc:Description"] == CAPTION
        assert tags["IFD0:ImageDescription"] == CAPTION
        assert "FEFERBERG" not in repr(tags)
    resent = exiftool_tags(store / RESENT)
    for tag in ("IPTC:Caption-Abstract", "XMP-dc:Description", "IFD0:ImageDescription"):
        assert resent[tag] == CAPTION, "the agency's boilerplate must not stay in the caption"
    assert "FEFERBERG" not in repr(resent)

    # Nothing but the planned tags changed, and the pictures are the same pictures.
    for rel in AFFECTED:
        planned = {
            c["tag"] for f in applied["files"] if f["path"].endswith(rel) for c in f["changes"]
        }
        now = exiftool_tags(store / rel)
        old = tags_before[rel]
        changed = {k for k in set(old) | set(now) if old.get(k) != now.get(k)} - VOLATILE
        assert changed == planned, rel
        assert image_data_hash(store / rel) == pixels_before[rel]

    report = cli.json("report", "--notice", notice_id)
    [entry] = report["notices"]
    assert entry["remediated"] == 3 and entry["failed"] == 0
    assert entry["matched"]["auto"] == 3
    by_file = {f["rel_path"]: f for f in entry["files"]}
    assert set(by_file) == AFFECTED
    for rel, f in by_file.items():
        assert f["sha256_before"] == before[rel]
        assert f["sha256_after"] == after[rel]
        assert f["operator"] == "tester@wirefix-tests"
        assert f["image_hash_before"] == f["image_hash_after"]
    byline = {c["tag"]: c for c in by_file[DARAA]["changes"]}["IPTC:By-line"]
    assert (byline["old"], byline["new"]) == ("ERIC FEFERBERG", "MOHAMAD ABAZEED")

    # A second apply finds every file already right, writes nothing and logs nothing.
    second = cli("apply", notice_id, "--yes")
    assert "nothing to do" in second.stdout
    second_json = cli.json("apply", notice_id, "--yes")
    assert {f["status"] for f in second_json["files"]} == {"already-correct"}
    assert all_files(store) == after
    assert len(cli.json("report")["notices"][0]["files"]) == 3

    verified = cli.json("audit", "verify")
    assert verified["ok"] is True and verified["entries"] == 3


def test_apply_refuses_without_yes_off_a_terminal(cli, store: Path) -> None:
    notice = SAMPLES / "notices" / "afp-daraa-correction.txt"
    notice_id = str(cli.json("ingest", str(notice))[0]["id"])
    cli("scan", str(store))
    before = all_files(store)
    proc = cli("apply", notice_id, check=2)
    assert "--yes" in proc.stderr
    assert all_files(store) == before


def test_bad_inputs_fail_with_one_line_and_non_zero_exit(cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x00\x01\x02binary\xff" * 100)
    proc = cli("ingest", str(junk), str(SAMPLES / "notices" / "afp-daraa-correction.txt"), check=1)
    assert "binary data" in proc.stderr
    assert "stored" in proc.stdout, "the good notice of the batch is still stored"
    assert cli("match", "999", check=1).stderr.count("\n") == 1
    assert "no notice 999" in cli("apply", "999", "--yes", check=1).stderr
    assert cli("scan", str(tmp_path / "missing"), check=1).stderr.strip().startswith("error:")
    assert "No such option" in cli("apply", "1", "--bogus", check=2).stderr
