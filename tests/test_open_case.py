"""Open cases (issue 13, item 5): a correction or kill in force that nothing will act on,
although the index holds a file that may be the photo, is never met with silence.

Through the real CLI on SQLite and PostgreSQL: `match`, `apply` and `run` exit 3 and name the
refused files nearest to the notice with why they were refused; `status` and `report` (JSON and
HTML) list them. The false alarms a desk would hate are not raised: a notice wirefix already
fixed, matched again, and the photographer's photos of other days. The rule itself is
`wirefix.decide.cases.open_case`, tested last on plain data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import storegen as g
from conftest import SAMPLES, Cli

from wirefix.decide.cases import open_case, to_apply
from wirefix.decide.match import match
from wirefix.model import Correction, Event, IndexedFile, Notice

NOTICE = SAMPLES / "notices" / "afp-daraa-correction.txt"
DARAA = (
    "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
    "southern Syrian city of Daraa on February 20, 2017."
)
COPY = "reuters/2017/02/20/daraa-copy.jpg"
OTHER_DAY = "afp/2017/03/15/SYRIA-CONFLICT-DARAA.jpg"
UNKNOWN_KILL = (
    "MANDATORY KILL\n\nThe photo 000_34L82NW (SYRIA-CONFLICT) transmitted on February 20, 2017 "
    "has been withdrawn from AFP systems. Please immediately remove it from all your online "
    "services and delete it from your servers.\n"
)


def look_alikes(root: Path) -> Path:
    """The Daraa photo only as a copy credited to Reuters (a cap refuses it) and the
    photographer's photo of another day: the matcher decides both `no`."""
    g.news_photo(
        root / COPY,
        byline="ERIC FEFERBERG",
        credit="REUTERS",
        source="Reuters",
        caption=f"{DARAA} / ERIC FEFERBERG",
        date="2017-02-20",
        city="Daraa",
        country="Syria",
    )
    g.news_photo(
        root / OTHER_DAY,
        byline="ERIC FEFERBERG",
        credit="ERIC FEFERBERG/AFP",
        source="AFP",
        caption="A rebel fighter in Daraa / AFP / ERIC FEFERBERG",
        date="2017-03-15",
        city="Daraa",
        country="Syria",
        ref="000_NH111",
    )
    return root


def test_a_correction_only_refused_look_alikes_answer_is_an_open_case(
    cli: Cli, tmp_path: Path, db_url: str
) -> None:
    store = look_alikes(tmp_path / "store")
    config = tmp_path / "site.toml"
    config.write_text(f'db = "{db_url}"\n[store.roots]\nphotos = "{store}"\n', encoding="utf-8")
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    before = {p: p.read_bytes() for p in store.rglob("*.jpg")}

    ran = cli.json("run", "--config", str(config), check=3)
    assert ran["outcome"] == "attention" and ran["files_changed"] == 0
    [case] = ran["open_cases"]
    assert case["notice"] == int(notice) and "erroneous value" in case["reason"]

    matched = cli.json("match", notice, check=3)
    assert {c["decision"] for c in matched["candidates"]} == {"no"}
    nearest = matched["open_case"]["nearest"]
    assert [c["rel_path"] for c in nearest] == [COPY], "another day's photo is not near"
    assert "another agency" in nearest[0]["capped_by"]
    assert {r["name"] for r in nearest[0]["reasons"]} >= {"other_agency"}
    assert set(nearest[0]) >= {"path", "score", "decision", "capped_by", "reasons"}
    human = cli("match", notice, check=3)
    assert f"notice {notice} is an open case" in human.stderr
    assert COPY in human.stdout

    applied = cli.json("apply", notice, "--yes", check=3)
    assert applied["files"] == [] and applied["open_case"] == matched["open_case"]
    assert "open case" in cli("apply", notice, "--yes", check=3).stderr
    assert {p: p.read_bytes() for p in store.rglob("*.jpg")} == before, "nothing was changed"

    status = cli.json("status", "--config", str(config))
    assert status["notices_open"] == 1 and status["notices_by_state"] == {"open-case": 1}
    assert [c["notice"] for c in status["open_cases"]] == [int(notice)]
    assert status["open_cases"][0]["nearest"] == nearest
    report = cli.json("report", "--status", "open-case")
    [entry] = report["notices"]
    assert entry["open_case"] == matched["open_case"] and report["totals"]["open_cases"] == 1
    page = tmp_path / "report.html"
    cli("report", "--format", "html", "--output", str(page))
    html = page.read_text(encoding="utf-8")
    assert f"data-open-case='{notice}'" in html and COPY in html
    assert "credited to another agency than AFP" in html


def test_a_kill_that_matches_nothing_is_an_open_case(cli: Cli, store: Path, tmp_path: Path) -> None:
    kill = tmp_path / "kill.txt"
    kill.write_text(UNKNOWN_KILL, encoding="utf-8")
    notice = str(cli.json("ingest", str(kill))[0]["id"])
    cli("scan", str(store))
    matched = cli.json("match", notice, check=3)
    assert matched["candidates"] == []
    assert matched["open_case"] == {
        "reason": "kill matched no file: nothing was taken out",
        "nearest": [],
    }
    assert cli.json("apply", notice, "--yes", check=3)["open_case"] == matched["open_case"]
    status = cli.json("status")
    assert status["open_cases"] == [{"notice": int(notice), **matched["open_case"]}]


def test_a_notice_wirefix_fixed_is_not_an_open_case_when_matched_again(
    cli: Cli, store: Path, tmp_path: Path
) -> None:
    """Matched again after the fix, every file is `no` (already right; the photographer's
    other photos are of other days): done, exit 0, no alarm. The same for a kill carried out."""
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("scan", str(store))
    cli("apply", notice, "--yes")
    cli("scan", str(store))  # the index sees the fixed files, as the next `run` does
    again = cli.json("match", notice)
    assert {c["decision"] for c in again["candidates"]} == {"no"}
    assert again["open_case"] is None
    assert cli.json("report")["notices"][0]["state"] == "done"
    assert cli.json("status")["open_cases"] == []

    kill = tmp_path / "kill.txt"
    kill.write_text(
        f"MANDATORY KILL - {DARAA} / AFP / MOHAMAD ABAZEED. This photo 000_NG3LP has been "
        "withdrawn from AFP systems. Please immediately remove it.\n",
        encoding="utf-8",
    )
    killed = str(cli.json("ingest", str(kill))[0]["id"])
    quarantine = ["--quarantine-dir", str(tmp_path / "q")]
    assert {f["status"] for f in cli.json("apply", killed, "--yes", *quarantine)["files"]} == {
        "changed"
    }
    cli("scan", str(store))  # the killed files are gone from the index
    assert cli.json("match", killed)["open_case"] is None
    assert [n["state"] for n in cli.json("report")["notices"]] == ["done", "done"]


def test_the_photo_right_without_wirefix_is_an_open_case(
    cli: Cli, store: Path, tmp_path: Path
) -> None:
    """The photo (found by its caption) no longer carries the erroneous value, but this
    database's audit log shows wirefix fixed nothing: someone fixed it by hand, or the error is
    written otherwise there. Not silence: a person looks once."""
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("scan", str(store))
    cli("apply", notice, "--yes")
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(store, elsewhere)
    other = Cli(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other-home")
    fresh = str(other.json("ingest", str(NOTICE))[0]["id"])
    other("scan", str(elsewhere))
    case = other.json("match", fresh, check=3)["open_case"]
    assert "wirefix fixed nothing" in case["reason"]
    assert any(c["rel_path"].endswith("000_NG3LP.jpg") for c in case["nearest"])


# -- the rule, on plain data -----------------------------------------------------------------


def notice(**kwargs: object) -> Notice:
    base: dict[str, object] = {
        "agency": "AFP",
        "kind": "correction",
        "language": "en",
        "corrections": [Correction("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")],
        "identifiers": {},
        "event": Event(date="2017-02-20", city="Daraa", country="Syria"),
        "photographer": "MOHAMAD ABAZEED",
        "urgency": None,
        "status": "parsed",
        "text": "notice",
        "source": "test",
        "source_kind": "text",
        "caption": f"{DARAA} / AFP / MOHAMAD ABAZEED",
    }
    base.update(kwargs)
    return Notice(**base)  # type: ignore[arg-type]


def indexed(file_id: int, **fields: str) -> IndexedFile:
    return IndexedFile(
        file_id, "s", f"{file_id}.jpg", f"/s/{file_id}.jpg", 1, {k: [v] for k, v in fields.items()}
    )


REUTERS_COPY = indexed(
    1, byline="ERIC FEFERBERG", credit="REUTERS", caption=DARAA, date="2017-02-20"
)
OTHER_DAY_FILE = indexed(2, byline="ERIC FEFERBERG", credit="AFP", date="2017-03-15")


@pytest.mark.parametrize(
    ("case", "kwargs", "files", "decided", "fixed", "is_open"),
    [
        ("refused copy still wrong", {}, [REUTERS_COPY], {}, False, True),
        ("still wrong after wirefix fixed others", {}, [REUTERS_COPY], {}, True, True),
        ("waiting for review, not silent", {"status": "needs_review"}, [REUTERS_COPY], {}, 0, 1),
        ("an editor decided", {}, [REUTERS_COPY], {1: "rejected"}, False, False),
        ("another day only", {}, [OTHER_DAY_FILE], {}, False, False),
        ("nothing near", {}, [], {}, False, False),
        ("advisory", {"kind": "advisory"}, [REUTERS_COPY], {}, False, False),
        ("unparsed", {"status": "unparsed"}, [REUTERS_COPY], {}, False, False),
        ("kill of nothing", {"kind": "kill", "corrections": []}, [], {}, False, True),
        ("kill carried out", {"kind": "kill", "corrections": []}, [], {}, True, False),
    ],
)
def test_the_open_case_rule(
    case: str,
    kwargs: dict,
    files: list[IndexedFile],
    decided: dict[int, str],
    fixed: bool,
    is_open: bool,
) -> None:
    n = notice(**kwargs)
    candidates = match(n, files)
    assert not to_apply(candidates, decided)
    assert (open_case(n, candidates, decided, bool(fixed)) is not None) is bool(is_open), case


def test_one_rule_for_what_a_machine_may_apply() -> None:
    n = notice(kind="kill", corrections=[], identifiers={"transmission_ref": "000_X"})
    auto = match(n, [indexed(1, transmission_ref="000_X", date="2017-02-20")])
    assert [c.file.id for c in to_apply(auto, {})] == [1]
    assert to_apply(auto, {1: "rejected"}) == []
    refused = match(notice(), [REUTERS_COPY])
    assert to_apply(refused, {}) == [] and to_apply(refused, {1: "approved"}) == refused
    assert open_case(notice(), refused, {1: "approved"}, fixed=False) is None
