"""The AFP recogniser on AFP's own correction wording (issue 2)."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLES

from wirefix.exiftool import ExifTool
from wirefix.ingest import NoticeText, parse_sources, parse_text
from wirefix.model import Correction

NOTICE = (SAMPLES / "notices" / "afp-daraa-correction.txt").read_text(encoding="utf-8")


def parse(text: str, **kw: object) -> object:
    return parse_text(NoticeText(text=text, source="test", source_kind="text", **kw))


def test_corrected_value_comes_first_erroneous_second() -> None:
    notice = parse(NOTICE)
    assert notice.agency == "AFP"
    assert notice.kind == "correction"
    assert notice.status == "parsed"
    assert notice.language == "en"
    assert notice.corrections == [
        Correction(field="byline", erroneous="ERIC FEFERBERG", corrected="MOHAMAD ABAZEED")
    ]
    assert notice.photographer == "MOHAMAD ABAZEED"


def test_event_and_caption_are_read_from_the_resent_caption() -> None:
    notice = parse(NOTICE)
    assert notice.event.date == "2017-02-20"
    assert notice.event.city == "Daraa"
    assert notice.event.country == "Syria"
    assert notice.caption == (
        "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
        "southern Syrian city of Daraa on February 20, 2017. / AFP / MOHAMAD ABAZEED"
    )
    assert "immediately" in notice.urgency


def test_no_identifier_is_invented() -> None:
    assert parse(NOTICE).identifiers == {}


def test_photo_number_is_taken_when_the_notice_carries_it() -> None:
    text = NOTICE.replace("CORRECTION - ", "CORRECTION - AFP photo 000_NG3LP - ")
    assert parse(text).identifiers == {"afp_id": "000_NG3LP"}


def test_french_notice() -> None:
    text = (
        "RECTIFICATIF - Des fumées s'élèvent après l'explosion d'une voiture piégée à Deraa, "
        "le 20 février 2017. / AFP / MOHAMAD ABAZEED / La mention erronée apparaissant dans les "
        "métadonnées de cette photo a été modifiée dans les systèmes de l'AFP de la manière "
        "suivante : [MOHAMAD ABAZEED] au lieu de [ERIC FEFERBERG]. Merci de supprimer "
        "immédiatement la mention erronée de tous vos services en ligne."
    )
    notice = parse(text)
    assert notice.language == "fr"
    assert notice.corrections == [
        Correction(field="byline", erroneous="ERIC FEFERBERG", corrected="MOHAMAD ABAZEED")
    ]
    assert notice.event.date == "2017-02-20"


def test_unicode_names_come_out_exactly_in_nfc() -> None:
    decomposed = "ŁUKASZ GA\u0328GULSKI"  # "Ą" as A + combining ogonek
    text = NOTICE.replace("[MOHAMAD ABAZEED]", f"[{decomposed}]").replace(
        "/ AFP / MOHAMAD ABAZEED", f"/ AFP / {decomposed}"
    )
    [correction] = parse(text).corrections
    assert correction.corrected == "ŁUKASZ GĄGULSKI"
    assert correction.erroneous == "ERIC FEFERBERG"


def test_wording_without_a_pair_needs_review() -> None:
    text = NOTICE.replace("[MOHAMAD ABAZEED] instead of [ERIC FEFERBERG]", "as follows")
    notice = parse(text)
    assert notice.status == "needs_review"
    assert notice.corrections == []
    assert "pair" in notice.reason


def test_text_that_is_no_notice_is_kept_as_unparsed() -> None:
    notice = parse("Lunch menu for Thursday: soup, bread, cheese.")
    assert notice.status == "unparsed"
    assert notice.reason


def test_text_email_and_image_give_one_notice(tmp_path: Path) -> None:
    notices = SAMPLES / "notices"
    with ExifTool() as et:
        result = parse_sources(
            [
                str(notices / "afp-daraa-correction.txt"),
                str(notices / "afp-daraa-correction.eml"),
                str(notices / "afp-daraa-correction.jpg"),
            ],
            et,
        )
    assert result.errors == []
    text, mail, image = result.notices
    assert text.content_hash == mail.content_hash == image.content_hash
    assert mail.sent_at == "2017-02-22T09:14:00+00:00"
    # The re-sent image carries the photo's own identifiers in its metadata.
    assert image.identifiers["transmission_ref"] == "000_NG3LP"
    assert image.corrections == text.corrections


def test_quoted_reply_still_yields_the_notice(tmp_path: Path) -> None:
    quoted = "\n".join("> " + line for line in NOTICE.splitlines())
    eml = tmp_path / "reply.eml"
    eml.write_text(
        "From: editor@newsroom.example\nTo: desk@newsroom.example\nSubject: Re: CORRECTION\n"
        "Date: Wed, 22 Feb 2017 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n"
        f"Please handle this one.\n\n{quoted}\n",
        encoding="utf-8",
    )
    [notice] = parse_sources([str(eml)]).notices
    assert notice.corrections[0].erroneous == "ERIC FEFERBERG"
    assert "Please handle" not in notice.text
