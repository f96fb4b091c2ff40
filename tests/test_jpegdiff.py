"""`jpegdiff.check` on real files (no mocks).

Every corpus and sample JPEG the fast writer writes (the writes of `tests/test_jpegwrite.py`:
correction plans and direct values) passes `check` against its original with the planned tags.
Real outputs edited by hand (a dataset, a property, an IFD0 entry, a byte anywhere else) do not.
ExifTool's own write of the same values need not pass, but `check` must not crash on it.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_jpegwrite import _cases, _jpegs, _read

from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.jpeg import write as jpegwrite
from wirefix.jpeg.prove import Unexpected, check
from wirefix.jpeg.write import IPTC_TAGS, XMP_TAGS


@dataclass
class Out:
    source: Path
    case: str
    values: dict[str, Any]
    old: bytes
    new: bytes

    @property
    def planned(self) -> set[str]:
        return set(self.values)

    def __str__(self) -> str:
        return f"{self.source.name} [{self.case}]"


@pytest.fixture(scope="module")
def outputs() -> list[Out]:
    files = _jpegs()
    if not files:
        pytest.skip("no JPEG files to test against")
    result = []
    for path, record in zip(files, _read(files), strict=True):
        if record.get("ExifTool:Error"):
            continue
        data = path.read_bytes()
        for case, values in _cases(record).items():
            try:
                new = jpegwrite.write(data, values)
            except jpegwrite.Unsupported:
                continue
            result.append(Out(path, case, values, data, new))
    assert len(result) > 50
    return result


# -- byte-level helpers (independent of both modules) --------------------------------------


def _segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start of 0xFF, end of payload) up to SOS."""
    out, pos = [], 2
    while data[pos + 1] != 0xDA:
        (length,) = struct.unpack_from(">H", data, pos + 2)
        out.append((data[pos + 1], pos, pos + 2 + length))
        pos += 2 + length
    return out


def _find(data: bytes, marker: int, header: bytes) -> tuple[int, int] | None:
    """(payload start, payload end) of the first segment with that marker and header."""
    for m, start, end in _segments(data):
        if m == marker and data[start + 4 : start + 4 + len(header)] == header:
            return start + 4, end
    return None


def _with_payload(data: bytes, at: tuple[int, int], payload: bytes) -> bytes:
    start, end = at
    return data[: start - 2] + struct.pack(">H", len(payload) + 2) + payload + data[end:]


def _flip(data: bytes, i: int) -> bytes:
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


_PS = b"Photoshop 3.0\0"


def _resources(payload: bytes) -> list[list[Any]]:
    """[id, header bytes through the size field's start, data] of the APP13 payload."""
    out, pos = [], len(_PS)
    while pos < len(payload):
        (rid,) = struct.unpack_from(">H", payload, pos + 4)
        size_at = pos + 6 + ((payload[pos + 6] + 2) & ~1)
        (size,) = struct.unpack_from(">I", payload, size_at)
        out.append([rid, payload[pos:size_at], payload[size_at + 4 : size_at + 4 + size]])
        pos = size_at + 4 + size + (size & 1)
    return out


def _pack(resources: list[list[Any]]) -> bytes:
    out = _PS
    for _, head, body in resources:
        out += head + struct.pack(">I", len(body)) + body + b"\0" * (len(body) & 1)
    return out


def _edit_iptc(data: bytes, edit: Callable[[list[tuple[int, int, bytes]]], Any]) -> bytes | None:
    """`data` with its IPTC datasets edited in place by `edit` (None: edit does not apply)."""
    at = _find(data, 0xED, _PS)
    if at is None:
        return None
    resources = _resources(data[at[0] : at[1]])
    for res in resources:
        if res[0] != 0x0404:
            continue
        block, datasets, pos = res[2], [], 0
        while pos < len(block) and block[pos] == 0x1C:
            (n,) = struct.unpack_from(">H", block, pos + 3)
            datasets.append((block[pos + 1], block[pos + 2], block[pos + 5 : pos + 5 + n]))
            pos += 5 + n
        if edit(datasets) is False:
            return None
        res[2] = b"".join(struct.pack(">BBBH", 0x1C, r, d, len(v)) + v for r, d, v in datasets)
        res[2] += block[pos:]
        return _with_payload(data, at, _pack(resources))
    return None


def _iptc_planned(out: Out) -> set[tuple[int, int]]:
    keys = {IPTC_TAGS[t][:2] for t in out.planned if t in IPTC_TAGS}
    return keys | ({(1, 90)} if "IPTC:CodedCharacterSet" in out.planned else set())


def _tiff(data: bytes) -> tuple[int, str] | None:
    at = _find(data, 0xE1, b"Exif\0\0")
    if at is None:
        return None
    base = at[0] + 6
    return base, "<" if data[base : base + 2] == b"II" else ">"


def _ifd_entries(data: bytes, base: int, order: str, ifd: int) -> list[tuple[int, int]]:
    """(tag, absolute entry offset) of the directory at TIFF offset `ifd`."""
    (count,) = struct.unpack_from(order + "H", data, base + ifd)
    return [
        (struct.unpack_from(order + "H", data, base + ifd + 2 + 12 * i)[0], base + ifd + 2 + 12 * i)
        for i in range(count)
    ]


# -- mutations of a real output: each returns the edited output, or None if not applicable ---


def changed_iptc(out: Out) -> bytes | None:
    free = _iptc_planned(out)

    def edit(ds: list[tuple[int, int, bytes]]) -> Any:
        for i, (r, d, v) in enumerate(ds):
            if (r, d) not in free and v:
                ds[i] = (r, d, v[:-1] + bytes([v[-1] ^ 0x01]))
                return True
        return False

    return _edit_iptc(out.new, edit)


def reordered_iptc(out: Out) -> bytes | None:
    free = _iptc_planned(out)

    def edit(ds: list[tuple[int, int, bytes]]) -> Any:
        for i in range(len(ds) - 1):
            a, b = ds[i], ds[i + 1]
            if a[:2] not in free and b[:2] not in free and a[0] == b[0] and a != b:
                ds[i], ds[i + 1] = b, a
                return True
        return False

    return _edit_iptc(out.new, edit)


def removed_iptc(out: Out) -> bytes | None:
    free = _iptc_planned(out)

    def edit(ds: list[tuple[int, int, bytes]]) -> Any:
        for i, (r, d, _) in enumerate(ds):
            if (r, d) not in free:
                del ds[i]
                return True
        return False

    return _edit_iptc(out.new, edit)


def charset_iptc(out: Out) -> bytes | None:
    """An ISO-8859-1 declaration (ESC . A) where none was planned."""
    if "IPTC:CodedCharacterSet" in out.planned:
        return None

    def edit(ds: list[tuple[int, int, bytes]]) -> Any:
        others = [x for x in ds if x[:2] != (1, 90)]
        ds[:] = [(1, 90, b"\x1b.A"), *others]

    return _edit_iptc(out.new, edit)


def extra_resource(out: Out) -> bytes | None:
    at = _find(out.new, 0xED, _PS)
    if at is None:
        return None
    extra = b"8BIM\x04\x28\0\0" + struct.pack(">I", 4) + b"wfx!"
    return _with_payload(out.new, at, out.new[at[0] : at[1]] + extra)


def changed_digest(out: Out) -> bytes | None:
    at = _find(out.new, 0xED, _PS)
    if at is None or "Photoshop:IPTCDigest" in out.planned:
        return None
    resources = _resources(out.new[at[0] : at[1]])
    for res in resources:
        if res[0] == 0x0425:
            res[2] = bytes(16)
            return _with_payload(out.new, at, _pack(resources))
    return None


_XMP = b"http://ns.adobe.com/xap/1.0/\0"
_PLANNED_LOCAL = {XMP_TAGS[t][1] for t in XMP_TAGS}
_LEAF = re.compile(rb"<([\w.-]+):([\w.-]+)>([^<]+)</\1:\2>")
_ATTR = re.compile(rb"\s([\w.-]+):([\w.-]+)=\"([^\"]+)\"")


def _xmp_target(out: Out, packet: bytes) -> re.Match[bytes] | None:
    """An unplanned leaf property (element or attribute) with some text."""
    planned = {XMP_TAGS[t][1].encode() for t in out.planned if t in XMP_TAGS}
    for pattern in (_LEAF, _ATTR):
        for m in pattern.finditer(packet):
            if m.group(1) in (b"rdf", b"xmlns", b"x", b"xml") or m.group(2) in planned:
                continue
            if m.group(3).strip():
                return m
    return None


def changed_xmp(out: Out) -> bytes | None:
    at = _find(out.new, 0xE1, _XMP)
    if at is None:
        return None
    payload = out.new[at[0] : at[1]]
    m = _xmp_target(out, payload)
    if m is None:
        return None
    i = m.start(3)
    edited = payload[:i] + (b"Z" if payload[i : i + 1] != b"Z" else b"Y") + payload[i + 1 :]
    return _with_payload(out.new, at, edited)


def removed_xmp(out: Out) -> bytes | None:
    at = _find(out.new, 0xE1, _XMP)
    if at is None:
        return None
    payload = out.new[at[0] : at[1]]
    m = _xmp_target(out, payload)
    if m is None:
        return None
    return _with_payload(out.new, at, payload[: m.start()] + b" " + payload[m.end() :])


def added_xmp(out: Out) -> bytes | None:
    at = _find(out.new, 0xE1, _XMP)
    if at is None:
        return None
    payload = out.new[at[0] : at[1]]
    m = re.search(rb"</([\w.-]+:)?Description>", payload)
    if m is None:
        return None
    extra = b'<wf:extra xmlns:wf="http://example.com/wirefix/">x</wf:extra>'
    return _with_payload(out.new, at, payload[: m.start()] + extra + payload[m.start() :])


def changed_xmptk(out: Out) -> bytes | None:
    at = _find(out.new, 0xE1, _XMP)
    if at is None:
        return None
    payload = out.new[at[0] : at[1]]
    m = re.search(rb"xmptk=[\"'](.)", payload)
    if m is None:
        return None
    return _with_payload(out.new, at, _flip(payload, m.start(1)))


def changed_ifd0(out: Out) -> bytes | None:
    tiff = _tiff(out.new)
    if tiff is None:
        return None
    base, order = tiff
    (ifd0,) = struct.unpack_from(order + "I", out.new, base + 4)
    planned = {jpegwrite.EXIF_TAGS[t] for t in out.planned if t in jpegwrite.EXIF_TAGS}
    for tag, entry in _ifd_entries(out.new, base, order, ifd0):
        if tag not in planned:
            return _flip(out.new, entry + 11)
    return None


def changed_exif_ifd(out: Out) -> bytes | None:
    """A byte of the ExifIFD's last entry (or of the maker note, if there is one)."""
    tiff = _tiff(out.new)
    if tiff is None:
        return None
    base, order = tiff
    (ifd0,) = struct.unpack_from(order + "I", out.new, base + 4)
    exif = [e for t, e in _ifd_entries(out.new, base, order, ifd0) if t == 0x8769]
    if not exif:
        return None
    (sub,) = struct.unpack_from(order + "I", out.new, exif[0] + 8)
    entries = _ifd_entries(out.new, base, order, sub)
    for tag, entry in entries:
        if tag == 0x927C:
            (n, offset) = struct.unpack_from(order + "II", out.new, entry + 4)
            return _flip(out.new, base + offset + n // 2)
    return _flip(out.new, entries[-1][1] + 11)


def exif_appended(out: Out) -> bytes | None:
    at = _find(out.new, 0xE1, b"Exif\0\0")
    if at is None:
        return None
    return _with_payload(out.new, at, out.new[at[0] : at[1]] + b"Hidden name\0")


def changed_app0(out: Out) -> bytes | None:
    for m, _start, end in _segments(out.new):
        if m == 0xE0:
            return _flip(out.new, end - 1)
    return None


def changed_icc(out: Out) -> bytes | None:
    at = _find(out.new, 0xE2, b"ICC_PROFILE\0")
    return None if at is None else _flip(out.new, (at[0] + at[1]) // 2)


def changed_image(out: Out) -> bytes | None:
    return _flip(out.new, len(out.new) - 3)


def added_segment(out: Out) -> bytes | None:
    return out.new[:2] + b"\xff\xfe\x00\x05abc" + out.new[2:]


def removed_segment(out: Out) -> bytes | None:
    _m, start, end = _segments(out.new)[0]
    return out.new[:start] + out.new[end:]


MUTATIONS = [
    changed_iptc,
    reordered_iptc,
    removed_iptc,
    charset_iptc,
    extra_resource,
    changed_digest,
    changed_xmp,
    removed_xmp,
    added_xmp,
    changed_xmptk,
    changed_ifd0,
    changed_exif_ifd,
    exif_appended,
    changed_app0,
    changed_icc,
    changed_image,
    added_segment,
    removed_segment,
]


# -- tests ---------------------------------------------------------------------------------


def test_writer_outputs_pass(outputs: list[Out]) -> None:
    failures = []
    for out in outputs:
        try:
            check(out.old, out.new, out.planned)
        except Unexpected as exc:
            failures.append(f"{out}: {exc}")
    assert not failures, "\n".join(failures)


def test_identical_files_pass_whatever_is_planned(outputs: list[Out]) -> None:
    for out in outputs[:20]:
        check(out.old, out.old, set())
        check(out.old, out.old, out.planned)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda f: f.__name__)
def test_unplanned_changes_are_refused(outputs: list[Out], mutation: Any) -> None:
    applied = 0
    missed = []
    for out in outputs:
        edited = mutation(out)
        if edited is None:
            continue
        applied += 1
        try:
            check(out.old, edited, out.planned)
        except Unexpected:
            continue
        missed.append(str(out))
    assert applied, f"{mutation.__name__} applies to no output"
    assert not missed, f"{mutation.__name__} accepted for: {missed}"


def test_unplanned_tag_the_writer_changed_is_refused(outputs: list[Out]) -> None:
    """Leaving a written tag out of `planned` makes the real difference unplanned."""
    refused = 0
    for out in outputs:
        for tag in out.planned - {"Photoshop:IPTCDigest"}:
            rest = out.planned - {tag}
            if "IPTC:" in tag:
                rest -= {"Photoshop:IPTCDigest"}  # a changed block changes the digest too
            try:
                check(out.old, out.new, rest)
            except Unexpected:
                refused += 1
    # Some planned values equal the old ones (then leaving them out changes nothing).
    assert refused > len(outputs)


def test_charset_added_but_not_planned_is_refused(outputs: list[Out]) -> None:
    cases = [
        o for o in outputs if "IPTC:CodedCharacterSet" in o.planned and b"\x1c\x01\x5a" not in o.old
    ]
    assert cases
    for out in cases:
        with pytest.raises(Unexpected):
            check(out.old, out.new, out.planned - {"IPTC:CodedCharacterSet"})


def test_record_versions_may_be_added(outputs: list[Out]) -> None:
    """ExifTool adds 1:0 / 2:0 with the character set; that is no unplanned change."""

    def edit(ds: list[tuple[int, int, bytes]]) -> Any:
        if any(x[:2] in ((1, 0), (2, 0)) for x in ds) or not any(x[0] == 2 for x in ds):
            return False
        ds.insert(next(i for i, x in enumerate(ds) if x[0] == 2), (2, 0, b"\0\x04"))
        ds.insert(0, (1, 0, b"\0\x04"))

    edited = [(o, e) for o in outputs if (e := _edit_iptc(o.new, edit)) is not None]
    assert edited
    for out, data in edited:
        check(out.old, data, out.planned)
        twice = _edit_iptc(data, lambda ds: ds.insert(0, (1, 0, b"\0\x04")))
        with pytest.raises(Unexpected):
            check(out.old, twice, out.planned)


def test_exiftool_write_never_crashes(outputs: list[Out], tmp_path: Path) -> None:
    plans = [o for o in outputs if o.case == "plan"]
    passed = refused = 0
    with ExifTool(timeout=60) as et:
        for n, out in enumerate(plans):
            target = tmp_path / f"{n}.jpg"
            try:
                et.write(str(out.source), str(target), out.values)
            except ExifToolError:
                continue
            try:
                check(out.old, target.read_bytes(), out.planned)
                passed += 1
            except Unexpected:
                refused += 1
    print(f"ExifTool's own writes: {passed} pass, {refused} refused")
    assert passed + refused
