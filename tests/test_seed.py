"""The seed, word for word, in each of the four carriers it reaches a newsroom in (issue 13).

The seed (`../shared/seeds/`) is a news site's article page that published AFP's re-sent Daraa
photo with AFP's correction as its caption, ending "(Photo credit should read MOHAMAD
ABAZEED/AFP/Getty Images)". As a text file, a forwarded e-mail, the caption of a re-sent image and
the page itself, it must fix the photo and its 640-px web copy (2/2) and leave eight look-alikes
byte-identical (8/8), with one audit entry per fixed file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import seed
import storegen
from conftest import Cli, exiftool_tags

from wirefix.ingest import NoticeText, parse_text

PHOTO = "afp/2017/02/20/SYRIA-CONFLICT-DARAA.jpg"
WEB_COPY = "web/2017-02-20/daraa-car-bomb-640.jpg"
AFFECTED = {PHOTO, WEB_COPY}
WRONG_CAPTION = (
    "Smoke billows following a reported car bomb explosion at a Syrian pro-government position "
    "during clashes between rebel fighters and regime forces to take control of an area in the "
    "southern city of Daraa on February 20, 2017. / AFP / ERIC FEFERBERG"
)
RIGHT_CAPTION = WRONG_CAPTION.replace("ERIC FEFERBERG", "MOHAMAD ABAZEED")


def build_store(root: Path) -> Path:
    """The Daraa photo, its web copy, and eight look-alikes a careless matcher would touch."""
    daraa = dict(
        byline="ERIC FEFERBERG",
        credit="AFP",
        source="AFP",
        caption=WRONG_CAPTION,
        date="2017-02-20",
        city="Daraa",
        country="Syria",
        copyright="AFP",
        object_name="SYRIA-CONFLICT",
    )
    storegen.news_photo(root / PHOTO, size=(1200, 800), **daraa)
    storegen.news_photo(root / WEB_COPY, size=(640, 427), **daraa)
    look_alikes = {
        # The same photographer: other events, other days.
        "afp/2016/12/15/SYRIA-CONFLICT-ALEPPO.jpg": dict(
            byline="ERIC FEFERBERG",
            credit="AFP",
            date="2016-12-15",
            city="Aleppo",
            caption="Syrians leave eastern Aleppo on December 15, 2016. / AFP / ERIC FEFERBERG",
        ),
        "afp/2017/03/15/SYRIA-CONFLICT-DARAA.jpg": dict(
            byline="ERIC FEFERBERG",
            credit="AFP",
            date="2017-03-15",
            city="Daraa",
            caption="Smoke billows following a reported air strike in the southern city of Daraa "
            "on March 15, 2017. / AFP / ERIC FEFERBERG",
        ),
        "afp/2017/05/20/FRANCE-FILM-FESTIVAL-CANNES.jpg": dict(
            byline="ERIC FEFERBERG",
            credit="AFP",
            date="2017-05-20",
            city="Cannes",
            caption="Actors arrive at the Cannes Film Festival on May 20, 2017. / AFP / ERIC "
            "FEFERBERG",
        ),
        # His photo of another story, as Getty distributed it.
        "getty/2016/10/24/FRANCE-MIGRANTS-CALAIS.jpg": dict(
            byline="ERIC FEFERBERG",
            credit="ERIC FEFERBERG/AFP/Getty Images",
            date="2016-10-24",
            city="Calais",
            caption="Migrants leave the Calais camp on October 24, 2016. (Photo "
            "credit should read ERIC FEFERBERG/AFP/Getty Images)",
        ),
        # The right photographer's own photo of that day: already right.
        "afp/2017/02/20/SYRIA-CONFLICT-DARAA-REBELS.jpg": dict(
            byline="MOHAMAD ABAZEED",
            credit="AFP",
            date="2017-02-20",
            city="Daraa",
            caption="Rebel fighters take position in the southern city of Daraa on February 20, "
            "2017. / AFP / MOHAMAD ABAZEED",
        ),
        # Other agencies' photos of the same event.
        "reuters/2017/02/20/daraa-smoke.jpg": dict(
            byline="Alaa al-Faqir",
            credit="REUTERS",
            date="2017-02-20",
            city="Daraa",
            caption="Smoke rises after a car bomb explosion in Daraa, Syria February 20, 2017. "
            "REUTERS/Alaa al-Faqir",
        ),
        "ap/2017/02/20/Mideast-Syria-Daraa.jpg": dict(
            byline="Anonymous",
            credit="AP",
            date="2017-02-20",
            city="Daraa",
            caption="In this photo, smoke rises in Daraa, Syria, Monday, Feb. 20, 2017. (AP Photo)",
        ),
        # A stripped CMS copy of something else entirely.
        "web/2017-02-20/weather-map.jpg": dict(strip=True),
    }
    for rel, meta in look_alikes.items():
        storegen.news_photo(root / rel, **meta)  # type: ignore[arg-type]
    return root


def resent_image(path: Path) -> Path:
    """AFP's re-sent photo: the caption paragraph is its IPTC caption, the right byline set."""
    return storegen.news_photo(
        path, byline="MOHAMAD ABAZEED", credit="AFP", caption=seed.caption(), date="2017-02-20",
        city="Daraa", country="Syria",
    )  # fmt: skip


def carrier(kind: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "text":
        path = folder / "notice.txt"
        path.write_text(seed.caption() + "\n", encoding="utf-8")
        return path
    if kind == "email":
        return seed.forwarded_email(folder / "notice.eml")
    if kind == "image":
        return resent_image(folder / "SYRIA-CONFLICT-000_NG3LP-CORRECTION.jpg")
    path = folder / "iraq-airstrikes-isis-syria.html"
    path.write_text(seed.page_html(), encoding="utf-8")
    return path


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.jpg"))
    }


CARRIERS = ["text", "email", "image", "page"]


@pytest.mark.parametrize("kind", CARRIERS)
def test_the_seed_reads_the_same_in_every_carrier(kind: str, tmp_path: Path) -> None:
    from wirefix.exiftool import ExifTool
    from wirefix.ingest import parse_sources

    with ExifTool() as et:
        [notice] = parse_sources([str(carrier(kind, tmp_path))], exiftool=et).notices
    assert (notice.agency, notice.distributors, notice.kind, notice.status, notice.language) == (
        "AFP", ["Getty Images"], "correction", "parsed", "en",
    )  # fmt: skip
    pairs = [(c.field, c.erroneous, c.corrected) for c in notice.corrections]
    assert pairs[0] == ("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")
    assert (
        "credit",
        "ERIC FEFERBERG/AFP/Getty Images",
        "MOHAMAD ABAZEED/AFP/Getty Images",
    ) in pairs
    assert notice.photographer == "MOHAMAD ABAZEED"
    assert notice.credit_line == "MOHAMAD ABAZEED/AFP/Getty Images"
    # The caption's date and place, never the page's "Posted at ... Feb 24, 2017".
    assert (notice.event.date, notice.event.city, notice.event.country) == (
        "2017-02-20", "Daraa", "Syria",
    )  # fmt: skip
    assert notice.caption == RIGHT_CAPTION
    assert notice.identifiers == {}
    assert notice.text.endswith("(Photo credit should read MOHAMAD ABAZEED/AFP/Getty Images)")
    assert notice.readings[0].agency == "AFP"
    if kind == "page":
        assert notice.page is not None
        assert notice.page.url == "https://news.example/military/iraq-airstrikes-isis-syria"
        assert notice.page.title == "Iraq conducts first airstrikes against ISIS in Syria"
        assert notice.page.published_at == "2017-02-24T10:10:00"
        assert notice.page.found_in == "figcaption"
        assert notice.page.image_urls == ["https://news.example/photos/AFP_NG3LP.jpg"]
    else:
        assert notice.page is None


def test_the_whole_seed_page_as_text_reads_its_caption(tmp_path: Path) -> None:
    """The seed file itself, article and all, is the same notice as its caption alone."""
    whole = parse_text(NoticeText(text=seed.seed_text(), source="seed", source_kind="text"))
    alone = parse_text(NoticeText(text=seed.caption(), source="c", source_kind="text"))
    assert whole.content_hash == alone.content_hash
    assert (whole.agency, whole.event.date, whole.corrections) == (
        "AFP", "2017-02-20", alone.corrections,
    )  # fmt: skip


@pytest.mark.parametrize("kind", CARRIERS)
def test_the_seed_fixes_both_copies_and_nothing_else(kind: str, cli: Cli, tmp_path: Path) -> None:
    store = build_store(tmp_path / "store")
    source = carrier(kind, tmp_path / "inbox")
    [stored] = cli.json("ingest", str(source))
    notice_id = str(stored["id"])
    assert (stored["agency"], stored["distributors"], stored["status"]) == (
        "AFP", ["Getty Images"], "parsed",
    )  # fmt: skip
    assert cli.json("scan", str(store))["new"] == 10

    matched = cli.json("match", notice_id, "--all")  # exit 0: both decided, nothing open
    assert matched["open_case"] is None
    candidates = matched["candidates"]
    decided = {c["rel_path"]: c["decision"] for c in candidates}
    assert {p for p, d in decided.items() if d == "auto"} == AFFECTED, decided
    for c in candidates:
        if c["rel_path"] in AFFECTED:
            assert not [r for r in c["reasons"] if r["name"] == "other_agency"], c

    before = digests(store)
    applied = cli.json("apply", notice_id, "--yes")
    changed = {f["path"].split("/store/")[1] for f in applied["files"] if f["status"] == "changed"}
    assert changed == AFFECTED
    after = digests(store)
    untouched = [rel for rel in before if rel not in AFFECTED and after[rel] == before[rel]]
    assert len(untouched) == 8, "every look-alike byte-identical"
    for rel in AFFECTED:
        assert after[rel] != before[rel]
        tags = exiftool_tags(store / rel)
        for tag in ("IPTC:By-line", "XMP-dc:Creator", "IFD0:Artist"):
            assert tags[tag] == "MOHAMAD ABAZEED", (rel, tag)
        for tag in ("IPTC:Caption-Abstract", "XMP-dc:Description", "IFD0:ImageDescription"):
            assert tags[tag] == RIGHT_CAPTION, (rel, tag)
        assert tags["IPTC:Credit"] == "AFP"
        assert "FEFERBERG" not in json.dumps(tags, ensure_ascii=False)

    entries = [json.loads(line) for line in cli("audit", "export").stdout.splitlines()]
    fixed = [json.loads(e["payload"]) for e in entries if e["columns"]["action"] == "rewrite"]
    assert sorted(e["rel_path"] for e in fixed) == sorted(AFFECTED), "one entry per fixed file"
    assert {e["outcome"] for e in fixed} == {"ok"}
    assert {e["notice_id"] for e in fixed} == {int(notice_id)}
    cli("audit", "verify")


def test_run_takes_the_seed_page_from_the_inbox_and_fixes_both_copies(
    cli: Cli, tmp_path: Path, db_url: str
) -> None:
    """The scheduled job, as cron runs it, with the published page dropped in its inbox."""
    store = build_store(tmp_path / "store")
    inbox = tmp_path / "inbox"
    carrier("page", inbox)
    config = tmp_path / "wirefix.toml"
    config.write_text(
        f'db = "{db_url}"\n[store.roots]\nphotos = "{store}"\n[inbox]\nfolders = ["{inbox}"]\n',
        encoding="utf-8",
    )
    before = digests(store)
    proc = cli("run", "--config", str(config), "--json", check=False)
    summary = json.loads(proc.stdout)
    assert summary["files_changed"] == 2, summary
    after = digests(store)
    assert {rel for rel in before if after[rel] != before[rel]} == AFFECTED
    assert exiftool_tags(store / PHOTO)["IPTC:By-line"] == "MOHAMAD ABAZEED"


def test_report_names_the_distributors_and_finds_the_notice_by_them(
    cli: Cli, tmp_path: Path
) -> None:
    source = carrier("text", tmp_path / "inbox")
    [stored] = cli.json("ingest", str(source))
    [entry] = cli.json("report", "--agency", "Getty Images")["notices"]
    assert (entry["id"], entry["agency"], entry["distributors"]) == (
        stored["id"], "AFP", ["Getty Images"],
    )  # fmt: skip
    assert cli.json("report", "--agency", "Reuters")["notices"] == []
