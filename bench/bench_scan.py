"""Scan benchmarks (run by hand, not in tests). All numbers from one run on the same files.

1. cold scan of N generated news JPEGs: `wirefix scan` (CLI, SQLite, fresh database, default
   workers) against `exiftool -r -json -fast2` over the same tags; both wall-clock, both including
   process start-up; wirefix including its database writes;
2. re-scan of the unchanged store (in-process `scan()`) against a bare os.scandir + stat walk;
3. peak memory (max RSS of the largest process, from /usr/bin/time) of the cold scan.

    .venv/bin/python bench/bench_scan.py [--files 10000] [--dir /tmp/wirefix-bench-scan]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import storegen as g  # noqa: E402

from wirefix.index.scan import scan  # noqa: E402
from wirefix.storage import Database  # noqa: E402
from wirefix.tagmap import FIELD_TAGS  # noqa: E402

CITIES = ["Daraa", "Aleppo", "Mosul", "Paris", "Calais", "Cannes", "Kyiv", "Gaza", "Lagos", "Lima"]


def generate(store: Path, count: int) -> None:
    """News JPEGs of realistic shape: EXIF + IPTC (UTF-8) + XMP, 100 per folder, two sizes."""
    for i in range(count):
        who = f"PHOTOGRAPHER {i % 300}"
        folder = i // 100  # one folder per day, as agencies deliver
        day = f"20{14 + folder % 10}-{1 + folder % 12:02d}-{1 + folder % 28:02d}"
        g.news_photo(
            store / f"{day[:4]}/{day[5:7]}/{day[8:]}-{folder:04d}/AFP-{i:06d}.jpg",
            byline=who,
            credit=f"{who}/AFP",
            source="AFP",
            caption=f"Photo {i}: people gather in the centre of {CITIES[i % 10]} on {day}. "
            f"/ AFP / {who}",
            headline="WORLD-NEWS",
            date=day,
            city=CITIES[i % 10],
            country="Somewhere",
            copyright="AFP",
            ref=f"000_{i:06X}",
            object_name="WORLD-NEWS",
            image_id=str(600000000 + i),
            size=(640, 427) if i % 2 else (320, 213),
        )


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Wall seconds, max RSS in KB (largest process), stdout."""
    t = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env, check=True
    )
    wall = time.perf_counter() - t
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return wall, rss, proc.stdout


def bare_walk(root: Path) -> int:
    count, stack = 0, [str(root)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                else:
                    e.stat(follow_symlinks=False)
                    count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--dir", default="/tmp/wirefix-bench-scan")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--no-exiftool", action="store_true", help="skip the ExifTool run (memory-only checks)"
    )
    args = parser.parse_args()
    base = Path(args.dir)
    store = base / "store"
    if not store.is_dir() or sum(1 for _ in store.rglob("*.jpg")) != args.files:
        shutil.rmtree(base, ignore_errors=True)
        t = time.perf_counter()
        generate(store, args.files)
        print(f"generated {args.files} JPEGs in {time.perf_counter() - t:.1f} s")
    db_path = base / "index.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    print(f"cpus: {os.cpu_count()} (shared with other work: see load) load: {os.getloadavg()}")

    tags = sorted({t for tags in FIELD_TAGS.values() for t in tags} | {"Composite:ImageSize"})
    et_cmd = ["exiftool", "-r", "-json", "-fast2", "-G1", "-a", *[f"-{t}" for t in tags]]
    subprocess.run(["sync"], check=True)
    et_wall, et_rss = float("nan"), 0
    if not args.no_exiftool:
        et_wall, et_rss, out = timed([*et_cmd, str(store)])
        assert out.count('"SourceFile"') == args.files

    cmd = [sys.executable, "-m", "wirefix", "scan", str(store), "--json", "--db", url]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    wf_wall, wf_rss, out = timed(cmd)
    print(f"wirefix scan summary: {out.strip()}".replace("\n", " "))
    db = Database(url)
    readers = dict(db.engine.connect().exec_driver_sql(
        "SELECT reader, count(*) FROM files GROUP BY reader").all())  # fmt: skip
    print(f"rows by reader: {readers}")
    print(
        f"cold scan {args.files} files: exiftool -fast2 {et_wall:.2f} s "
        f"({args.files / et_wall:,.0f} files/s, max RSS {et_rss / 1024:.0f} MB); "
        f"wirefix {wf_wall:.2f} s ({args.files / wf_wall:,.0f} files/s, "
        f"peak RSS of largest process {wf_rss / 1024:.0f} MB) -> {et_wall / wf_wall:.1f}x"
    )

    walk_times, rescan_times = [], []
    for _ in range(5):
        t = time.perf_counter()
        bare_walk(store)
        walk_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        summary = scan(db, {"store": store})
        rescan_times.append(time.perf_counter() - t)
        assert summary.unchanged == args.files, summary
    walk, rescan = min(walk_times), min(rescan_times)
    print(
        f"unchanged re-scan: bare scandir+stat walk {walk * 1000:.0f} ms; wirefix scan() "
        f"{rescan * 1000:.0f} ms -> {rescan / walk:.2f}x the bare walk (best of 5 each)"
    )
    db.close()


if __name__ == "__main__":
    main()
