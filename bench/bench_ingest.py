"""Notices parsed per second over a generated folder of mixed notices (issue 3).

    .venv/bin/python bench/bench_ingest.py [--count 10000] [--keep DIR]

The folder holds every fixture format in turn (plain text of each agency, e-mails with
quoted-printable / base64 / HTML-only / forwarded / quoted bodies, NewsML-G2 XML, ninjs JSON), each
copy with its own photo number and name so that no two files are the same notice. Images are left
out: reading them is ExifTool's speed, measured by the scan benchmark, not the parser's.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirefix.ingest import parse_sources  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "notices"
# Photo numbers in the fixtures that each copy renumbers (agency prefix kept, same length so
# quoted-printable lines stay valid), so that copies are distinct notices with valid ids.
VARY = {"000_34L82NW": "000_", "RC2Y5X9RVD61": "RC", "TOK801": "TOK", "RC1B2C3D4E5F": "RC"}


def generate(folder: Path, count: int) -> None:
    templates = sorted(p for p in FIXTURES.iterdir() if p.name != "malformed.eml")
    for n, template in zip(range(count), itertools.cycle(templates), strict=False):
        data = template.read_bytes()
        for value, prefix in VARY.items():
            width = len(value) - len(prefix)
            data = data.replace(value.encode(), f"{prefix}{n:0{width}d}".encode())
        (folder / f"{n:05d}-{template.name}").write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="wirefix-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        generate(folder, args.count)
        started = time.perf_counter()
        result = parse_sources([str(folder)])
        elapsed = time.perf_counter() - started
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    parsed = len(result.notices) + len(result.skipped)
    kinds = collections.Counter(f"{n.agency or '?'} {n.kind} {n.status}" for n in result.notices)
    print(f"{args.count} files, {parsed} notices/items, {len(result.errors)} errors")
    print(f"{elapsed:.1f} s: {parsed / elapsed:.0f} notices parsed per second")
    for line, number in kinds.most_common(8):
        print(f"  {number:6d}  {line}")


if __name__ == "__main__":
    main()
