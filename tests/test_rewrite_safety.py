"""Values and paths from strangers never become ExifTool arguments; refusals leave files alone."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES, exiftool_tags
from helpers_rewrite import fix

from wirefix.exiftool import ExifTool, UnsafeArgument
from wirefix.jpeg.imagedata import image_data_hash
from wirefix.model import EditPlan, TagWrite
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.safe import rewrite
from wirefix.rewrite.safety import outside_roots

DARAA = SAMPLES / "store" / "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
CAPTION_TAGS = ("IPTC:Caption-Abstract", "XMP-dc:Description", "IFD0:ImageDescription")
HOSTILE = [
    "first line\n-all=\n-execute\n-o\n/tmp/wirefix-pwned.jpg",
    "-@",
    "-execute",
    "-all=",
    "-if\n1\n-p\n${Artist;system('touch /tmp/wirefix-pwned')}",
    "${Artist;system('touch /tmp/wirefix-pwned')}",
    "#[CSTR]not a comment\\n",
    "  leading spaces and trailing \r\n",
    "Łódź 서울 Москва العربية 🙂",
]


@pytest.fixture(scope="module")
def et():
    with ExifTool(timeout=30) as tool:
        yield tool


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    target = tmp_path / "store" / "photo.jpg"
    target.parent.mkdir()
    shutil.copy(DARAA, target)
    return target


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def caption_plan(path: Path, value: str) -> EditPlan:
    return EditPlan(
        path=str(path),
        action="rewrite",
        writes=[TagWrite(tag, None, value, "caption") for tag in CAPTION_TAGS],
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_written_literally(et, photo: Path, tmp_path: Path, value) -> None:
    before = exiftool_tags(photo)
    pixels = image_data_hash(photo)
    result = rewrite(
        caption_plan(photo, value), et.read_one(photo), et, BackupStore(tmp_path / "b")
    )
    assert result.outcome == "ok", result.error
    after = exiftool_tags(photo)
    for tag in CAPTION_TAGS:
        assert after[tag] == value, tag
    untouched = {k for k in before if k not in CAPTION_TAGS and not k.startswith("System:")}
    for tag in untouched - {"File:CurrentIPTCDigest", "Photoshop:IPTCDigest", "SourceFile"}:
        assert after.get(tag) == before[tag], tag
    assert image_data_hash(photo) == pixels
    assert not os.path.exists("/tmp/wirefix-pwned") and not os.path.exists("/tmp/wirefix-pwned.jpg")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("MOHAMAD\0ABAZEED", "NUL"),
        ("x" * 100_000, "limit"),
        ("base64:SGVsbG8=", "base64"),
    ],
)
def test_values_that_cannot_be_written_literally_are_refused(
    et, photo: Path, tmp_path: Path, value, reason
) -> None:
    digest = sha(photo)
    result, _ = fix(photo, et, BackupStore(tmp_path / "b"), ("byline", "ERIC FEFERBERG", value))
    assert result.outcome == "failed" and reason in result.error
    assert sha(photo) == digest
    assert not [p for p in photo.parent.iterdir() if p.name.startswith(".wirefix-")]


def test_paths_with_line_breaks_are_never_sent(et, tmp_path: Path) -> None:
    for bad in (tmp_path / "a\n-all=\n.jpg", "relative.jpg", str(tmp_path / "a\0b.jpg")):
        with pytest.raises(UnsafeArgument):
            et.read_one(bad)
    assert et.read_one(DARAA)["IPTC:By-line"] == "ERIC FEFERBERG", "the process is still in step"


def test_paths_outside_store_roots_and_symlinks_out_are_refused(tmp_path: Path) -> None:
    store, outside = tmp_path / "store", tmp_path / "elsewhere"
    (store / "a").mkdir(parents=True)
    outside.mkdir()
    shutil.copy(DARAA, outside / "secret.jpg")
    shutil.copy(DARAA, store / "a" / "ok.jpg")
    (store / "a" / "link.jpg").symlink_to(outside / "secret.jpg")
    (store / "linkdir").symlink_to(outside)
    roots = {"store": str(store)}
    assert outside_roots(str(store / "a" / "ok.jpg"), roots) is None
    assert "symbolic link" in outside_roots(str(store / "a" / "link.jpg"), roots)
    assert "outside" in outside_roots(str(store / "linkdir" / "secret.jpg"), roots)
    assert "outside" in outside_roots(str(store / ".." / "elsewhere" / "secret.jpg"), roots)
    assert "outside" in outside_roots(str(outside / "secret.jpg"), roots)
    assert "line break" in outside_roots(str(store / "a\nb.jpg"), roots)


def test_a_symlinked_file_is_not_rewritten_through(et, tmp_path: Path) -> None:
    target = tmp_path / "target.jpg"
    shutil.copy(DARAA, target)
    link = tmp_path / "link.jpg"
    link.symlink_to(target)
    digest = sha(target)
    result, _ = fix(link, et, BackupStore(tmp_path / "b"), ("byline", "ERIC FEFERBERG", "X Y"))
    assert result.outcome == "failed" and "symbolic link" in result.error
    assert sha(target) == digest and link.is_symlink()


def test_c2pa_files_are_refused_by_default(et, tmp_path: Path) -> None:
    data = DARAA.read_bytes()
    jumbf = b"JP\x00\x01\x00\x00\x00\x01" + b"\x00\x00\x00\x20jumb" + b"\x00" * 24
    app11 = b"\xff\xeb" + (len(jumbf) + 2).to_bytes(2, "big") + jumbf
    signed = tmp_path / "signed.jpg"
    signed.write_bytes(data[:2] + app11 + data[2:])
    digest = sha(signed)
    result, _ = fix(signed, et, BackupStore(tmp_path / "b"), ("byline", "ERIC FEFERBERG", "X"))
    assert result.outcome == "failed" and "C2PA" in result.error
    assert sha(signed) == digest


def test_mode_is_kept_and_backup_holds_the_original(et, photo: Path, tmp_path: Path) -> None:
    os.chmod(photo, 0o640)
    digest = sha(photo)
    backups = BackupStore(tmp_path / "b")
    result, _ = fix(photo, et, backups, ("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED"))
    assert result.outcome == "ok"
    assert photo.stat().st_mode & 0o7777 == 0o640
    assert sha(backups.path_for(digest)) == digest
    assert not [p for p in photo.parent.iterdir() if p.name.startswith(".wirefix-")]


def test_tiff_image_hash_sees_pixels_not_metadata(corpus: Path, tmp_path: Path) -> None:
    tiff = tmp_path / "sunrise.tif"
    shutil.copy(corpus / "imagemeta-sunrise.tif", tiff)
    method, digest = image_data_hash(tiff)
    assert method == "tiff-strips-v1"
    out = subprocess.run(
        ["exiftool", "-s3", "-n", "-IFD0:StripOffsets", str(tiff)], capture_output=True, text=True
    )
    first_strip = int(out.stdout.split()[0])
    data = bytearray(tiff.read_bytes())
    data[first_strip + 10] ^= 0xFF
    tiff.write_bytes(bytes(data))
    assert image_data_hash(tiff) != (method, digest)


def test_apply_refuses_a_photo_swapped_for_a_symlink_out_of_the_store(
    cli, store: Path, tmp_path: Path
) -> None:
    notice = cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"]
    cli("scan", str(store))
    outside = tmp_path / "outside.jpg"
    shutil.copy(DARAA, outside)
    target = store / "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
    target.unlink()
    target.symlink_to(outside)  # planted after the scan, before the apply
    digest = sha(outside)
    done = cli.json("apply", str(notice), "--yes", check=1)
    refused = next(f for f in done["files"] if f["path"] == str(target))
    assert refused["status"] == "failed" and "symbolic link" in refused["message"]
    assert sha(outside) == digest and target.is_symlink()
    assert {f["status"] for f in done["files"] if f["path"] != str(target)} == {"changed"}


def test_a_path_refused_for_a_line_break_gets_its_failed_audit_entry(cli, store: Path) -> None:
    notice = cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"]
    planted = store / "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP\n-all=\ncopy.jpg"
    shutil.copy(DARAA, planted)
    digest = sha(planted)
    cli("scan", str(store))
    cli("match", str(notice))
    proc = cli("apply", str(notice), "--yes", "--json", check=1)
    done = json.loads(proc.stdout)
    refused = next(f for f in done["files"] if f["path"] == str(planted))
    assert refused["status"] == "failed" and "line break" in refused["message"]
    assert refused["audit_seq"] is not None, "a refused file is logged like any other failure"
    assert [line for line in proc.stderr.splitlines() if "line break" in line] == [
        f"error: {refused['message']}"
    ]
    entries = [
        json.loads(json.loads(x)["payload"]) for x in cli("audit", "export").stdout.splitlines()
    ]
    [entry] = [e for e in entries if e["path"] == str(planted)]
    assert entry["outcome"] == "failed" and "line break" in entry["error"]
    assert sha(planted) == digest
    assert cli.json("audit", "verify")["ok"] is True
