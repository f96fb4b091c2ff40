"""A wrong value already cut to its IPTC limit is still the wrong value (issue 14, item 1).

ExifTool cuts an over-long IPTC value to the IIM byte limit when it writes one, and a cut inside
a UTF-8 character leaves "." for each broken byte; another writer's raw cut reads back from
ExifTool's JSON with "?" for them. The plan must recognise every such form, in the fast way and
the full way alike.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES, exiftool_tags
from helpers_rewrite import fix, notice

from wirefix.exiftool import ExifTool
from wirefix.model import EditPlan
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.fast import quick_stage
from wirefix.rewrite.plan import cut_forms, make_plan
from wirefix.rewrite.steps import READ_ARGS

DARAA_REL = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
DARAA = SAMPLES / "store" / DARAA_REL
RIGHT = "MOHAMAD ABAZEED"
#: name -> what ExifTool's own write leaves in IPTC By-line (32 bytes)
NAMES = {
    "ZOFIA WOJCIECHOWSKA-KOWALSKA DUDŹ": "ZOFIA WOJCIECHOWSKA-KOWALSKA DUD",  # cut before Ź
    "ZOFIA WOJCIECHOWSKA-KOWALSKA DUŹA": "ZOFIA WOJCIECHOWSKA-KOWALSKA DU.",  # cut inside Ź
    "محمد عبد الرحمن الحسيني الكبير": "محمد عبد الرحمن ا.",  # cut inside ل
}


@pytest.fixture(scope="module")
def et():
    with ExifTool(timeout=60) as tool:
        yield tool


def exiftool_set(path: Path, *args: str) -> None:
    """ExifTool's own write, without -m: it cuts over-long IPTC values as the field saw it."""
    subprocess.run(["exiftool", "-q", "-q", "-overwrite_original", *args, str(path)], check=True)


CAPTION = (
    "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
    "southern Syrian city of Daraa on February 20, 2017. / AFP / "
)


def wrong_everywhere(path: Path, name: str) -> None:
    exiftool_set(
        path,
        f"-IPTC:By-line={name}",
        f"-XMP-dc:Creator={name}",
        f"-IFD0:Artist={name}",
        f"-IPTC:Caption-Abstract={CAPTION}{name}",
        f"-XMP-dc:Description={CAPTION}{name}",
        f"-IFD0:ImageDescription={CAPTION}{name}",
    )


@pytest.mark.parametrize("name", list(NAMES))
def test_apply_corrects_a_byline_that_exiftool_cut(cli, store: Path, tmp_path: Path, name) -> None:
    photo = store / DARAA_REL
    wrong_everywhere(photo, name)
    assert exiftool_tags(photo)["IPTC:By-line"] == NAMES[name], "the fixture holds the cut name"
    text = (SAMPLES / "notices" / "afp-daraa-correction.txt").read_text(encoding="utf-8")
    (tmp_path / "notice.txt").write_text(text.replace("[ERIC FEFERBERG]", f"[{name}]"), "utf-8")
    notice_id = str(cli.json("ingest", str(tmp_path / "notice.txt"))[0]["id"])
    cli("scan", str(store))
    cli("match", notice_id)
    done = cli.json("apply", notice_id, "--yes")
    [changed] = [f for f in done["files"] if f["path"] == str(photo)]
    assert changed["status"] == "changed"
    tags = exiftool_tags(photo)
    assert tags["IPTC:By-line"] == RIGHT
    assert tags["XMP-dc:Creator"] == RIGHT and tags["IFD0:Artist"] == RIGHT
    assert tags["IPTC:Caption-Abstract"] == CAPTION + RIGHT
    [entry] = [
        json.loads(line)["payload"]
        for line in cli("audit", "export").stdout.splitlines()
        if json.loads(line)["columns"]["path"] == str(photo)
    ]
    entry = json.loads(entry)
    assert {"IPTC:By-line", "XMP-dc:Creator", "IFD0:Artist"} <= {c["tag"] for c in entry["changes"]}
    assert any(
        f"IPTC:By-line holds {NAMES[name]!r}, the erroneous {name!r} cut at 32 bytes" in n
        for n in entry["notes"]
    ), entry["notes"]


def raw_cut(path: Path, name: str) -> None:
    """Another writer's cut: the first 32 bytes of the UTF-8 name, broken character and all."""
    exiftool_set(path, f"-IPTC:By-line={'X' * 32}", f"-XMP-dc:Creator={name}")
    data = path.read_bytes()
    at = data.index(b"X" * 32)
    path.write_bytes(data[:at] + name.encode()[:32] + data[at + 32 :])


@pytest.mark.parametrize("name", list(NAMES))
@pytest.mark.parametrize("how", ["exiftool", "raw"])
def test_fast_and_full_plans_agree_on_cut_values(et, tmp_path: Path, name, how) -> None:
    photo = tmp_path / "photo.jpg"
    shutil.copy(DARAA, photo)
    if how == "exiftool":
        wrong_everywhere(photo, name)
    else:
        raw_cut(photo, name)
    wanted = notice(("byline", name, RIGHT))
    record = et.read_one(photo, extra=READ_ARGS)
    full = make_plan(wanted, record)
    assert any(w.tag == "IPTC:By-line" and w.new == RIGHT for w in full.writes), full.writes
    assert any("cut at 32 bytes" in n for n in full.notes)
    quick = quick_stage(wanted, photo, BackupStore(tmp_path / "b"))
    valid = name.encode()[:32].decode("utf-8", "ignore").encode() == name.encode()[:32]
    if how == "raw" and not valid:
        assert quick is None, "IPTC that is not UTF-8 goes the full way"
        return
    assert quick is not None and not isinstance(quick, EditPlan), "the fast way takes it"
    assert sorted(quick.plan.writes, key=lambda w: w.tag) == sorted(
        full.writes, key=lambda w: w.tag
    )
    assert sorted(quick.plan.notes) == sorted(full.notes)
    quick.tmp.unlink()


def long_caption(sign_off: str) -> str:
    """A caption just over 2,000 bytes whose sign-off the IIM limit cuts in the middle."""
    tail = f" / AFP / {sign_off}"
    body = "Smoke billows over Daraa, " + "and over the rebel-held area " * 80
    return body[: 2000 - len(tail.encode()) + 4] + tail  # the cut loses the last 4 bytes


def test_a_caption_cut_inside_its_sign_off_follows_the_corrected_xmp(et, tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    shutil.copy(DARAA, photo)
    caption = long_caption("ERIC FEFERBERG")
    exiftool_set(photo, f"-IPTC:Caption-Abstract={caption}", f"-XMP-dc:Description={caption}")
    tags = exiftool_tags(photo)
    assert tags["IPTC:Caption-Abstract"].endswith("/ AFP / ERIC FEFER"), "cut mid-name"
    result, _ = fix(photo, et, BackupStore(tmp_path / "b"), ("byline", "ERIC FEFERBERG", RIGHT))
    assert result.outcome == "ok", result.error
    tags = exiftool_tags(photo)
    assert tags["XMP-dc:Description"] == caption.replace("ERIC FEFERBERG", RIGHT)
    iptc = tags["IPTC:Caption-Abstract"]
    assert "FEFER" not in iptc and len(iptc.encode()) <= 2000
    assert caption.replace("ERIC FEFERBERG", RIGHT).startswith(iptc)
    assert any("IPTC:Caption-Abstract held XMP-dc:Description cut" in n for n in result.notes)


def test_a_cut_sign_off_without_an_xmp_twin_is_corrected_or_named() -> None:
    def plan_for(caption: str) -> EditPlan:
        cut = caption.encode()[:2000].decode("utf-8", "ignore")
        record = {"SourceFile": "/x.jpg", "IPTC:CodedCharacterSet": "UTF8"}
        record["IPTC:Caption-Abstract"] = cut
        return make_plan(notice(("byline", "ERIC FEFERBERG", RIGHT)), record)

    plan = plan_for(long_caption("ERIC FEFERBERG"))
    new = {w.tag: w.new for w in plan.writes}
    assert "FEFER" not in new["IPTC:Caption-Abstract"]
    assert new["XMP-dc:Description"].endswith(f"/ AFP / {RIGHT}"), "the whole value kept in XMP"
    assert new["XMP-dc:Description"].startswith(new["IPTC:Caption-Abstract"])
    assert any("ends with 'ERIC FEFER', the erroneous" in n for n in plan.notes), plan.notes
    # "ERIC" alone may be another Eric: named for a person, not rewritten.
    short = "Smoke billows over Daraa, " + "and over the rebel-held area " * 80
    short = short[: 2000 - len(" / AFP / ERIC")] + " / AFP / ERIC FEFERBERG"
    plan = plan_for(short)
    assert not plan.writes


def test_cut_forms_match_what_exiftool_reads() -> None:
    assert "ZOFIA WOJCIECHOWSKA-KOWALSKA DU." in cut_forms("ZOFIA WOJCIECHOWSKA-KOWALSKA DUŹA", 32)
    assert "ZOFIA WOJCIECHOWSKA-KOWALSKA DU?" in cut_forms("ZOFIA WOJCIECHOWSKA-KOWALSKA DUŹA", 32)
    assert "ZOFIA WOJCIECHOWSKA-KOWALSKA DU" in cut_forms("ZOFIA WOJCIECHOWSKA-KOWALSKA DUŹA", 32)
    # UTF-8 bytes in IPTC without a charset: ExifTool reads them as Latin.
    assert "ZOFIA WOJCIECHOWSKA-KOWALSKA DUÅ" in cut_forms("ZOFIA WOJCIECHOWSKA-KOWALSKA DUŹA", 32)
    assert cut_forms("ERIC FEFERBERG", 32) == frozenset()
