"""Field coverage, caption clean-up, encoding and IPTC limits of the plan and rewrite (issue 5)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, exiftool_tags
from helpers_rewrite import fix, notice

from wirefix.captions import clean_caption, dedupe_credit_lines
from wirefix.cli.tagdoc import render
from wirefix.exiftool import ExifTool
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.plan import make_plan
from wirefix.tagmap import FIELD_TAGS

DARAA = SAMPLES / "store" / "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
CAPTION = (
    "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
    "southern Syrian city of Daraa on February 20, 2017. / AFP / ERIC FEFERBERG"
)


@pytest.fixture(scope="module")
def et():
    with ExifTool(timeout=30) as tool:
        yield tool


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    target = tmp_path / "photo.jpg"
    shutil.copy(DARAA, target)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-XMP-photoshop:Headline=SYRIA-CONFLICT",
            "-XMP-photoshop:City=Daraa",
            "-XMP-photoshop:Country=Syria",
            "-XMP-dc:Rights=AFP",
            "-XMP-photoshop:DateCreated=2017:02:20 13:42:10",
            "-XMP-dc:Description=" + CAPTION,
            "-XMP-photoshop:Credit=ERIC FEFERBERG/AFP",
            str(target),
        ],
        check=True,
    )
    return target


def test_docs_table_is_the_tag_map() -> None:
    assert (ROOT / "docs" / "tags.md").read_text(encoding="utf-8") == render(), (
        "docs/tags.md is stale: python -m wirefix.cli.tagdoc > docs/tags.md"
    )


@pytest.mark.parametrize(
    ("field", "erroneous", "corrected", "expected"),
    [
        ("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED", "MOHAMAD ABAZEED"),
        ("credit", "ERIC FEFERBERG/AFP", "MOHAMAD ABAZEED/AFP", "MOHAMAD ABAZEED/AFP"),
        ("headline", "SYRIA-CONFLICT", "SYRIA-CONFLICT-BOMB", "SYRIA-CONFLICT-BOMB"),
        ("city", "Daraa", "Deraa", "Deraa"),
        ("country", "Syria", "Syrian Arab Republic", "Syrian Arab Republic"),
        ("copyright", "AFP", "AFP 2017", "AFP 2017"),
        (
            "caption",
            "car bomb",
            "suicide car bomb",
            CAPTION.replace("car bomb", "suicide car bomb"),
        ),
    ],
)
def test_each_field_is_corrected_in_every_group(
    et, photo: Path, tmp_path: Path, field, erroneous, corrected, expected
) -> None:
    result, _ = fix(photo, et, BackupStore(tmp_path / "b"), (field, erroneous, corrected))
    assert result.outcome == "ok", result.error
    tags = exiftool_tags(photo)
    for tag in FIELD_TAGS[field]:
        assert tags[tag] == expected, tag


def test_short_token_corrections_stay_in_their_field(et, photo: Path, tmp_path: Path) -> None:
    result, _ = fix(photo, et, BackupStore(tmp_path / "b"), ("copyright", "AFP", "AFP 2017"))
    tags = exiftool_tags(photo)
    assert tags["IPTC:Source"] == "AFP" and tags["IPTC:Caption-Abstract"] == CAPTION
    assert any("too short" in n for n in result.notes)


def test_date_correction_keeps_each_tags_form_and_time(et, photo: Path, tmp_path: Path) -> None:
    result, _ = fix(photo, et, BackupStore(tmp_path / "b"), ("date", "2017-02-20", "2017-02-21"))
    assert result.outcome == "ok", result.error
    tags = exiftool_tags(photo)
    assert tags["IPTC:DateCreated"] == "2017:02:21"
    assert tags["ExifIFD:DateTimeOriginal"] == "2017:02:21 13:42:10"
    assert tags["XMP-photoshop:DateCreated"].startswith("2017:02:21 13:42:10")
    assert tags["IPTC:Caption-Abstract"] == CAPTION, "a date in prose is left for a person"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("CORRECTION - " + CAPTION, CAPTION),
        ("CORRECTS BYLINE TO MOHAMAD ABAZEED - " + CAPTION, CAPTION),
        (
            CAPTION + " / The erroneous mention[s] appearing in the metadata of this photo by "
            "ERIC FEFERBERG has been modified in AFP systems in the following manner: [MOHAMAD "
            "ABAZEED] instead of [ERIC FEFERBERG]. Please immediately remove the erroneous "
            "mention[s] from all your online services. We are sorry for the inconvenience this "
            "notification may cause and remain at your disposal for any further information you "
            "may require.",
            CAPTION,
        ),
    ],
)
def test_caption_boilerplate_is_removed(raw: str, clean: str) -> None:
    assert clean_caption(raw) == clean


def test_duplicate_credit_lines_keep_the_corrected_one() -> None:
    text = (
        "Smoke over Daraa. (Photo credit should read ERIC FEFERBERG/AFP via Getty Images) "
        "(Photo credit should read MOHAMAD ABAZEED/AFP via Getty Images)"
    )
    assert dedupe_credit_lines(text, "MOHAMAD ABAZEED") == (
        "Smoke over Daraa. (Photo credit should read MOHAMAD ABAZEED/AFP via Getty Images)"
    )
    twice = "Smoke. (Photo credit should read X/AFP) (Photo credit should read X/AFP)"
    assert dedupe_credit_lines(twice) == "Smoke. (Photo credit should read X/AFP)"


def test_caption_sign_off_and_credit_line_are_corrected() -> None:
    caption = "Smoke. / AFP / ERIC FEFERBERG (Photo credit should read ERIC FEFERBERG/AFP)"
    record = {
        "SourceFile": "/x.jpg",
        "IPTC:Caption-Abstract": caption,
        "IPTC:By-line": "ERIC FEFERBERG",
    }
    plan = make_plan(notice(("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")), record)
    new = {w.tag: w.new for w in plan.writes}
    assert new["IPTC:Caption-Abstract"] == (
        "Smoke. / AFP / MOHAMAD ABAZEED (Photo credit should read MOHAMAD ABAZEED/AFP)"
    )


def test_undeclared_latin1_iptc_is_read_right_and_written_back_as_utf8(et, tmp_path: Path) -> None:
    photo = tmp_path / "latin1.jpg"
    shutil.copy(DARAA, photo)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-IPTC:CodedCharacterSet=",
            "-charset",
            "iptc=latin",
            "-IPTC:By-line=José Müller",
            "-IPTC:City=São Paulo",
            "-XMP-dc:Creator=José Müller",
            "-IFD0:Artist=",
            str(photo),
        ],
        check=True,
    )
    assert b"Jos\xe9 M\xfcller" in photo.read_bytes(), "the fixture holds Latin-1 bytes"
    new_name = "Łukasz Ørsted 김민준 Дмитрий"
    result, _ = fix(photo, et, BackupStore(tmp_path / "b"), ("byline", "José Müller", new_name))
    assert result.outcome == "ok", result.error
    tags = exiftool_tags(photo)
    assert tags["IPTC:CodedCharacterSet"] == "UTF8"
    assert tags["IPTC:City"] == "São Paulo", "old Latin-1 text survives the re-encoding"
    assert tags["XMP-dc:Creator"] == new_name
    assert "São Paulo".encode() in photo.read_bytes()


def test_iptc_limit_cuts_iptc_only_and_says_so(et, photo: Path, tmp_path: Path) -> None:
    long_name = "Małgorzata Wiśniewska-Grzybowska 김"  # 40 bytes in UTF-8
    assert len(long_name.encode()) > 32
    result, _ = fix(photo, et, BackupStore(tmp_path / "b"), ("byline", "ERIC FEFERBERG", long_name))
    assert result.outcome == "ok", result.error
    tags = exiftool_tags(photo)
    assert tags["XMP-dc:Creator"] == long_name and tags["IFD0:Artist"] == long_name
    cut = tags["IPTC:By-line"]
    assert long_name.startswith(cut) and len(cut.encode()) <= 32 and len(cut) > 20
    assert any("IPTC:By-line shortened to 32 bytes" in n for n in result.notes)


def test_iptc_charset_is_declared_whenever_iptc_is_written(et, tmp_path: Path) -> None:
    photo = tmp_path / "undeclared.jpg"
    shutil.copy(DARAA, photo)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-IPTC:CodedCharacterSet=", str(photo)],
        check=True,
    )
    assert "IPTC:CodedCharacterSet" not in exiftool_tags(photo)
    result, _ = fix(photo, et, BackupStore(tmp_path / "b"), ("byline", "ERIC FEFERBERG", "M A"))
    assert result.outcome == "ok", result.error
    assert exiftool_tags(photo)["IPTC:CodedCharacterSet"] == "UTF8"
    assert "IPTC written as UTF-8 with CodedCharacterSet declared" in result.notes


def test_shortened_iptc_value_gets_an_xmp_home_when_the_file_has_none(et, tmp_path: Path) -> None:
    photo = tmp_path / "no-xmp-credit.jpg"
    shutil.copy(DARAA, photo)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-XMP-photoshop:Credit=", str(photo)], check=True
    )
    long_credit = "Małgorzata Wiśniewska-Grzybowska/AFP"
    result, _ = fix(
        photo, et, BackupStore(tmp_path / "b"), ("credit", "ERIC FEFERBERG/AFP", long_credit)
    )
    assert result.outcome == "ok", result.error
    tags = exiftool_tags(photo)
    assert tags["XMP-photoshop:Credit"] == long_credit
    assert len(tags["IPTC:Credit"].encode()) <= 32
    assert any("full value is in XMP-photoshop:Credit, added" in n for n in result.notes)


def test_mentions_left_in_tags_wirefix_does_not_rewrite_are_reported() -> None:
    record = {
        "SourceFile": "/x.jpg",
        "IPTC:CodedCharacterSet": "UTF8",
        "IPTC:By-line": "ERIC FEFERBERG",
        "IFD0:Software": "ERIC FEFERBERG presets",
        "Canon:OwnerName": "Eric Feferberg",
        "XMP-thirdlight:Imsurl": "http://example.com/eric-feferberg",
        "System:FileName": "eric feferberg.jpg",
    }
    plan = make_plan(notice(("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")), record)
    assert {w.tag for w in plan.writes} == {"IPTC:By-line"}
    [note] = [n for n in plan.notes if "still appears" in n]
    assert "IFD0:Software" in note and "Canon:OwnerName" in note
    assert "System:FileName" not in note
