"""Matcher precision on a generated store of look-alikes (SPEC §5, issue 4).

Each notice is matched against the same store: the photo it concerns, its renditions, and the
files that resemble it (same photographer other events, same event other agencies, a reused
transmission reference, a stripped copy). The test says exactly which files are auto and review;
everything else is no (listed with its reasons, or not a candidate at all).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import storegen as g

from wirefix.decide.match import MatchConfig, match, notice_keys
from wirefix.flows.pipeline import match_notice
from wirefix.index.scan import scan
from wirefix.model import Correction, Event, IndexedFile, Notice
from wirefix.storage import Database

MOSUL = "Iraqi forces advance towards the Old City of Mosul during the offensive against jihadists"
DARAA = (
    "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
    "southern Syrian city of Daraa on February 20, 2017."
)


def _store(root: Path) -> None:
    afp = {"credit": "JANE DOE/AFP", "source": "AFP", "byline": "JANE DOE"}
    g.news_photo(
        root / "afp/2017/03/01/IRAQ-CONFLICT-000_KILL1.jpg",
        **afp,
        caption=f"{MOSUL} / AFP / JANE DOE",
        date="2017-03-01",
        city="Mosul",
        country="Iraq",
        ref="000_KILL1",
        object_name="IRAQ-CONFLICT",
        size=(640, 427),
    )
    g.news_photo(
        root / "web/2017-03-01/mosul-w320.jpg",
        **afp,
        caption=f"{MOSUL} / AFP / JANE DOE",
        date="2017-03-01",
        city="Mosul",
        country="Iraq",
        ref="000_KILL1",
        object_name="IRAQ-CONFLICT",
        size=(320, 213),
    )
    g.news_photo(root / "web/2017-03-01/mosul-thumb.jpg", strip=True, size=(160, 107))
    g.news_photo(  # AFP reused the transmission reference two years earlier
        root / "afp/2015/06/10/IRAQ-CONFLICT-000_KILL1.jpg",
        **afp,
        caption="Displaced families queue for water near Mosul / AFP / JANE DOE",
        date="2015-06-10",
        city="Mosul",
        country="Iraq",
        ref="000_KILL1",
        object_name="IRAQ-CONFLICT",
    )
    g.news_photo(  # the same photographer, another event
        root / "afp/2017/04/02/IRAQ-CONFLICT-000_OTHER.jpg",
        **afp,
        caption="Iraqi soldiers rest in a school in west Mosul / AFP / JANE DOE",
        date="2017-04-02",
        city="Mosul",
        country="Iraq",
        ref="000_OTHER",
        object_name="IRAQ-CONFLICT",
    )
    g.news_photo(  # the same event, another agency
        root / "reuters/2017/03/01/mosul-RC11.jpg",
        byline="ALAA AL-MARJANI",
        credit="REUTERS",
        source="Reuters",
        caption=f"{MOSUL}. REUTERS/Alaa Al-Marjani",
        date="2017-03-01",
        city="Mosul",
        country="Iraq",
        ref="RC11",
        object_name="IRAQ-CONFLICT",
    )
    # The Daraa correction: the photo, a rendition, a Getty copy, and ERIC FEFERBERG's others.
    wrong = {"byline": "ERIC FEFERBERG", "credit": "ERIC FEFERBERG/AFP", "source": "AFP"}
    daraa = {"date": "2017-02-20", "city": "Daraa", "country": "Syria"}
    g.news_photo(
        root / "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg",
        **wrong,
        **daraa,
        caption=f"{DARAA} / AFP / ERIC FEFERBERG",
        ref="000_NG3LP",
        object_name="SYRIA-CONFLICT",
        size=(640, 427),
    )
    g.news_photo(
        root / "web/2017-02-20/daraa-w240.jpg",
        **wrong,
        **daraa,
        caption=f"{DARAA} / AFP / ERIC FEFERBERG",
        ref="000_NG3LP",
        object_name="SYRIA-CONFLICT",
        size=(240, 160),
    )
    g.news_photo(
        root / "getty/2017/02/20/632476234.jpg",
        byline="ERIC FEFERBERG",
        credit="ERIC FEFERBERG/AFP/Getty Images",
        source="AFP",
        **daraa,
        caption=f"{DARAA} / AFP / ERIC FEFERBERG",
        image_id="632476234",
        size=(600, 400),
    )
    g.news_photo(  # same photographer, same day, same city, another photo: a person decides
        root / "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LQ.jpg",
        **wrong,
        **daraa,
        caption="Civil defence members search the rubble in Daraa / AFP / ERIC FEFERBERG",
        ref="000_NG3LQ",
        object_name="SYRIA-CONFLICT",
    )
    g.news_photo(
        root / "afp/2017/03/15/SYRIA-CONFLICT-DARAA.jpg",
        **wrong,
        caption="A rebel fighter in Daraa / AFP / ERIC FEFERBERG",
        date="2017-03-15",
        city="Daraa",
        country="Syria",
        ref="000_NH111",
        object_name="SYRIA-CONFLICT",
    )
    g.news_photo(
        root / "ap/2017/02/20/APTOPIX-Mideast-Syria-Daraa.jpg",
        byline="Nabil Hassan",
        credit="AP",
        source="AP",
        **daraa,
        caption=f"{DARAA} (AP Photo/Nabil Hassan)",
        ref="XDA101",
        object_name="Mideast Syria",
    )


def _notice(**kwargs: object) -> Notice:
    base: dict[str, object] = {
        "agency": "AFP",
        "kind": "kill",
        "language": "en",
        "corrections": [],
        "identifiers": {},
        "event": Event(),
        "photographer": None,
        "urgency": None,
        "status": "parsed",
        "text": "",
        "source": "test",
        "source_kind": "text",
    }
    base.update(kwargs)
    base["text"] = base["text"] or repr(kwargs)
    return Notice(**base)  # type: ignore[arg-type]


KILL_BY_REF = _notice(
    identifiers={"transmission_ref": "000_KILL1"},
    event=Event(date="2017-03-01", city="Mosul", country="Iraq"),
    photographer="JANE DOE",
)
KILL_BY_EVENT = _notice(
    event=Event(date="2017-03-01", city="Mosul", country="Iraq"),
    photographer="JANE DOE",
    caption=f"{MOSUL} / AFP / JANE DOE",
)
KILL_BY_NAME_ONLY = _notice(photographer="JANE DOE")
CORRECTION = _notice(
    kind="correction",
    corrections=[Correction("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")],
    event=Event(date="2017-02-20", city="Daraa", country="Syria"),
    photographer="MOHAMAD ABAZEED",
    caption=f"{DARAA} / AFP / MOHAMAD ABAZEED",
)
KILL_BY_SLUG = _notice(identifiers={"object_name": "IRAQ-CONFLICT"})
KILL_BY_REF_NO_DATE = _notice(identifiers={"transmission_ref": "000_KILL1"})

EXPECTED = {
    "kill by reference and date": (
        KILL_BY_REF,
        {"afp/2017/03/01/IRAQ-CONFLICT-000_KILL1.jpg", "web/2017-03-01/mosul-w320.jpg"},
        set(),
    ),
    "kill by event, no identifiers": (
        KILL_BY_EVENT,
        {"afp/2017/03/01/IRAQ-CONFLICT-000_KILL1.jpg", "web/2017-03-01/mosul-w320.jpg"},
        set(),
    ),
    "kill by a reused reference, no date": (
        KILL_BY_REF_NO_DATE,
        set(),
        {
            "afp/2017/03/01/IRAQ-CONFLICT-000_KILL1.jpg",
            "web/2017-03-01/mosul-w320.jpg",
            "afp/2015/06/10/IRAQ-CONFLICT-000_KILL1.jpg",
        },
    ),
    "kill naming only the photographer": (KILL_BY_NAME_ONLY, set(), set()),
    "kill naming only a story slug": (KILL_BY_SLUG, set(), set()),
    "byline correction": (
        CORRECTION,
        {
            "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg",
            "web/2017-02-20/daraa-w240.jpg",
            "getty/2017/02/20/632476234.jpg",
        },
        {"afp/2017/02/20/SYRIA-CONFLICT-000_NG3LQ.jpg"},
    ),
}


@pytest.fixture
def indexed(db_url: str, tmp_path: Path) -> Database:
    root = tmp_path / "store"
    _store(root)
    db = Database(db_url)
    db.ensure_schema()
    summary = scan(db, {"store": root}, workers=1)
    assert summary.failed == 0 and summary.new == 12
    yield db
    db.close()


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_look_alikes_are_decided_exactly(indexed: Database, case: str) -> None:
    notice, auto, review = EXPECTED[case]
    notice_id, _ = indexed.add_notice(notice)
    candidates = match_notice(indexed, notice_id)
    decided = {c.file.rel_path: c.decision for c in candidates}
    assert {p for p, d in decided.items() if d == "auto"} == auto, candidates
    assert {p for p, d in decided.items() if d == "review"} == review, candidates
    for c in candidates:
        assert c.evidence, "every candidate carries its reasons"
    # What was stored is what `wirefix match --json` and `apply` will see.
    assert {c.file.rel_path: c.decision for c in indexed.candidates(notice_id)} == decided


def test_reused_reference_and_renditions_are_explained(indexed: Database) -> None:
    notice_id, _ = indexed.add_notice(KILL_BY_REF)
    by_path = {c.file.rel_path: c for c in match_notice(indexed, notice_id)}
    old = by_path["afp/2015/06/10/IRAQ-CONFLICT-000_KILL1.jpg"]
    assert old.decision == "no" and "reused" in (old.capped_by or "")
    original = by_path["afp/2017/03/01/IRAQ-CONFLICT-000_KILL1.jpg"]
    rendition = by_path["web/2017-03-01/mosul-w320.jpg"]
    assert rendition.rendition_of == original.file.id
    assert any(e.name == "rendition" for e in rendition.evidence)
    other = by_path.get("afp/2017/04/02/IRAQ-CONFLICT-000_OTHER.jpg")
    assert other is None or other.decision == "no"


def test_correction_look_alikes_show_why_they_were_refused(indexed: Database) -> None:
    notice_id, _ = indexed.add_notice(CORRECTION)
    by_path = {c.file.rel_path: c for c in match_notice(indexed, notice_id)}
    later = by_path["afp/2017/03/15/SYRIA-CONFLICT-DARAA.jpg"]
    assert later.decision == "no"
    assert {"erroneous_value", "date_mismatch"} <= {e.name for e in later.evidence}
    getty = by_path["getty/2017/02/20/632476234.jpg"]
    assert getty.rendition_of == by_path["afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"].file.id


def test_thresholds_are_configurable() -> None:
    files = [
        IndexedFile(1, "s", "a.jpg", "/s/a.jpg", 1, {"transmission_ref": ["000_KILL1"]}, 10, 10)
    ]
    assert match(KILL_BY_REF, files)[0].decision == "auto"
    strict = MatchConfig(auto_threshold=1.01)
    assert match(KILL_BY_REF, files, strict)[0].decision == "review"
    assert ("id", "000_kill1") in notice_keys(KILL_BY_REF)
    assert ("slug", "iraq-conflict") in notice_keys(KILL_BY_SLUG)


def test_a_credit_correction_never_searches_by_agency_alone() -> None:
    credit = _notice(
        kind="correction",
        corrections=[Correction("credit", "JANE DOE/AFP", "JOHN ROE/AFP")],
        event=Event(date="2017-03-01"),
    )
    assert notice_keys(credit) == {("name", "jane doe")}
    only_agency = _notice(
        kind="correction",
        corrections=[Correction("credit", "AFP", "Reuters")],
        event=Event(date="2017-03-01"),
    )
    assert notice_keys(only_agency) == {("date", "2017-03-01")}


def test_a_file_credited_to_a_distributor_of_the_notice_is_not_another_agencys() -> None:
    """AFP's notice about "X/AFP/Getty Images": a file credited "Getty Images" or "AFP PHOTO" is
    the notice's agency; one credited "REUTERS" is another's (issue 13)."""
    notice = _notice(
        kind="correction",
        agency="AFP",
        distributors=["Getty Images"],
        corrections=[Correction("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")],
        event=Event(date="2017-02-20", city="Daraa"),
        caption=f"{DARAA} / AFP / MOHAMAD ABAZEED",
    )

    def scored(credit: str) -> list[str]:
        fields = {"byline": ["ERIC FEFERBERG"], "credit": [credit], "date": ["2017-02-20"],
                  "caption": [f"{DARAA} / AFP / ERIC FEFERBERG"]}  # fmt: skip
        [c] = match(notice, [IndexedFile(1, "s", "a.jpg", "/s/a.jpg", 1, fields, 10, 10)])
        return [e.name for e in c.evidence] + [c.decision]

    for ours in ("Getty Images", "AFP PHOTO", "ERIC FEFERBERG/AFP/Getty Images", "AFP via Getty"):
        assert "agency" in scored(ours) and "other_agency" not in scored(ours), ours
        assert scored(ours)[-1] == "auto", ours
    assert "other_agency" in scored("REUTERS")
    assert scored("REUTERS")[-1] == "no"
    assert "other_agency" in scored("APA-PictureDesk"), "APA is not AP, nor AFP"


def test_a_byline_holding_a_slash_is_looked_up_whole() -> None:
    """Issue 14: "JOHN DOE/JANE ROE" as a byline was split, and the file keyed by the whole
    byline was never a candidate."""
    notice = _notice(
        kind="correction",
        corrections=[Correction("byline", "JOHN DOE/JANE ROE", "JOHN DOE/JANE ROSE")],
    )
    assert ("name", "john doe/jane roe") in notice_keys(notice)
    fields = {"byline": ["JOHN DOE/JANE ROE"]}
    from wirefix.tagmap import index_keys

    assert index_keys(fields, "a.jpg") & notice_keys(notice)
