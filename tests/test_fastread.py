"""Differential test: the fast JPEG reader and ExifTool give the same index values (SPEC §4).

Every file of the real corpus and a generated store of awkward cases is read both ways and compared
field by field (`index_fields` plus the image size). A file the fast path does not fully understand
must fall back to ExifTool rather than disagree.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import storegen as g
from difftool import differences

from wirefix.exiftool import ExifTool
from wirefix.jpeg import read as fastread


@pytest.fixture(scope="module")
def et() -> ExifTool:
    with ExifTool() as tool:
        yield tool


def test_fast_path_agrees_with_exiftool_on_the_real_corpus(corpus: Path, et: ExifTool) -> None:
    paths = sorted(p for p in corpus.iterdir() if p.name not in ("manifest.json", "SOURCES.md"))
    diffs, fallbacks = differences(paths, et)
    assert diffs == {}
    jpegs = [p for p in paths if p.suffix.lower() in (".jpg", ".jpeg")]
    read_fast = len(jpegs) - len([f for f in fallbacks if f.lower().endswith((".jpg", ".jpeg"))])
    # 30 of 89 since the warnings are compared too: most of the others are cameras' test
    # images whose maker notes ExifTool may warn about (agency photos rarely keep them).
    assert read_fast >= 30, fallbacks
    # What it cannot settle goes to ExifTool: secondary APP13 blocks, extended XMP, maker notes.
    assert "extended XMP" in fallbacks["exiftool-ExtendedXMP.jpg"]
    assert "APP13" in fallbacks["exiv2-iptc-psAPP13-wIPTC1-psAPP13-wIPTC2.jpg"]
    assert "0x927C" in fallbacks["exiftool-GE.jpg"]  # "[minor] Suspicious MakerNotes offset"
    # ...and the warnings it can tell for sure it gives as ExifTool does.
    assert fastread.read(str(corpus / "grid-pa.jpg"))["ExifTool:Warning"] == (
        fastread.XMP_HEADER_WARNING
    )
    assert fastread.read(str(corpus / "grid-rgb-wo-profile.jpg"))["ExifTool:Warning"] == (
        fastread.DIGEST_WARNING
    )


def _tricky(folder: Path) -> dict[str, bytes]:
    """name -> JPEG bytes, each one awkward in its own way."""
    latin = "Jürgen Müller – «Zürich» €"
    files = {
        # IPTC in cp1252 with no declared charset: ExifTool decodes it as Latin.
        "latin-undeclared.jpg": g.jpeg([g.photoshop(g.iptc([(2, 80, latin.encode("cp1252"))]))]),
        # UTF-8 bytes with no declaration: ExifTool reads mojibake ("Ã¼"), so must we.
        "utf8-undeclared.jpg": g.jpeg([g.photoshop(g.iptc([(2, 110, "Zoë/AFP".encode())]))]),
        "utf8-declared.jpg": g.jpeg([g.photoshop(g.iptc([g.UTF8, (2, 110, "Zoë/AFP".encode())]))]),
        # ISO 8859-1 declared the ISO 2022 way: still Latin for ExifTool.
        "latin-declared.jpg": g.jpeg(
            [g.photoshop(g.iptc([(1, 90, b"\x1b-A"), (2, 90, "Génève".encode("latin-1"))]))]
        ),
        "cp1252-holes.jpg": g.jpeg([g.photoshop(g.iptc([(2, 105, b"A\x81B\x9dC\x80")]))]),
        # Repeated By-line datasets are a list; trailing NULs are dropped.
        "bylines.jpg": g.jpeg(
            [
                g.photoshop(
                    g.iptc([g.UTF8, (2, 80, b"ONE"), (2, 80, b"TWO\0\0"), (2, 55, b"2017-02-20")])
                )
            ]
        ),
        "repeated-credit.jpg": g.jpeg(
            [g.photoshop(g.iptc([(2, 110, b"AFP"), (2, 110, b"Getty")]))]
        ),
        # Two APP13 segments and two IPTC blocks in one: ExifTool reads only the first as IPTC.
        "two-app13.jpg": g.jpeg(
            [
                g.photoshop(g.iptc([(2, 110, b"FIRST")])),
                g.photoshop(g.iptc([(2, 110, b"SECOND")])),
            ]
        ),
        "two-blocks.jpg": g.jpeg(
            [g.photoshop(g.iptc([(2, 110, b"FIRST")]), g.iptc([(2, 80, b"SECOND")]))]
        ),
        # XMP lists, language alternatives, attributes, numbers and booleans as ExifTool types them.
        "xmp-lists.jpg": g.jpeg(
            [
                g.xmp(
                    g.xmp_packet(
                        g.seq("dc:creator", ["Ann One", "Bob Two"])
                        + g.alt("dc:description", "Le caption", fr="La légende")
                        + g.alt("dc:title", "00123")
                        + g.simple("photoshop:TransmissionReference", "123456")
                        + g.simple("photoshop:Instructions", "true")
                        + g.simple("photoshop:DateCreated", "2017-02-20T10:00:00+01:00")
                        + g.simple("xmpMM:DocumentID", "1.5e3"),
                        attrs='photoshop:Credit="AFP &amp; Co" photoshop:City="  Daraa "',
                    )
                )
            ]
        ),
        "xmp-bag-one.jpg": g.jpeg([g.xmp(g.xmp_packet(g.seq("dc:creator", ["Solo"], "Bag")))]),
        "xmp-no-default.jpg": g.jpeg(
            [
                g.xmp(
                    g.xmp_packet(
                        '<dc:title><rdf:Alt><rdf:li xml:lang="en">T</rdf:li></rdf:Alt></dc:title>'
                    )
                )
            ]
        ),
        "xmp-agency-header.jpg": g.jpeg(
            [
                g.xmp(
                    g.xmp_packet(g.simple("photoshop:Credit", "PA")),
                    g.XMP_AGENCY_HEADER,
                )
            ]
        ),
        # XMP past the first 64 KB, and extended XMP over several segments.
        "xmp-big.jpg": g.jpeg(
            [g.xmp(g.xmp_packet(g.simple("photoshop:Source", "Reuters"), pad=64000))] * 1
            + [g.segment(0xFE, b"\0" * 60000)],
        ),
        "xmp-extended.jpg": g.jpeg(
            g.extended_xmp(
                g.simple("photoshop:Credit", "Main"),
                g.simple("photoshop:Headline", "H" * 70000),
            )
        ),
        # EXIF both ways round, a two-part copyright and a big frame.
        "exif-le.jpg": g.jpeg(
            [
                g.exif(
                    {0x013B: g.ascii_("Ann Artist"), 0x8298: b"Photog \0Editor\0"},
                    {0x9003: g.ascii_("2016:10:01 10:00:00")},
                )
            ],
            640,
            427,
        ),
        "exif-be.jpg": g.jpeg(
            [g.exif({0x010E: g.ascii_("Desc"), 0x8298: b" \0Ed"}, None, big_endian=True)]
        ),
        "exif-latin1.jpg": g.jpeg([g.exif({0x013B: "Müller".encode("latin-1") + b"\0"})]),
        # Trailing blanks (exiv2's pr_1994_poc*.jpg): ExifTool trims Artist's trailing white
        # space, cuts Copyright's blanks before each NUL, and keeps the others' as they are.
        "exif-trailing-blanks.jpg": g.jpeg(
            [
                g.exif(
                    {
                        0x010E: g.ascii_("Caption  "),
                        0x013B: g.ascii_("Manfred Moser" + " " * 23),
                        0x8298: b"Photog   \0Editor  \0",
                    },
                    {0x9003: g.ascii_("2016:10:01 10:00:00 ")},
                )
            ]
        ),
        "exif-trailing-controls.jpg": g.jpeg(
            [g.exif({0x013B: b"Ann \t\n\r\x0b\x0c\0junk ", 0x010E: b"  \0"}, big_endian=True)]
        ),
        # Whitespace, empty items, entities, two rdf:Description, CR LF, a year-only date.
        "xmp-whitespace.jpg": g.jpeg(
            [
                g.xmp(
                    g.xmp_packet(
                        "<photoshop:Credit>  AFP \n</photoshop:Credit><dc:creator><rdf:Seq>"
                        "<rdf:li> A </rdf:li><rdf:li></rdf:li><rdf:li>\nB</rdf:li></rdf:Seq>"
                        "</dc:creator><photoshop:City></photoshop:City>"
                        "<photoshop:Source>A &amp; B &#233; &lt;x&gt;</photoshop:Source>"
                    ).replace(
                        b"</rdf:Description>",
                        b'</rdf:Description><rdf:Description rdf:about="" xmlns:photoshop='
                        b'"http://ns.adobe.com/photoshop/1.0/"><photoshop:Headline>H'
                        b"</photoshop:Headline></rdf:Description>",
                        1,
                    )
                )
            ]
        ),
        "iptc-whitespace.jpg": g.jpeg(
            [
                g.photoshop(
                    g.iptc(
                        [
                            g.UTF8,
                            (2, 110, b"  AFP  "),
                            (2, 80, b""),
                            (2, 80, b"X"),
                            (2, 55, b"2017"),
                            (2, 120, b"cap\r\nline"),
                        ]
                    )
                )
            ]
        ),
        # Warnings the index keeps: a stale IPTCDigest, a namespace URI ExifTool fixes.
        "digest-stale.jpg": g.jpeg([_with_digest(g.iptc([(2, 110, b"AFP")]), b"\x01" * 16)]),
        "digest-current.jpg": g.jpeg([_with_digest(g.iptc([(2, 110, b"AFP")]), None)]),
        "xmp-namespace-slash.jpg": g.jpeg(
            [
                g.xmp(
                    g.xmp_packet(g.simple("photoshop:Credit", "AFP")).replace(
                        b"http://ns.adobe.com/photoshop/1.0/", b"http://ns.adobe.com/photoshop/1.0"
                    )
                )
            ]
        ),
        "two-warnings.jpg": g.jpeg(
            [
                g.xmp(g.xmp_packet(g.simple("photoshop:Credit", "PA")), g.XMP_AGENCY_HEADER),
                _with_digest(g.iptc([(2, 110, b"PA")]), b"\x02" * 16),
            ]
        ),
        "news.jpg": b"",
    }
    g.news_photo(
        folder / "news.jpg",
        byline="MOHAMAD ABAZEED",
        credit="AFP",
        source="AFP",
        caption="Smoke billows in Daraa",
        headline="Syria conflict",
        date="2017-02-20",
        city="Daraa",
        country="Syria",
        copyright="AFP 2017",
        ref="000_NG3LP",
        object_name="SYRIA-CONFLICT",
        image_id="632476234",
        original_filename="AFP_NG3LP.jpg",
    )
    files["news.jpg"] = (folder / "news.jpg").read_bytes()
    files["png-named.jpg"] = _png()
    files["truncated.jpg"] = files["news.jpg"][:300]
    files.update(_damaged_ends(files["news.jpg"]))
    files["zero.jpg"] = b""
    return files


def _with_digest(block: bytes, digest: bytes | None) -> bytes:
    """APP13 with the IPTC `block` and an IPTCDigest resource (None: the block's own MD5)."""
    import hashlib
    import struct

    digest = hashlib.md5(block).digest() if digest is None else digest
    payload = g.photoshop(block)[4:] + b"8BIM\x04\x25\0\0" + struct.pack(">I", 16) + digest
    return g.segment(0xED, payload)


def _damaged_ends(news: bytes) -> dict[str, bytes]:
    """The picture cut short (ExifTool: "JPEG format error") and data after its end."""
    return {"cut-in-scan.jpg": news[: len(news) - 40], "trailer.jpg": news + b"TRAILER" * 9}


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    return buf.getvalue()


def test_fast_path_agrees_with_exiftool_on_generated_oddities(tmp_path: Path, et: ExifTool) -> None:
    paths = []
    for name, data in _tricky(tmp_path).items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    diffs, fallbacks = differences(paths, et)
    assert diffs == {}
    # The common cases stay on the fast path...
    for name in (
        "latin-undeclared.jpg",
        "utf8-undeclared.jpg",
        "utf8-declared.jpg",
        "latin-declared.jpg",
        "cp1252-holes.jpg",
        "bylines.jpg",
        "xmp-lists.jpg",
        "xmp-agency-header.jpg",
        "xmp-big.jpg",
        "exif-le.jpg",
        "exif-be.jpg",
        "exif-trailing-blanks.jpg",
        "exif-trailing-controls.jpg",
        "xmp-whitespace.jpg",
        "iptc-whitespace.jpg",
        "digest-stale.jpg",
        "digest-current.jpg",
        "news.jpg",
    ):
        assert name not in fallbacks, (name, fallbacks.get(name))
    # ...and the rest goes to ExifTool, never to a guess.
    assert set(fallbacks) >= {
        "two-app13.jpg",
        "two-blocks.jpg",
        "xmp-extended.jpg",
        "repeated-credit.jpg",
        "png-named.jpg",
        "truncated.jpg",
        "exif-latin1.jpg",
        "two-warnings.jpg",
        "cut-in-scan.jpg",
        "trailer.jpg",
        "xmp-namespace-slash.jpg",  # ExifTool reads photoshop:Credit in it, and warns
    }
    warned = {
        n: fastread.read(str(tmp_path / n)).get("ExifTool:Warning")
        for n in (p.name for p in paths)
        if n not in fallbacks and n != "zero.jpg"
    }
    assert warned["digest-stale.jpg"] == fastread.DIGEST_WARNING
    assert warned["digest-current.jpg"] is None
    assert warned["xmp-agency-header.jpg"] == fastread.XMP_HEADER_WARNING
    news = fastread.read(str(tmp_path / "news.jpg"))
    assert news["IPTC:By-line"] == "MOHAMAD ABAZEED"
    assert news["XMP-getty:OriginalFileName"] == "AFP_NG3LP.jpg"
    assert fastread.read(str(tmp_path / "latin-undeclared.jpg"))["IPTC:By-line"] == (
        "Jürgen Müller – «Zürich» €"
    )
    blanks = fastread.read(str(tmp_path / "exif-trailing-blanks.jpg"))
    assert blanks["IFD0:Artist"] == "Manfred Moser"
    assert blanks["IFD0:ImageDescription"] == "Caption  "
    assert blanks["IFD0:Copyright"] == "Photog\nEditor"
    assert fastread.read(str(tmp_path / "exif-trailing-controls.jpg"))["IFD0:Artist"] == "Ann"
    with pytest.raises(fastread.Empty):
        fastread.read(str(tmp_path / "zero.jpg"))


@pytest.mark.parametrize("seed", [7, 8])
def test_fast_path_agrees_with_exiftool_on_damaged_files(
    corpus: Path, et: ExifTool, tmp_path: Path, seed: int
) -> None:
    """Bytes flipped in the metadata of real JPEGs: the fast path agrees or steps aside."""
    import random

    sources = [p.read_bytes() for p in sorted(corpus.glob("*.jpg")) if p.stat().st_size > 100]
    rng = random.Random(seed)
    paths = []
    for n in range(200):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(min(len(data), 4000))] = rng.randrange(256)
        path = tmp_path / f"damaged-{n}.jpg"
        path.write_bytes(bytes(data))
        paths.append(path)
    diffs, fallbacks = differences(paths, et)
    assert diffs == {}
    assert len(fallbacks) < 170  # most sources have maker notes, which always fall back
