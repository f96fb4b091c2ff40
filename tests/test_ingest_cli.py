"""`wirefix ingest` through the real CLI, on SQLite and PostgreSQL: batches, exit codes, dedupe."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "notices"


def test_unparsed_notice_is_stored_named_and_exits_3(cli) -> None:
    proc = cli(
        "ingest", "--json", str(FIXTURES / "unparsed-note.txt"), str(FIXTURES / "afp-kill-en.txt"),
        check=3,
    )  # fmt: skip
    stored = json.loads(proc.stdout)
    assert [n["status"] for n in stored] == ["unparsed", "parsed"], "the rest of the batch goes in"
    unparsed_id = stored[0]["id"]
    assert f"notice {unparsed_id} ({FIXTURES / 'unparsed-note.txt'}) was not understood" in (
        proc.stderr
    )
    assert "no agency recogniser understood this notice" in proc.stderr
    report = cli.json("report")
    assert {n["status"] for n in report["notices"]} == {"unparsed", "parsed"}


def test_unreadable_source_exits_1_and_the_rest_goes_in(cli, tmp_path: Path) -> None:
    lolz = tmp_path / "lolz.xml"
    lolz.write_bytes(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "a">]><a>&a;</a>')
    proc = cli("ingest", str(lolz), str(FIXTURES / "reuters-picture-kill.txt"), check=1)
    assert proc.stderr.count("error:") == 1 and "lolz.xml: XML refused" in proc.stderr
    assert "Reuters kill (parsed)" in proc.stdout


def test_same_notice_from_a_file_and_its_reply_is_stored_once(cli) -> None:
    first = cli.json("ingest", str(FIXTURES / "ap-kill-tok801.txt"))
    again = cli.json("ingest", str(FIXTURES / "ap-kill-reply.eml"))
    assert again[0]["id"] == first[0]["id"] and again[0]["new"] is False


def test_parse_writes_nothing_and_reports_skipped_feed_items(cli) -> None:
    proc = cli("parse", str(FIXTURES / "reuters-newsml-usable.xml"), check=0)
    assert "1 ordinary feed item(s) skipped" in proc.stderr
    assert cli.json("report")["notices"] == []
