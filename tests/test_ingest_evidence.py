"""Readings weighed, not first-come (issue 13): originator and distributors, conflicts, language."""

from __future__ import annotations

import pytest

from wirefix.ingest import NoticeText, parse_text
from wirefix.ingest.evidence import choose
from wirefix.model import Correction, Event, Notice, Reading


def parse(text: str) -> Notice:
    return parse_text(NoticeText(text=text, source="t", source_kind="text"))


def notice(agency: str, kind: str, pairs: list[tuple[str, str]]) -> Notice:
    return Notice(
        agency=agency, kind=kind, language="en",  # type: ignore[arg-type]
        corrections=[Correction("byline", b, g) for b, g in pairs], identifiers={},
        event=Event(), photographer=None, urgency=None, status="parsed", text="t", source="t",
        source_kind="text",
    )  # fmt: skip


def reading(agency: str, kind: str, support: float, recogniser: str = "x") -> Reading:
    return Reading(recogniser=recogniser, agency=agency, kind=kind, support=support)


def test_a_close_reading_that_disagrees_sends_the_notice_to_a_person() -> None:
    afp = notice("AFP", "correction", [("A", "B")])
    getty = notice("Getty Images", "kill", [])
    chosen = choose([(reading("AFP", "correction", 0.7), afp),
                     (reading("Getty Images", "kill", 0.6), getty)], [])  # fmt: skip
    assert chosen.agency == "AFP" and chosen.status == "needs_review"
    assert "readings disagree" in (chosen.reason or "")
    assert "Getty Images reads kill" in (chosen.reason or "")


def test_a_distant_or_agreeing_reading_is_no_conflict() -> None:
    afp = notice("AFP", "correction", [("A", "B")])
    far = choose([(reading("AFP", "correction", 0.9), afp),
                  (reading("AP", "kill", 0.5), notice("AP", "kill", []))], [])  # fmt: skip
    assert far.status == "parsed"
    same = choose([(reading("AFP", "correction", 0.7), afp),
                   (reading("Getty Images", "correction", 0.65),
                    notice("Getty Images", "correction", [("a", "b")]))], [])  # fmt: skip
    assert same.status == "parsed", "the same pair, in other case, is the same reading"


def test_a_failed_recogniser_beside_a_good_reading_goes_to_a_person() -> None:
    afp = notice("AFP", "correction", [("A", "B")])
    chosen = choose([(reading("AFP", "correction", 0.9), afp)], ["recogniser error (KeyError)"])
    assert (chosen.status, chosen.reason) == ("needs_review", "recogniser error (KeyError)")


def test_getty_carrying_an_afp_photo_does_not_own_the_notice() -> None:
    text = (
        "MANDATORY KILL - The image 000_34L82NW of a rally in Paris on May 1, 2023 has been "
        "withdrawn from AFP systems and may no longer be used. (Photo by JOHN DOE/AFP via Getty "
        "Images)"
    )
    read = parse(text)
    assert (read.agency, read.distributors, read.kind, read.status) == (
        "AFP", ["Getty Images"], "kill", "parsed",
    )  # fmt: skip
    assert read.photographer == "JOHN DOE"
    assert read.readings[0].agency == "AFP"
    getty = next(r for r in read.readings if r.recogniser == "getty")
    assert "only as a distributor" in " ".join(getty.signals)


def test_getty_alone_is_the_originator_of_its_staff_photos() -> None:
    read = parse(
        "CORRECTION: The credit should read Chip Somodevilla/Getty Images, not Win McNamee/Getty "
        "Images. Asset ID: 1234567890"
    )
    assert (read.agency, read.distributors, read.photographer) == (
        "Getty Images", [], "Chip Somodevilla",
    )  # fmt: skip
    assert read.corrections == [
        Correction("credit", "Win McNamee/Getty Images", "Chip Somodevilla/Getty Images")
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Bitte beachten Sie, dass dieses Bild nur redaktionell genutzt werden darf.", "de"),
        ("Si prega di notare che questa immagine può essere usata solo a fini editoriali.", "it"),
        ("Observe que esta imagem só pode ser usada para fins editoriais e jornalísticos.", "pt"),
        ("Let op: deze afbeelding mag alleen voor redactionele doeleinden worden gebruikt.", "nl"),
        ("请注意，本图片仅限新闻报道使用，不得用于商业用途。", "zh"),
        ("Observera att bilden endast får användas i redaktionella sammanhang.", "sv"),
    ],
)
def test_a_notice_no_recogniser_reads_goes_to_a_person_with_its_language(
    text: str, code: str
) -> None:
    read = parse(text)
    assert read.language == code
    assert read.status == "needs_review", "never dropped, never silently unparsed"
    assert f"({code})" in (read.reason or "")


def test_an_english_notice_nobody_understood_stays_unparsed() -> None:
    read = parse("Please call the photo desk about the pictures from yesterday's match.")
    assert (read.language, read.status) == ("en", "unparsed")
