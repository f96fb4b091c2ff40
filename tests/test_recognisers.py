"""Each agency's notices, from a fixture file per format and agency, with the facts they carry.

The fixtures under tests/fixtures/notices/ follow the agencies' published wording (see
docs/notices.md for where each phrasing comes from); names and ids in them are examples.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest

from wirefix.ingest import NoticeText, parse_sources, parse_text
from wirefix.model import Notice

FIXTURES = Path(__file__).parent / "fixtures" / "notices"

# file -> the facts the notice must carry (only the keys given are checked).
EXPECTED: dict[str, dict[str, Any]] = {
    "afp-correction-en.txt": dict(
        agency="AFP",
        kind="correction",
        status="parsed",
        language="en",
        corrections=[("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")],
        event=("2017-02-20", "Daraa", "Syria"),
        photographer="MOHAMAD ABAZEED",
        ids={},
    ),
    "afp-correction-fr.txt": dict(
        agency="AFP",
        kind="correction",
        status="parsed",
        language="fr",
        corrections=[("byline", "MARIE-ÈVE LEVESQUE", "MARIE-ÈVE LÉVESQUE")],
        event=("2019-03-14", "Montréal", None),  # "dans le centre de Montréal, le 14 mars"
        photographer="MARIE-ÈVE LÉVESQUE",
    ),
    "afp-corrects-prefix.txt": dict(
        agency="AFP",
        kind="correction",
        status="parsed",
        corrections=[("date", "MARCH 13", "MARCH 12")],
        event=("2023-03-12", "Kraków", "Poland"),
        photographer="WOJTEK RADWAŃSKI",
    ),
    "afp-kill-en.txt": dict(
        agency="AFP",
        kind="kill",
        status="parsed",
        language="en",
        ids={"afp_id": "000_34L82NW"},
        replacement_follows=False,
    ),
    "afp-kill-fr.txt": dict(
        agency="AFP",
        kind="kill",
        status="parsed",
        language="fr",
        ids={"afp_id": "000_9XK2QZ"},
        replacement_follows=True,
    ),
    "afp-kill-es.txt": dict(
        agency="AFP",
        kind="kill",
        status="parsed",
        language="es",
        ids={"afp_id": "000_7PL4MD"},
    ),
    "afp-kill-forwarded.eml": dict(
        agency="AFP",
        kind="kill",
        status="parsed",
        ids={"afp_id": "000_34L82NW"},
        # "today (Sunday)" in a notice sent Monday 00:20 UTC is the Sunday before.
        event=("2024-03-10", "Windsor", "England"),
        sent_at="2024-03-11T00:20:00+00:00",
    ),
    "ap-kill-tok801.txt": dict(
        agency="AP",
        kind="kill",
        status="parsed",
        ids={"transmission_ref": "TOK801"},
        transmitted="2011-07-16",
        replacement_follows=True,
        event=(None, None, None),
    ),
    "ap-kill-reply.eml": dict(
        agency="AP",
        kind="kill",
        status="parsed",
        ids={"transmission_ref": "TOK801"},
        transmitted="2011-07-16",
        sent_at="2011-07-16T23:58:00",
    ),
    "ap-corrects.txt": dict(
        agency="AP",
        kind="correction",
        status="parsed",
        corrections=[("byline", "KIM HONG-JEE", "KIM HONG-JI")],
        event=("2023-03-12", "Seoul", "South Korea"),
        photographer="Kim Hong-Ji",
    ),
    "ap-corrects-base64.eml": dict(
        agency="AP",
        kind="correction",
        status="parsed",
        corrections=[("byline", "정연재", "정연제")],
        photographer="정연제",
    ),
    "ap-advisory-handout.txt": dict(agency="AP", kind="advisory", status="parsed", ids={}),
    "ap-ninjs-canceled.json": dict(
        agency="AP",
        kind="kill",
        status="parsed",
        ids={
            "guid": "http://api.ap.org/media/v/content/0f2e7a1c9d7b4c1e8b1f5b2d3c4e5f60",
            "altid_itemid": "0f2e7a1c9d7b4c1e8b1f5b2d3c4e5f60",
            "altid_friendlykey": "24070451234567",
            "transmission_ref": "LON101",
        },
        sent_at="2024-03-10T22:15:00+00:00",
    ),
    "ninjs-usable-advisory.json": dict(kind="advisory", status="parsed"),
    "reuters-picture-kill.txt": dict(
        agency="Reuters",
        kind="kill",
        status="parsed",
        ids={"usn": "RC2Y5X9RVD61"},
        replacement_follows=False,
    ),
    "reuters-kill-html-only.eml": dict(
        agency="Reuters",
        kind="kill",
        status="parsed",
        ids={"usn": "RC2Y5X9RVD61"},
    ),
    "reuters-refile.txt": dict(
        agency="Reuters",
        kind="correction",
        status="needs_review",
        corrections=[],
        photographer="Kacper Pempel",
        ids={},
        reason="Reuters REFILE without a FROM/TO pair: CORRECTING SPELLING OF PHOTOGRAPHER'S NAME",
    ),
    "reuters-refile-pair.txt": dict(
        agency="Reuters",
        kind="correction",
        status="parsed",
        corrections=[("date", "JANUARY 8", "JANUARY 7")],
        ids={"usn": "RC1B2C3D4E5F"},
        photographer="Kacper Pempel",
        event=("2024-01-07", "Warsaw", "Poland"),
    ),
    "reuters-newsml-canceled.xml": dict(
        agency="Reuters",
        kind="kill",
        status="parsed",
        ids={"guid": "tag:reuters.com,2024:newsml_RC2Y5X9RVD61", "usn": "RC2Y5X9RVD61"},
        sent_at="2024-03-10T21:02:11+00:00",
    ),
    "reuters-newsml-edstat-d.xml": dict(agency="Reuters", kind="kill", status="parsed"),
    "reuters-newsml-edstat-c.xml": dict(
        agency="Reuters",
        kind="correction",
        status="parsed",
        corrections=[("date", "MARCH 11", "MARCH 10")],
    ),
    "getty-editors-note.txt": dict(
        agency="Getty Images",
        kind="advisory",
        status="parsed",
        photographer="Jane Doe",
        ids={},
    ),
    "getty-note-attached.eml": dict(
        agency="Getty Images",
        kind="advisory",
        status="parsed",
        sent_at="2024-03-10T20:00:00+00:00",
    ),
    "getty-credit-correction.txt": dict(
        # Getty sent it, but the photo is AFP's: AFP is the originator, Getty a distributor.
        agency="AFP",
        distributors=["Getty Images"],
        kind="correction",
        status="parsed",
        corrections=[
            ("credit", "Jan Novak/AFP via Getty Images", "Jan Nowak/AFP via Getty Images")
        ],
        ids={"getty_id": "1498230112"},
        photographer="Jan Nowak",
    ),
    "epa-kill.txt": dict(
        agency="EPA",
        kind="kill",
        status="needs_review",
        photographer="Juan Pérez",
        ids={},
        event=("2022-10-12", "Madrid", "Spain"),
    ),
    "generic-pa-kill.txt": dict(agency="PA", kind="kill", status="needs_review", ids={}),
    "generic-should-read.txt": dict(
        agency=None,
        kind="correction",
        status="needs_review",
        corrections=[("byline", "Олександр Кузнецов", "Олександр Кузнєцов")],
    ),
    "unparsed-note.txt": dict(
        agency=None,
        status="unparsed",
        reason="no agency recogniser understood this notice",
    ),
}


def parse_one(name: str) -> Notice:
    result = parse_sources([str(FIXTURES / name)])
    assert not result.errors, result.errors
    assert len(result.notices) == 1, result.notices
    return result.notices[0]


def check(notice: Notice, expected: dict[str, Any]) -> None:
    for key, want in expected.items():
        if key == "corrections":
            got: Any = [(c.field, c.erroneous, c.corrected) for c in notice.corrections]
        elif key == "event":
            got = (notice.event.date, notice.event.city, notice.event.country)
        elif key == "ids":
            got = notice.identifiers
        else:
            got = getattr(notice, key)
        assert got == want, f"{key}: {got!r} != {want!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_facts(name: str) -> None:
    check(parse_one(name), EXPECTED[name])


def test_every_fixture_is_asserted() -> None:
    files = {p.name for p in FIXTURES.iterdir() if not p.name.startswith(".")}
    untested = files - set(EXPECTED) - {"malformed.eml", "reuters-newsml-usable.xml"}
    assert not untested, f"fixtures without expectations: {sorted(untested)}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_notice_invents_an_id(name: str) -> None:
    """Every identifier a notice names is written in what the agency sent."""
    notice = parse_one(name)
    raw = (FIXTURES / name).read_bytes().decode("utf-8", errors="replace")
    for value in notice.identifiers.values():
        assert value in notice.text or value in raw, f"{name}: {value!r} was invented"


def test_forwarders_words_are_not_the_notice() -> None:
    notice = parse_one("afp-kill-forwarded.eml")
    assert "000_ZZZ9999" not in notice.text and "000_ZZZ9999" not in notice.identifiers.values()
    assert "Paul" not in notice.text
    assert notice.text.startswith("MANDATORY KILL")


def test_reply_text_is_not_the_notice() -> None:
    notice = parse_one("ap-kill-reply.eml")
    assert "removed it from the site" not in notice.text
    assert notice.text.startswith("ELIMINATE")


def test_names_come_out_nfc_exactly() -> None:
    """The base64 fixture carries the Korean name decomposed (NFD); it comes out composed."""
    raw = (FIXTURES / "ap-corrects-base64.eml").read_bytes()
    assert b"base64" in raw
    notice = parse_one("ap-corrects-base64.eml")
    for c in notice.corrections:
        assert unicodedata.is_normalized("NFC", c.corrected)
        assert unicodedata.is_normalized("NFC", c.erroneous)
    assert notice.photographer == unicodedata.normalize("NFC", "정연제")


@pytest.mark.parametrize(
    ("name", "nfd"),
    [
        ("WOJTEK RADWAŃSKI", True),
        ("ALEKSANDR ZEMLIANICHENKO / АЛЕКСАНДР ЗЕМЛЯНИЧЕНКО", False),
        ("LOÏC VENANCE", True),
    ],
)
def test_afp_pair_keeps_unicode_names(name: str, nfd: bool) -> None:
    given = unicodedata.normalize("NFD", name) if nfd else name
    text = (
        f"CORRECTION - A photo. / AFP / {given} / The erroneous mention[s] appearing in the "
        f"metadata of this photo by {given} has been modified in AFP systems in the following "
        f"manner: [{given}] instead of [JOHN DOE]. Please immediately remove the erroneous "
        "mention[s]."
    )
    notice = parse_text(NoticeText(text=text, source="t", source_kind="text"))
    assert notice.corrections[0].corrected == unicodedata.normalize("NFC", name)
    assert notice.corrections[0].erroneous == "JOHN DOE"


def test_relative_date_needs_the_notices_own_date() -> None:
    text = "MANDATORY KILL - The photo 000_34L82NW taken today (Sunday) / AFP"
    undated = parse_text(NoticeText(text=text, source="t", source_kind="text"))
    assert undated.event.date is None, "never the date the notice happens to be read on"
    dated = parse_text(
        NoticeText(text=text, source="t", source_kind="email", sent_at="2024-03-10T18:00:00+00:00")
    )
    assert dated.event.date == "2024-03-10"


def test_usable_feed_item_is_skipped_not_stored() -> None:
    result = parse_sources([str(FIXTURES / "reuters-newsml-usable.xml")])
    assert result.notices == [] and len(result.skipped) == 1 and not result.errors


def test_folder_parses_every_file() -> None:
    result = parse_sources([str(FIXTURES)])
    assert not result.errors
    assert len(result.notices) == len(EXPECTED) + 1  # + malformed.eml, stored as unparsed


def test_two_feed_kills_with_the_same_words_are_two_notices() -> None:
    """A feed kill may say only "WITHDRAWN": its id keeps it apart from another one's."""
    xml = (FIXTURES / "reuters-newsml-canceled.xml").read_bytes()
    other = xml.replace(b"RC2Y5X9RVD61", b"RC0000000001")
    from wirefix.ingest.sources import read_bytes

    [a] = [parse_text(i) for i in read_bytes(xml, "a.xml", ".xml")]
    [b] = [parse_text(i) for i in read_bytes(other, "b.xml", ".xml")]
    assert a.content_hash != b.content_hash


def test_a_failing_recogniser_stores_the_notice_as_unparsed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import wirefix.ingest

    def broken(item: NoticeText) -> Notice:
        raise ValueError("bug")

    monkeypatch.setattr(wirefix.ingest, "recognisers", lambda: [broken])
    notice = parse_text(NoticeText(text="MANDATORY KILL", source="s", source_kind="newsml"))
    assert notice.status == "unparsed"
    assert notice.reason == "recogniser error (ValueError); please report it"
    assert "Traceback" not in capsys.readouterr().err


def test_a_kill_naming_several_photos_names_them_all() -> None:
    text = (
        "MANDATORY KILL - The photos 000_34L82NW and 000_34L82NX have been withdrawn from AFP "
        "systems and may no longer be used. 000_34L82NW"
    )
    notice = parse_text(NoticeText(text=text, source="t", source_kind="text"))
    assert notice.identifiers == {"afp_id": "000_34L82NW", "afp_id_2": "000_34L82NX"}


def test_ap_media_feed_shape_is_read() -> None:
    """AP's Media API wraps items as {"data": {"items": [{"item": {...}}]}}."""
    import json

    from wirefix.ingest.sources import read_bytes

    item = json.loads((FIXTURES / "ap-ninjs-canceled.json").read_text(encoding="utf-8"))
    feed = json.dumps({"api_version": "2.x", "data": {"items": [{"item": item}]}}).encode()
    [notice] = [parse_text(i) for i in read_bytes(feed, "feed.json", ".json")]
    assert (notice.agency, notice.kind, notice.identifiers["transmission_ref"]) == (
        "AP",
        "kill",
        "LON101",
    )
