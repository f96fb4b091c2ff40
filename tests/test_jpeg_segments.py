"""The one JPEG tokenizer (`wirefix.jpeg.segments`) and the modules that walk JPEGs through it.

- fuzz: random bytes and mutated real JPEGs never raise anything but `JpegError`, and what is
  tokenized covers the bytes in order, without gap or overlap (every part moves on: no hang);
- boundaries: on the real corpus and the generated oddities the tokenizer finds the segments
  ExifTool's own walk (`exiftool -v`) finds, and every consumer (fast reader, writer, prover,
  image-data hash, C2PA check) sees those same boundaries or refuses the file;
- the rule for TEM / RSTn before SOS (accepted: ExifTool 12.57 reads them without a warning
  and its write keeps them), and a C2PA APP11 behind fill bytes, which must be refused.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
import storegen as g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fastread import _tricky

from wirefix.exiftool import ExifTool
from wirefix.jpeg import prove as jpegdiff
from wirefix.jpeg import read as fastread
from wirefix.jpeg import write as jpegwrite
from wirefix.jpeg.c2pa import jumbf_in_app11
from wirefix.jpeg.imagedata import ImageDataError, image_data_hash
from wirefix.jpeg.prove.compare import _split
from wirefix.jpeg.read.record import _segments as reader_segments
from wirefix.jpeg.segments import (
    EntropyData,
    JpegError,
    Segment,
    head,
    head_segments,
    tokenize,
)
from wirefix.jpeg.write.splice import _segments as writer_segments
from wirefix.rewrite.safe import c2pa_marker

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"


def _corpus_jpegs() -> list[Path]:
    if not (CORPUS / "manifest.json").is_file():
        return []
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    return [CORPUS / m["file"] for m in manifest if m["type"] == "JPEG"]


def _app0_end(data: bytes) -> int:
    return 4 + struct.unpack_from(">H", data, 4)[0]


def _after_app0(data: bytes, extra: bytes) -> bytes:
    at = _app0_end(data)
    return data[:at] + extra + data[at:]


def _news(folder: Path) -> bytes:
    path = g.news_photo(folder / "news-photo.jpg", byline="JOHN DOE", caption="A caption / AFP")
    return path.read_bytes()


# -- the fuzz ------------------------------------------------------------------------------

_SEEDS = [g.base_jpeg(), g.jpeg([g.segment(0xFE, b"note"), g.photoshop(g.iptc([(2, 80, b"X")]))])]
_SEEDS += [p.read_bytes() for p in _corpus_jpegs()[:12]]


def _assert_covers(data: bytes) -> None:
    """`tokenize`, `head` and the C2PA check on any bytes: only JpegError, and parts that tile
    the bytes from 0 in order."""
    assert jumbf_in_app11(data) in (True, False)
    try:
        pos = 0
        for seg in head(data):
            assert seg.offset == pos and seg.end > pos
            pos = seg.end
    except JpegError as exc:
        assert isinstance(exc.at, int) and isinstance(exc.truncated, bool)
    try:
        tokens = tokenize(data)
    except JpegError:
        return
    pos = 0
    for part in tokens.parts:
        assert part.offset == pos
        if isinstance(part, EntropyData):
            assert part.end >= pos
        else:
            assert part.end > pos
            assert data[part.offset : part.marker_at + 1] == b"\xff" * (part.fill + 1)
            assert part.marker == data[part.marker_at + 1]
            if part.standalone:
                assert part.payload_start == part.end == part.marker_at + 2
            else:
                assert part.payload_start == part.marker_at + 4
                assert part.length == part.end - part.marker_at - 2 >= 2
        pos = part.end
    assert pos == tokens.trailer <= len(data)
    assert tokens.parts[0].marker == 0xD8 and tokens.parts[-1].marker == 0xD9  # type: ignore


_FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.binary(max_size=600), st.booleans())
def test_random_bytes_never_raise_but_jpeg_error(body: bytes, soi: bool) -> None:
    _assert_covers((b"\xff\xd8" if soi else b"") + body)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "ff", "marker", "cut", "drop", "truncate"]))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "ff":
            data[at:at] = b"\xff" * draw(st.integers(1, 4))
        elif kind == "marker":
            marker = draw(st.sampled_from([0x00, 0x01, 0xD0, 0xD7, 0xD8, 0xD9, 0xDA, 0xEB, 0xFF]))
            data[at:at] = bytes((0xFF, marker))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "drop":
            data[at : at + 2] = b""
        else:
            del data[at:]
    return bytes(data)


@_FUZZ
@given(_mutated())
def test_mutated_real_jpegs_never_raise_but_jpeg_error(data: bytes) -> None:
    _assert_covers(data)


def test_a_truncation_says_how_far_the_data_must_reach(tmp_path: Path) -> None:
    data = _news(tmp_path)
    sos = head_segments(data)[-1]
    with pytest.raises(JpegError) as exc:
        list(head(data[: sos.offset + 3]))
    assert exc.value.truncated and exc.value.at > sos.offset + 3
    with pytest.raises(JpegError) as exc:
        tokenize(data[:-2])  # no EOI
    assert exc.value.truncated
    with pytest.raises(JpegError) as exc:
        list(head(data[:2] + b"junk" + data[2:]))
    assert not exc.value.truncated


# -- every consumer agrees -----------------------------------------------------------------


def _rule_files() -> dict[str, bytes]:
    base = g.jpeg([g.segment(0xFE, b"hello"), g.photoshop(g.iptc([(2, 80, b"JOHN DOE")]))])
    return {
        "rst-before-sos.jpg": _after_app0(base, b"\xff\xd3"),
        "tem-before-sos.jpg": _after_app0(base, b"\xff\x01"),
        "fill-before-com.jpg": _after_app0(base, b"\xff\xff\xff"),
        "fill-then-rst.jpg": _after_app0(base, b"\xff\xff\xd0"),
    }


def _generated(folder: Path) -> dict[str, bytes]:
    files = dict(_tricky(folder))
    files.update(_rule_files())
    files["news-photo.jpg"] = _news(folder)
    return {n: d for n, d in files.items() if d[:2] == b"\xff\xd8"}


_NAMES = {
    **{0xC0 + i: f"SOF{i}" for i in range(16)},
    0xC4: "DHT",
    0xC8: "JPGA",
    0xCC: "DAC",
    **{0xD0 + i: f"RST{i}" for i in range(8)},
    0xDA: "SOS",
    0xDB: "DQT",
    0xDC: "DNL",
    0xDD: "DRI",
    0xDE: "DHP",
    0xDF: "EXP",
    **{0xE0 + i: f"APP{i}" for i in range(16)},
    0xFE: "COM",
    0x01: "TEM",
}
_VERBOSE = re.compile(r"^JPEG (\S+)(?: \((\d+) bytes\))?", re.M)


def _exiftool_walks(paths: list[Path]) -> dict[str, list[tuple[str, int]]]:
    """file name -> ExifTool's own list of (marker name, payload length) up to SOS."""
    out = subprocess.run(
        ["exiftool", "-v", *map(str, paths)], capture_output=True, text=True, check=False
    ).stdout
    walks = {}
    for part in out.split("======== ")[1:] if len(paths) > 1 else [out]:
        name = Path(part.splitlines()[0]).name if len(paths) > 1 else paths[0].name
        walk = []
        for m in _VERBOSE.finditer(part):
            walk.append((m[1], int(m[2] or 0)))
            if m[1] == "SOS":
                break
        walks[name] = walk
    return walks


def test_every_consumer_sees_the_segments_exiftool_sees(tmp_path: Path) -> None:
    files = {p.name: p.read_bytes() for p in _corpus_jpegs()}
    files.update(_generated(tmp_path))
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    exiftool = _exiftool_walks(paths) if shutil.which("exiftool") else {}
    compared = 0
    for name, data in files.items():
        try:
            segments = head_segments(data)
        except JpegError:
            with pytest.raises(fastread.Fallback):
                fastread.read_data(data, warnings=False)
            with pytest.raises(jpegwrite.Unsupported):
                writer_segments(data)
            with pytest.raises(jpegdiff.Unexpected):
                _split(data)
            continue
        # ExifTool gives no size for SOS (nor for the standalone markers, which have none).
        ours = [(_NAMES.get(s.marker, "?"), s.end - s.payload_start) for s in segments[1:-1]]
        ours.append(("SOS", 0))
        if name in exiftool and "?" not in (n for n, _ in ours):
            assert ours == exiftool[name], name
            compared += 1
        _assert_consumers_agree(name, data, segments, tmp_path / name)
    assert compared >= len(files) - 5, (compared, len(files))


def _assert_consumers_agree(name: str, data: bytes, segments: list[Segment], path: Path) -> None:
    """Reader, writer, prover, hash and C2PA check on one file whose head tokenizes."""
    inner = segments[1:-1]
    unknown = [s for s in inner if not s.standalone and s.marker not in writer_known()]
    # The reader gets the file in 4 kB pieces, so its read-on path is walked too.
    try:
        appn, _ = reader_segments(io.BytesIO(data[4096:]), data[:4096], False)
    except fastread.Fallback:
        assert unknown, name
    else:
        assert appn == [(s.marker, s.payload(data)) for s in inner if 0xE0 <= s.marker <= 0xEF]
    try:
        assert writer_segments(data) == inner, name
    except jpegwrite.Unsupported:
        assert unknown, name
    assert _split(data) == segments, name
    assert jumbf_in_app11(data) == any(
        s.marker == 0xEB and b"jumb" in s.payload(data) for s in inner
    )
    try:
        tokens = tokenize(data)
    except JpegError:
        with pytest.raises(ImageDataError):
            image_data_hash(path, data)
        return
    assert list(tokens.parts[: len(segments)]) == segments
    # The hash is the picture's: without its APPn and COM segments the file hashes the same.
    bare = b"".join(
        data[p.offset : p.end]
        for p in tokens.parts
        if isinstance(p, EntropyData) or not (0xE0 <= p.marker <= 0xEF or p.marker == 0xFE)
    )
    assert image_data_hash(path, data) == image_data_hash(path, bare), name


def writer_known() -> set[int]:
    from wirefix.jpeg.write.splice import _KNOWN_MARKERS

    return _KNOWN_MARKERS


# -- the rules -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def et() -> ExifTool:
    with ExifTool() as tool:
        yield tool


@pytest.mark.parametrize("name", ["rst-before-sos.jpg", "tem-before-sos.jpg"])
def test_tem_and_rst_before_sos_are_read_and_written_as_exiftool_does(
    name: str, et: ExifTool, tmp_path: Path
) -> None:
    data = _rule_files()[name]
    src = tmp_path / name
    src.write_bytes(data)
    # ExifTool reads the file without a word, so the fast reader reads it too.
    assert et.read_one(src, extra=("-validate", "-warning"))["ExifTool:Validate"] == "OK"
    assert fastread.read(str(src))["IPTC:By-line"] == "JOHN DOE"
    marker = 0xD3 if name.startswith("rst") else 0x01
    assert [s.marker for s in head_segments(data)].count(marker) == 1
    # The writer copies the marker where it was; the prover accepts it; ExifTool reads back.
    values = {"IPTC:By-line": "JANE ROE"}
    new = jpegwrite.write(data, values)
    jpegdiff.check(data, new, set(values))
    assert [s.marker for s in head_segments(new)] == [s.marker for s in head_segments(data)]
    out = tmp_path / f"new-{name}"
    out.write_bytes(new)
    after = et.read_one(out, extra=("-validate", "-warning", "-IPTC:all"))
    assert after["IPTC:By-line"] == "JANE ROE" and after["ExifTool:Validate"] == "OK"
    assert image_data_hash(src, data) == image_data_hash(out, new)
    # A changed or dropped standalone marker is not a planned change.
    moved = new.replace(bytes((0xFF, marker)), b"", 1)
    with pytest.raises(jpegdiff.Unexpected):
        jpegdiff.check(data, moved, set(values))


def test_fill_bytes_send_the_reader_to_exiftool_which_warns(et: ExifTool, tmp_path: Path) -> None:
    data = _rule_files()["fill-before-com.jpg"]
    src = tmp_path / "fill.jpg"
    src.write_bytes(data)
    assert "Skipped unknown 3 bytes" in et.read_one(src, extra=("-warning",))["ExifTool:Warning"]
    with pytest.raises(fastread.Fallback):
        fastread.read(str(src))
    assert fastread.read(str(src), warnings=False)["IPTC:By-line"] == "JOHN DOE"


def test_a_c2pa_app11_behind_fill_bytes_is_refused(et: ExifTool, tmp_path: Path) -> None:
    jumbf = b"JP\x00\x01\x00\x00\x00\x01" + b"\x00\x00\x00\x20jumb" + b"\x00" * 24
    app11 = g.segment(0xEB, jumbf)
    base = g.jpeg([g.photoshop(g.iptc([(2, 80, b"JOHN DOE")]))])
    for extra in (b"\xff\xff" + app11, b"\xff\xd0\xff" + app11, b"\xff\x01" + app11):
        data = _after_app0(base, extra)
        path = tmp_path / "signed.jpg"
        path.write_bytes(data)
        assert jumbf_in_app11(data)
        assert c2pa_marker(path) == "JUMBF in APP11"
    assert c2pa_marker(tmp_path / "plain.jpg", base) is None
    # ...and the rewrite refuses it, leaving it as it was.
    from helpers_rewrite import fix

    from wirefix.rewrite.safe import BackupStore

    before = path.read_bytes()
    result, _ = fix(path, et, BackupStore(tmp_path / "b"), ("byline", "JOHN DOE", "JANE ROE"))
    assert result.outcome == "failed" and "C2PA" in result.error
    assert path.read_bytes() == before
