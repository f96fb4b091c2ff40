"""wirefix's ExifTool wrapper: values are data, arguments are checked, calls have deadlines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES, exiftool_tags

from wirefix.exiftool import ExifTool, ExifToolTimeout, UnsafeArgument

PHOTO = SAMPLES / "store" / "afp" / "2016" / "10" / "01" / "FRANCE-FASHION-PARIS.jpg"


def test_values_that_look_like_options_are_written_literally(tmp_path: Path) -> None:
    src = tmp_path / "in.jpg"
    shutil.copy(PHOTO, src)
    target = tmp_path / "pwned.jpg"  # where an injected `-o` would write: this test's own
    hostile = f"NAME\n-execute\n-all=\n-o\n{target}\n-@ /etc/passwd"
    with ExifTool() as et:
        et.write(str(src), str(tmp_path / "out.jpg"), {"XMP-dc:Description": hostile})
    tags = exiftool_tags(tmp_path / "out.jpg")
    assert tags["XMP-dc:Description"] == hostile
    assert tags["IPTC:By-line"] == "ERIC FEFERBERG", "no other tag was touched"
    assert not target.exists()


def test_paths_with_line_breaks_or_relative_paths_are_refused(tmp_path: Path) -> None:
    with ExifTool() as et:
        with pytest.raises(UnsafeArgument):
            et.read([str(tmp_path / "a\n-all=.jpg")])
        with pytest.raises(UnsafeArgument):
            et.read(["-all=.jpg"])
        with pytest.raises(UnsafeArgument):
            et.write(str(PHOTO), str(tmp_path / "o.jpg"), {"-all=": ""})


# Speaks ExifTool's -stay_open protocol, answers the version check, then never answers again:
# what a hung ExifTool (a dead network mount, pyexiftool issues #95/#105) looks like from outside.
HANGING_EXIFTOOL = """#!/usr/bin/env python3
import sys, time
args = []
for line in sys.stdin:
    line = line.rstrip("\\n")
    if line.startswith("-execute"):
        n = line[len("-execute"):]
        if "-ver" not in args:
            time.sleep(3600)
        sys.stdout.write("12.57\\n{ready%s}\\n" % n); sys.stdout.flush()
        sys.stderr.write("=0=post%s\\n" % n); sys.stderr.flush()
        args = []
    else:
        args.append(line)
"""


def test_a_hung_call_times_out_and_the_process_is_killed(tmp_path: Path) -> None:
    fake = tmp_path / "exiftool"
    fake.write_text(HANGING_EXIFTOOL)
    fake.chmod(0o755)
    et = ExifTool(timeout=1, executable=str(fake))
    assert et.version == "12.57"
    # The fake never answers: returning at all is the timeout working (how fast is bench's
    # business, bench/bench_bounds.py).
    with pytest.raises(ExifToolTimeout):
        et.read([str(PHOTO)])
    assert et._proc is None, "the hung process was killed, a new one starts on the next call"
    et.close()


def test_the_real_exiftool_restarts_after_a_failure() -> None:
    with ExifTool() as et:
        et._kill()
        assert et.read([str(PHOTO)])[0]["IPTC:By-line"] == "ERIC FEFERBERG"


def test_unreadable_files_come_back_as_errors_not_exceptions(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with ExifTool() as et:
        records = et.read([str(empty), str(PHOTO)])
    assert "ExifTool:Error" in records[0]
    assert records[1]["IPTC:By-line"] == "ERIC FEFERBERG"
