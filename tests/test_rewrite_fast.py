"""The rewrite's fast path (issue 5's throughput) does exactly what the full way does, or steps
aside for it.

The fast path plans from wirefix's own read, writes with wirefix's writer, proves byte by byte
that only the planned tags changed and has ExifTool read back only those tags. It is right only
if, for every file it takes, the full way (ExifTool's full read before, plan, write, ExifTool's
full read after) would have planned the same writes; these tests hold it to that on the real
corpus and on files built to tempt it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
import storegen as g
from conftest import CORPUS, SAMPLES, exiftool_tags
from helpers_rewrite import fix, notice
from test_corpus_rewrite import _manifest, assert_only_planned_changed, corrections_for

from wirefix.exiftool import ExifTool
from wirefix.jpeg import write as jpegwrite
from wirefix.jpeg.imagedata import image_data_hash
from wirefix.model import EditPlan
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.fast import Quick, quick_finish, quick_stage
from wirefix.rewrite.plan import exiftool_values, make_plan
from wirefix.rewrite.safe import commit
from wirefix.rewrite.steps import READ_ARGS, WIREFIX_WRITER
from wirefix.rewrite.verify import mentions_remain

DARAA = SAMPLES / "store" / "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
DARAA_FIX = ("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")


@pytest.fixture(scope="module")
def et():
    with ExifTool(timeout=60) as tool:
        yield tool


def _cases() -> list[tuple[str, Path, list[tuple[str, str, str]]]]:
    cases = [(e["file"], CORPUS / e["file"], corrections_for(e)) for e in _manifest()]
    cases += [(p.name, p, [DARAA_FIX]) for p in sorted((SAMPLES / "store").rglob("*.jpg"))]
    return [c for c in cases if c[1].suffix.lower() in (".jpg", ".jpeg")]


def test_fast_path_plans_exactly_what_the_full_way_plans(et, tmp_path: Path) -> None:
    taken, declined = [], []
    backups = BackupStore(tmp_path / "backups")
    for name, source, corrections in _cases():
        photo = tmp_path / name
        shutil.copy(source, photo)
        wanted = notice(*corrections)
        quick = quick_stage(wanted, photo, backups)
        full = make_plan(wanted, et.read_one(photo, extra=READ_ARGS))
        if quick is None:
            declined.append(name)
        elif isinstance(quick, EditPlan):
            assert full.is_empty, (name, full.writes)
        else:
            taken.append(name)
            # The same writes (their order follows each reader's tag order, which is immaterial).
            by_tag = lambda plan: sorted(plan.writes, key=lambda w: w.tag)  # noqa: E731
            assert by_tag(quick.plan) == by_tag(full), name
            assert sorted(quick.plan.notes) == sorted(full.notes), name
            quick.tmp.unlink()
        assert (
            hashlib.sha256(photo.read_bytes()).digest()
            == hashlib.sha256(source.read_bytes()).digest()
        ), "staging never touches the file"
    print(f"fast path: {len(taken)} taken, {len(declined)} declined")
    assert len(taken) >= 15, (
        declined
    )  # agency JPEGs; test images with a name in every tag go the full way


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_fast_path_on_real_file_changes_the_planned_tags_and_nothing_else(
    et, case, tmp_path: Path
) -> None:
    """The corpus test's assertions, on every file the fast path takes."""
    name, source, corrections = case
    photo = tmp_path / name
    shutil.copy(source, photo)
    before, pixels = exiftool_tags(photo), image_data_hash(photo)
    quick = quick_stage(notice(*corrections), photo, BackupStore(tmp_path / "backups"))
    if not isinstance(quick, Quick):
        pytest.skip("not on the fast path: the full way's tests cover it")
    (prepared,) = quick_finish([quick], et)
    assert prepared is not None, "ExifTool reads back the plan"
    result = commit(prepared)
    assert result.outcome == "ok" and result.writer == WIREFIX_WRITER
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == result.sha256_after
    after = assert_only_planned_changed(photo, before, pixels, result.changes)
    assert after.get("Photoshop:IPTCDigest") in (None, after.get("File:CurrentIPTCDigest"))
    assert not mentions_remain(photo.read_bytes(), notice(*corrections)), "no trace left"


def _exiftool_set(path: Path, *assignments: str) -> None:
    subprocess.run(["exiftool", "-q", "-overwrite_original", *assignments, str(path)], check=True)


@pytest.mark.parametrize(
    "assignment",
    [
        "-XMP-photoshop:CaptionWriter=ERIC FEFERBERG",  # a tag outside the field map
        "-IPTC:Writer-Editor=eric feferberg",  # another case
        "-IFD0:XPAuthor=ERIC FEFERBERG",  # UTF-16 in EXIF
        "-ExifIFD:UserComment=by ERIC FEFERBERG",
        "-Comment=ERIC FEFERBERG",  # a JPEG comment ExifTool does not rewrite
    ],
)
def test_a_mention_the_fast_path_would_leave_sends_the_file_the_full_way(
    et, assignment: str, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.jpg"
    shutil.copy(DARAA, photo)
    _exiftool_set(photo, assignment)
    assert quick_stage(notice(DARAA_FIX), photo, BackupStore(tmp_path / "b")) is None
    assert not list(tmp_path.glob(".wirefix-*")), "no temporary left behind"


def test_undeclared_latin_iptc_goes_the_full_way(tmp_path: Path) -> None:
    """Declaring UTF-8 means re-encoding the block's other Latin-1 text: the full way's job.
    All-ASCII IPTC reads the same either way, so that stays on the fast path."""
    photo = tmp_path / "photo.jpg"
    shutil.copy(DARAA, photo)
    _exiftool_set(photo, "-IPTC:CodedCharacterSet=")
    backups = BackupStore(tmp_path / "b")
    ascii_only = quick_stage(notice(DARAA_FIX), photo, backups)
    assert isinstance(ascii_only, Quick)
    assert any(w.tag == "IPTC:CodedCharacterSet" for w in ascii_only.plan.writes)
    ascii_only.tmp.unlink()
    _exiftool_set(photo, "-charset", "iptc=latin1", "-IPTC:City=Genève")
    assert quick_stage(notice(DARAA_FIX), photo, backups) is None


def test_trailing_blanks_in_exif_text_plan_as_the_full_way_plans(et, tmp_path: Path) -> None:
    """exiv2's pr_1994_poc*.jpg: an Artist padded with blanks, which ExifTool trims when it
    reads; the fast way's plan must be the full way's, and whatever it writes must read back."""
    photo = tmp_path / "photo.jpg"
    shutil.copy(DARAA, photo)
    _exiftool_set(photo, "-IFD0:Artist=ERIC FEFERBERG" + "_" * 23)
    data = photo.read_bytes()
    photo.write_bytes(data.replace(b"_" * 23 + b"\0", b" " * 23 + b"\0"))  # no offset moves
    padded = et.read_one(photo, extra=READ_ARGS)
    assert padded["IFD0:Artist"] == "ERIC FEFERBERG"
    full = make_plan(notice(DARAA_FIX), padded)
    quick = quick_stage(notice(DARAA_FIX), photo, BackupStore(tmp_path / "b"))
    assert isinstance(quick, Quick), quick
    by_tag = lambda plan: sorted(plan.writes, key=lambda w: w.tag)  # noqa: E731
    assert by_tag(quick.plan) == by_tag(full)
    assert any(w.tag == "IFD0:Artist" and w.old == "ERIC FEFERBERG" for w in full.writes)
    (prepared,) = quick_finish([quick], et)
    assert prepared is not None
    assert commit(prepared).outcome == "ok"
    assert et.read_one(photo, extra=READ_ARGS)["IFD0:Artist"] == "MOHAMAD ABAZEED"


def test_an_already_corrected_file_is_recognised_without_writing(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    shutil.copy(DARAA, photo)
    fixed = notice(("byline", "SOMEONE ELSE", "MOHAMAD ABAZEED"))
    assert isinstance(quick_stage(fixed, photo, BackupStore(tmp_path / "b")), EditPlan)
    assert not (tmp_path / "b").exists(), "nothing backed up, nothing written"


@pytest.mark.parametrize(
    "text",
    [
        "ERIC FEFERBERG",
        "eric feferberg",
        "Eric Feferberg",
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "utf-16-le", "utf-16-be"])
def test_mentions_are_found_in_any_case_and_encoding(text: str, encoding: str) -> None:
    data = b"\xff\xd8 some bytes " + text.encode(encoding) + b" more \xff\xd9"
    assert mentions_remain(data, notice(DARAA_FIX))
    assert not mentions_remain(data.replace(text.encode(encoding), b""), notice(DARAA_FIX))


def test_non_ascii_names_are_found_in_either_normal_form_and_case() -> None:
    wrong = ("byline", "Çağlar Şükrüoğlu", "Ayşe Yılmaz")
    for form in ("Çağlar Şükrüoğlu", "ÇAĞLAR ŞÜKRÜOĞLU", "çağlar şükrüoğlu"):
        for normal in ("NFC", "NFD"):
            import unicodedata

            data = unicodedata.normalize(normal, form).encode("utf-8")
            assert mentions_remain(b"x" + data + b"y", notice(wrong)), (form, normal)
    assert not mentions_remain("Ayşe Yılmaz".encode(), notice(wrong))


def test_hostile_values_through_the_fast_path_are_written_literally_or_declined(
    et, tmp_path: Path
) -> None:
    from test_rewrite_safety import HOSTILE

    for n, value in enumerate(HOSTILE):
        photo = tmp_path / f"photo-{n}.jpg"
        shutil.copy(DARAA, photo)
        quick = quick_stage(
            notice(("byline", "ERIC FEFERBERG", value)), photo, BackupStore(tmp_path / "b")
        )
        if not isinstance(quick, Quick):
            continue
        (prepared,) = quick_finish([quick], et)
        if prepared is None:
            continue
        commit(prepared)
        got = json.loads(
            subprocess.run(
                ["exiftool", "-j", "-IPTC:By-line", "-XMP-dc:Creator", str(photo)],
                capture_output=True,
                check=True,
            ).stdout
        )[0]
        assert got.get("Creator") == value.strip() or got.get("Creator") == value, (value, got)
    assert not Path("/tmp/wirefix-pwned").exists()
    assert not Path("/tmp/wirefix-pwned.jpg").exists()


def _refusals() -> dict[str, bytes]:
    """name -> a JPEG whose EXIF ExifTool's own write refuses (error or [minor] error)."""
    artist = (0x013B, 2, 15, b"ERIC FEFERBERG\0")
    return {
        # FujiFilm DS-7 (metadata-extractor-images): strip thumbnail short of 80 x 60 x 3 bytes.
        "undersized-strips.jpg": g.jpeg(
            [g.exif_ifds([artist], g.strip_thumbnail(80, 60, 8000), b"\x80" * 8000)]
        ),
        "undersized-counts.jpg": g.jpeg(
            [g.exif_ifds([artist], g.strip_thumbnail(80, 60, 8000), b"\x80" * 14400)]
        ),
        "ifd-loop.jpg": g.jpeg(
            [g.exif_ifds([artist], [(0x0103, 3, 1, b"\x06\0")], next_of_ifd1=8)]
        ),
        "value-past-the-segment.jpg": g.jpeg(
            [g.exif_ifds([artist], [(0x010F, 2, 200, struct.pack("<I", 60000))])]
        ),
    }


def _ifd1_past_the_segment() -> bytes:
    data = bytearray(g.jpeg([g.exif_ifds([(0x013B, 2, 15, b"ERIC FEFERBERG\0")])]))
    at = data.find(b"Exif\0\0") + 6 + 8 + 2 + 12  # IFD0's next-IFD pointer
    data[at : at + 4] = struct.pack("<I", 5000)
    return bytes(data)


def test_exif_that_exiftool_refuses_to_write_never_goes_the_fast_way(et, tmp_path: Path) -> None:
    """The fast way must never write what the full way refuses: ExifTool's write fails on these
    files, so wirefix's writer declines them and the full way reports ExifTool's error."""
    cases = {**_refusals(), "ifd1-past-the-segment.jpg": _ifd1_past_the_segment()}
    fixed = notice(DARAA_FIX)
    for name, data in cases.items():
        photo = tmp_path / name
        photo.write_bytes(data)
        run = subprocess.run(
            ["exiftool", "-IFD0:Artist=MOHAMAD ABAZEED", "-o", str(tmp_path / f"et-{name}"),
             str(photo)],
            capture_output=True, text=True,
        )  # fmt: skip
        assert run.returncode != 0 and "Error" in run.stderr, (name, run.stderr)
        record = et.read_one(photo, extra=READ_ARGS)
        assert record["IFD0:Artist"] == "ERIC FEFERBERG", name
        values = exiftool_values(make_plan(fixed, record), record)
        with pytest.raises(jpegwrite.Unsupported, match="ExifTool's write would refuse"):
            jpegwrite.write(data, values)
        assert quick_stage(fixed, photo, BackupStore(tmp_path / "b")) is None, name
        result, _ = fix(photo, et, BackupStore(tmp_path / "b"), DARAA_FIX)
        assert result.outcome == "failed" and "ExifTool could not write" in (result.error or "")
        assert photo.read_bytes() == data, "left alone"


def test_a_sound_strip_thumbnail_still_goes_the_fast_way(et, tmp_path: Path) -> None:
    """The control: strips of the right size, which ExifTool writes too."""
    photo = tmp_path / "strips.jpg"
    photo.write_bytes(
        g.jpeg(
            [
                g.exif_ifds(
                    [(0x013B, 2, 15, b"ERIC FEFERBERG\0")],
                    g.strip_thumbnail(80, 60, 14400),
                    b"\x80" * 14400,
                )
            ]
        )
    )
    quick = quick_stage(notice(DARAA_FIX), photo, BackupStore(tmp_path / "b"))
    assert isinstance(quick, Quick)
    (prepared,) = quick_finish([quick], et)
    assert prepared is not None and commit(prepared).outcome == "ok"
    assert et.read_one(photo, extra=READ_ARGS)["IFD0:Artist"] == "MOHAMAD ABAZEED"
