"""Bad input never crashes or hangs ingest: each bad source is one clear line, the rest go in."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from wirefix.ingest import parse_sources
from wirefix.ingest.sources import MAX_NOTICE_BYTES

FIXTURES = Path(__file__).parent / "fixtures" / "notices"
GOOD = str(FIXTURES / "afp-kill-en.txt")

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>
<newsItem guid="x"><itemMeta><pubStatus qcode="stat:canceled"/><edNote>&lol9;</edNote>
</itemMeta></newsItem></itemSet></newsMessage>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE item [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x"><itemMeta>
<pubStatus qcode="stat:canceled"/><edNote>&secret;</edNote></itemMeta></newsItem>"""


def run(tmp_path: Path, name: str, data: bytes) -> tuple[list[str], int]:
    bad = tmp_path / name
    bad.write_bytes(data)
    result = parse_sources([str(bad), GOOD])  # how fast: bench/bench_bounds.py
    assert any(n.identifiers.get("afp_id") == "000_34L82NW" for n in result.notices), (
        "the good notice of the batch is still parsed"
    )
    return result.errors, len(result.notices)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("junk.txt", b"\x00\x01\x02binary\xff" * 100, "binary data"),
        ("junk2.txt", bytes(range(1, 9)) * 500, "binary data"),
        ("empty.txt", b"", "empty file"),
        ("lolz.xml", BILLION_LAUGHS, "XML refused"),
        ("xxe.xml", EXTERNAL_ENTITY, "XML refused"),
        ("broken.xml", b"<?xml version='1.0'?><newsItem><unclosed>", "malformed XML"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        ("notjson.json", b"{'a': 1", "not JSON"),
        ("other.json", json.dumps({"hello": "world"}).encode(), "without a ninjs item"),
        ("noitem.xml", b"<?xml version='1.0'?><rss><channel/></rss>", "without a NewsML-G2"),
    ],
)
def test_bad_source_is_one_clear_line(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    errors, _ = run(tmp_path, name, data)
    assert len(errors) == 1, errors
    assert name in errors[0] and message in errors[0], errors[0]
    assert "\n" not in errors[0]
    assert "root:" not in errors[0], "an external entity must never be read"


def test_a_200_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: costs no disk and no time
    result = parse_sources([str(big), GOOD])  # how fast: bench/bench_bounds.py
    assert result.errors == [
        f"{big}: {200 * 1024 * 1024} bytes is too large for a notice (limit {MAX_NOTICE_BYTES}); "
        "is it the right file?"
    ]
    assert len(result.notices) == 1


def test_invalid_utf8_is_read_as_windows_latin1(tmp_path: Path) -> None:
    """Older agency systems still send cp1252: the accented names must survive."""
    text = (FIXTURES / "afp-correction-fr.txt").read_text(encoding="utf-8")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes(text.encode("cp1252"))
    [notice] = parse_sources([str(latin)]).notices
    assert notice.corrections[0].corrected == "MARIE-ÈVE LÉVESQUE"


def test_malformed_email_is_stored_not_crashed() -> None:
    result = parse_sources([str(FIXTURES / "malformed.eml")])
    assert not result.errors
    [notice] = result.notices
    assert notice.status == "unparsed" and notice.reason


def test_email_without_any_body(tmp_path: Path) -> None:
    mail = tmp_path / "nobody.eml"
    mail.write_bytes(
        b"From: a@b\nSubject: x\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n"
        b"iVBORw0KGgo=\n"
    )
    errors, _ = run(tmp_path, "nobody.eml", mail.read_bytes())
    assert errors == [f"{tmp_path / 'nobody.eml'}: e-mail has no text or HTML part"]


def test_symlink_loop_in_a_folder_terminates(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notice.txt").write_text((FIXTURES / "afp-kill-en.txt").read_text())
    os.symlink(inbox, inbox / "loop")
    result = parse_sources([str(inbox)])
    assert len(result.notices) == 1 and not result.errors


def test_missing_source_is_named(tmp_path: Path) -> None:
    result = parse_sources([str(tmp_path / "nope.txt"), GOOD])
    assert result.errors == [f"{tmp_path / 'nope.txt'}: no such file"]
    assert len(result.notices) == 1


def test_image_caption_carries_the_notice(tmp_path: Path) -> None:
    """A re-sent image whose caption is AFP's correction (the bundled sample)."""
    image = Path(__file__).parent.parent / "samples/store/incoming/afp"
    [notice] = parse_sources([str(image)]).notices
    assert notice.source_kind == "image" and notice.kind == "correction"
    assert notice.identifiers["transmission_ref"] == "000_NG3LP"


def test_getty_asset_id_from_object_name(tmp_path: Path) -> None:
    """Getty writes the AssetID into IPTC Object Name; a re-sent image's EDITOR'S NOTE names it."""
    import shutil
    import subprocess

    src = Path(__file__).parent.parent / "samples/store/afp/2016/10/01/FRANCE-FASHION-PARIS.jpg"
    image = tmp_path / "getty.jpg"
    shutil.copy(src, image)
    caption = (FIXTURES / "getty-editors-note.txt").read_text(encoding="utf-8").strip()
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-charset", "iptc=UTF8",
         "-IPTC:CodedCharacterSet=UTF8", f"-IPTC:Caption-Abstract={caption}",
         f"-XMP-dc:Description={caption}", f"-IFD0:ImageDescription={caption}",
         "-IPTC:ObjectName=1498230112", str(image)],
        check=True,
    )  # fmt: skip
    [notice] = parse_sources([str(image)]).notices
    assert notice.agency == "Getty Images" and notice.kind == "advisory"
    assert notice.identifiers["getty_id"] == "1498230112"


@pytest.mark.parametrize(
    "text",
    [
        "word " * 20000,
        "AFP " + "a " * 50000,
        "CORRECTS " * 10000,
        "x should read " * 5000,
        "REUTERS/" + "Ab " * 30000,
        "Getty Images EDITOR'S NOTE " + "Ab Cd " * 20000,
    ],
    ids=["words", "afp", "corrects", "should-read", "reuters", "getty"],
)
def test_long_lines_parse_in_bounded_time(text: str) -> None:
    """100 kB on one line without full stops: no pattern may take quadratic time on it."""
    from wirefix.ingest import NoticeText, parse_text

    notice = parse_text(NoticeText(text=text, source="long", source_kind="text"))
    assert notice.source == "long"  # it ends; the time bound is bench/bench_bounds.py's


def test_html_reply_quoting_the_notice_in_a_blockquote(tmp_path: Path) -> None:
    """Outlook-style HTML replies quote with <blockquote>, not "> "."""
    notice = (FIXTURES / "reuters-picture-kill.txt").read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{p}</p>" for p in notice.split("\n\n"))
    mail = tmp_path / "reply.eml"
    mail.write_text(
        "From: web@newsroom.example\nSubject: RE: PICTURE KILL\n"
        "Date: Mon, 11 Mar 2024 08:00:00 +0000\nMIME-Version: 1.0\n"
        'Content-Type: text/html; charset="utf-8"\n\n'
        "<html><body><p>Removed RC9ZZZZZZZ99 from the gallery too, thanks.</p>"
        "<p>On Sun, Mar 10, 2024 at 9:10 PM, Reuters Pictures wrote:</p>"
        f"<blockquote>{paragraphs}</blockquote></body></html>",
        encoding="utf-8",
    )
    [parsed] = parse_sources([str(mail)]).notices
    assert parsed.agency == "Reuters" and parsed.kind == "kill"
    assert parsed.identifiers == {"usn": "RC2Y5X9RVD61"}, "the replier's id is not the notice's"
    assert parsed.sent_at == "2024-03-10T21:10:00"


def test_afp_newsml_1_canceled_is_a_kill(tmp_path: Path) -> None:
    """AFP still sends NewsML 1.2: Status FormalName="Canceled" is the kill."""
    doc = tmp_path / "afp.xml"
    doc.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><NewsML Version="1.2"><NewsItem>'
        "<Identification><NewsIdentifier><ProviderId>afp.com</ProviderId>"
        "<PublicIdentifier>urn:newsml:afp.com:20240310T210000Z:doc-34l82nw:1</PublicIdentifier>"
        "</NewsIdentifier></Identification><NewsManagement>"
        "<ThisRevisionCreated>20240310T210000Z</ThisRevisionCreated>"
        '<Status FormalName="Canceled"/></NewsManagement><NewsComponent><NewsLines>'
        "<HeadLine>Britain-royals</HeadLine></NewsLines></NewsComponent></NewsItem></NewsML>",
        encoding="utf-8",
    )
    [parsed] = parse_sources([str(doc)]).notices
    assert (parsed.agency, parsed.kind, parsed.status) == ("AFP", "kill", "parsed")
    assert parsed.identifiers == {"guid": "urn:newsml:afp.com:20240310T210000Z:doc-34l82nw:1"}
    assert parsed.sent_at == "2024-03-10T21:00:00+00:00"


def test_notices_stored_before_new_fields_still_load() -> None:
    from wirefix.model import Notice

    [notice] = parse_sources([GOOD]).notices
    old = notice.to_dict()
    del old["transmitted"]  # a row written before the field existed
    old["from_a_newer_version"] = 1
    loaded = Notice.from_dict(old)
    assert loaded.transmitted is None and loaded.content_hash == notice.content_hash


def test_special_instructions_carry_a_kill(tmp_path: Path) -> None:
    """The caption is the photo's; the kill is in IPTC Special Instructions."""
    import shutil
    import subprocess

    src = Path(__file__).parent.parent / "samples/store/afp/2016/10/01/FRANCE-FASHION-PARIS.jpg"
    image = tmp_path / "kill.jpg"
    shutil.copy(src, image)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original",
         "-IPTC:SpecialInstructions=MANDATORY KILL - 000_9ABC12 has been withdrawn from AFP "
         "systems and may no longer be used.", str(image)],
        check=True,
    )  # fmt: skip
    [notice] = parse_sources([str(image)]).notices
    assert (notice.agency, notice.kind, notice.status) == ("AFP", "kill", "parsed")
    assert notice.identifiers["afp_id"] == "000_9ABC12"
    assert notice.source_kind == "image"


def test_email_with_the_photo_attached_is_read(tmp_path: Path) -> None:
    """Agencies attach the re-sent photo: a 10 MB e-mail is still a notice."""
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "AFP Photo Desk <photo.desk@afp.example>"
    msg["Subject"] = "MANDATORY KILL"
    msg["Date"] = "Sun, 10 Mar 2024 21:00:00 +0000"
    msg.set_content((FIXTURES / "afp-kill-en.txt").read_text(encoding="utf-8"))
    msg.add_attachment(os.urandom(10 * 1024 * 1024), maintype="image", subtype="jpeg")
    mail = tmp_path / "with-photo.eml"
    mail.write_bytes(msg.as_bytes())
    [notice] = parse_sources([str(mail)]).notices
    assert notice.kind == "kill" and notice.identifiers == {"afp_id": "000_34L82NW"}


def test_outlook_forward_without_a_forwarded_message_line(tmp_path: Path) -> None:
    notice = (FIXTURES / "ap-kill-tok801.txt").read_text(encoding="utf-8")
    mail = tmp_path / "outlook.eml"
    mail.write_text(
        "From: desk@newsroom.example\nSubject: FW: ELIMINATE\n"
        "Date: Mon, 18 Jul 2011 09:00:00 +0000\n"
        "\nCan someone check the archive for TOK802 too?\n\n"
        "________________________________\n"
        "From: AP Photo Desk <photos@ap.example>\nSent: Saturday, July 16, 2011 11:58 PM\n"
        "To: desk@newsroom.example\nSubject: ELIMINATE\n\n" + notice,
        encoding="utf-8",
    )
    [parsed] = parse_sources([str(mail)]).notices
    assert parsed.identifiers == {"transmission_ref": "TOK801"}
    assert "TOK802" not in parsed.text
    assert parsed.sent_at == "2011-07-16T23:58:00"


def test_a_large_attachment_is_not_held_in_memory_while_the_notice_is_read() -> None:
    """A 50 MB e-mail attachment took ten times its size in memory (issue 14); the photo is
    never read from an e-mail, so its body is dropped before parsing. Counted by tracemalloc:
    allocations, not time, so the load of the machine does not matter."""
    import os
    import tracemalloc
    from email.message import EmailMessage

    from wirefix.ingest.mail import read_email

    msg = EmailMessage()
    msg["From"], msg["Subject"] = "photo@afp.example", "MANDATORY KILL"
    msg.set_content("MANDATORY KILL - AFP photo 000_33ZL4RD has been withdrawn from AFP systems.")
    msg.add_attachment(os.urandom(20 * 1024 * 1024), maintype="image", subtype="jpeg",
                       filename="000_33ZL4RD.jpg")  # fmt: skip
    data = bytes(msg)
    tracemalloc.start()
    try:
        item = read_email(data, "kill.eml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert item.text.startswith("MANDATORY KILL - AFP photo 000_33ZL4RD")
    assert peak < len(data) // 4, f"{peak} bytes to read a {len(data)}-byte e-mail"
