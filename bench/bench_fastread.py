"""The fast reader alone, in process (run by hand, not in tests): files/s of `read` over the
generated news JPEGs of bench_scan.py, best of five passes, the page cache warm. The cold scan
of bench_scan.py also counts process start-up and database writes; this isolates the JPEG walk
and the EXIF / IPTC / XMP parsing, so a change to either shows.

    .venv/bin/python bench/bench_fastread.py [--files 2000] [--dir /tmp/wirefix-bench-scan]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import generate

from wirefix.jpeg import read as fastread


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--dir", default="/tmp/wirefix-bench-scan")
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    store = Path(args.dir) / "store"
    paths = sorted(str(p) for p in store.rglob("*.jpg")) if store.is_dir() else []
    if len(paths) != args.files:
        generate(store, args.files)
        paths = sorted(str(p) for p in store.rglob("*.jpg"))
    best = float("inf")
    for _ in range(args.passes):
        t = time.perf_counter()
        for path in paths:
            fastread.read(path)
        best = min(best, time.perf_counter() - t)
    print(
        f"fast read of {len(paths)} files: best of {args.passes} {best * 1000:.0f} ms "
        f"({len(paths) / best:,.0f} files/s) [{fastread.__file__}]"
    )


if __name__ == "__main__":
    main()
