"""Notices as they arrive in the wild, none of them written to the recognisers' wording (issue 13).

Each file under `fixtures/wild/` is a notice of a kind the project's own fixtures do not hold
(other agencies, languages, fields), with the facts a photo editor reads from it in
`expected.json`. Every fact is checked; the summary test reports the share read right.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wirefix.ingest import NoticeText, parse_text
from wirefix.model import Notice

WILD = Path(__file__).parent / "fixtures" / "wild"
EXPECTED: dict[str, dict[str, Any]] = json.loads((WILD / "expected.json").read_text("utf-8"))


def read(name: str) -> Notice:
    text = (WILD / name).read_text(encoding="utf-8")
    return parse_text(NoticeText(text=text, source=name, source_kind="text"))


def facts(notice: Notice) -> dict[str, Any]:
    return {
        "agency": notice.agency,
        "distributors": notice.distributors,
        "kind": notice.kind,
        "language": notice.language,
        "status": notice.status,
        "corrections": [[c.field, c.erroneous, c.corrected] for c in notice.corrections],
        "identifiers": notice.identifiers,
        "photographer": notice.photographer,
        "date": notice.event.date,
        "city": notice.event.city,
        "country": notice.event.country,
    }


def misses(name: str) -> list[str]:
    got = facts(read(name))
    return [
        f"{key}: read {got[key]!r}, the notice says {want!r}"
        for key, want in EXPECTED[name].items()
        if got[key] != want
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_fact_of_a_wild_notice_is_read(name: str) -> None:
    assert misses(name) == []


def test_every_wild_notice_has_its_expected_facts() -> None:
    files = {p.name for p in WILD.iterdir() if p.suffix == ".txt"}
    assert files == set(EXPECTED)
