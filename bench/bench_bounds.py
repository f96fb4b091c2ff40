"""The time bounds the tests used to assert, measured here by hand instead (tests never depend
on wall-clock time: a busy machine must not fail a correct submission).

Each line: what, the time taken, the bound, and PASS or OVER. Exit 1 if any is over.

    .venv/bin/python bench/bench_bounds.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from wirefix.exiftool import ExifTool, ExifToolTimeout  # noqa: E402
from wirefix.ingest import NoticeText, parse_sources, parse_text  # noqa: E402
from wirefix.jpeg import write as jpegwrite  # noqa: E402
from wirefix.jpeg.prove import check  # noqa: E402

SAMPLES = ROOT / "samples"
NG3LP = SAMPLES / "store/afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
PHOTO = SAMPLES / "store/afp/2016/10/01/FRANCE-FASHION-PARIS.jpg"
GOOD = str(ROOT / "tests/fixtures/notices/afp-kill-en.txt")
LONG_LINES = {
    "words": "word " * 20000,
    "afp": "AFP " + "a " * 50000,
    "corrects": "CORRECTS " * 10000,
    "should-read": "x should read " * 5000,
    "reuters": "REUTERS/" + "Ab " * 30000,
    "getty": "Getty Images EDITOR'S NOTE " + "Ab Cd " * 20000,
}
CAPTION = (
    "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
    "southern Syrian city of Daraa on February 20, 2017. / AFP / MOHAMAD ABAZEED"
)
PLAN = {
    "IPTC:By-line": "MOHAMAD ABAZEED",
    "XMP-dc:Creator": "MOHAMAD ABAZEED",
    "IFD0:Artist": "MOHAMAD ABAZEED",
    "IFD0:ImageDescription": CAPTION,
    "IPTC:Credit": "MOHAMAD ABAZEED/AFP",
    "IPTC:Caption-Abstract": CAPTION,
    "XMP-dc:Description": CAPTION,
    "XMP-photoshop:Credit": "MOHAMAD ABAZEED/AFP",
    "IPTC:CodedCharacterSet": "UTF8",
}
results: list[bool] = []


def bound(what: str, limit: float, work: Callable[[], object], runs: int = 1) -> None:
    started = time.perf_counter()
    for _ in range(runs):
        work()
    took = (time.perf_counter() - started) / runs
    ok = took < limit
    results.append(ok)
    print(f"{what:<52} {took:10.4f} s  < {limit:<8g} {'PASS' if ok else 'OVER'}")


def hung_exiftool(tmp: Path) -> None:
    fake = ROOT / "tests" / "test_exiftool_wrapper.py"
    source = fake.read_text(encoding="utf-8")
    script = source.split('HANGING_EXIFTOOL = """', 1)[1].split('"""', 1)[0]
    exe = tmp / "exiftool"
    exe.write_text(script.replace("\\\\n", "\\n"))
    exe.chmod(0o755)
    et = ExifTool(timeout=1, executable=str(exe))
    try:
        et.read([str(PHOTO)])
    except ExifToolTimeout:
        pass
    finally:
        et.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        bound("a hung ExifTool call times out (timeout 1 s)", 10, lambda: hung_exiftool(tmp))
        big = tmp / "huge.txt"
        with open(big, "wb") as fh:
            fh.truncate(200 * 1024 * 1024)
        bound(
            "a 200 MB file refused without reading it", 5, lambda: parse_sources([str(big), GOOD])
        )
        binary = tmp / "binary.txt"
        binary.write_bytes(bytes(range(256)) * 4096)
        bound("a binary file among good notices", 30, lambda: parse_sources([str(binary), GOOD]))
        for key, text in LONG_LINES.items():
            notice = NoticeText(text=text, source="long", source_kind="text")
            bound(f"100 kB on one line ({key})", 10, lambda n=notice: parse_text(n))
    data = NG3LP.read_bytes()
    new = jpegwrite.write(data, PLAN)
    bound("jpegwrite.write, 9-tag plan, per file", 0.005, lambda: jpegwrite.write(data, PLAN), 200)
    bound("the prover's check, per call", 0.002, lambda: check(data, new, set(PLAN)), 300)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
