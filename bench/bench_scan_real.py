"""Scans as a user runs them (issue 18), each figure with its reference from the same run:

1. cold scan, fresh database: `wirefix scan ROOT` against `exiftool -r -json -fast2` over the
   indexed tags, in CPU seconds of each whole process tree (wall too);
2. unchanged rescan: `wirefix scan ROOT` again against a Python process doing a bare
   `os.scandir` + `stat` walk of the same tree (best of `--repeat`, wall and CPU);
3. peak RSS of the largest process of the cold scan, for each size: flat memory means the
   largest size within 1.2x of the smallest.

    .venv/bin/python bench/bench_scan_real.py --files 10000 100000 [--mb 4.7] [--dir DIR]
        [--reference-max 10000]

Files: 100 distinct news JPEGs (tests/storegen.py: EXIF, IPTC, XMP), copied to 100 per folder,
or with `--mb 4.7` the Daraa photo at real size (bench_apply_real.py). They go in a temporary
folder under `--dir` (default: the system's), removed at the end.

Measured 2026-12-02 on the 2-core VM shared with other engineers (load 7-11), small files,
`--files 10000 100000 --reference-max 10000 --repeat 2`:

    cold 10k:    wirefix 5.81 CPU s (25.1 s wall)   exiftool -fast2 71.05 CPU s   12.2x per CPU s
    rescan 10k:  wirefix 1.28 CPU s (6.1 s wall)    bare walk 0.068 CPU s         18.8x the floor
    rescan 100k: wirefix 2.01 CPU s (6.2 s wall)    bare walk 0.369 CPU s          5.5x the floor
    peak RSS of the cold scan: 108.4 MB at 10k, 108.2 MB at 100k                   1.0x

In-process, the unchanged rescan of 3,000 files is 0.04 CPU s: a rescan's whole-process time is
start-up (the CLI imports every command's modules, about 0.6 CPU s here; the database schema
check no longer loads Alembic). The cold scan's CPU is the fast reader (wirefix/jpeg/read.py:
IPTC and XMP parsing), then `tagmap.index_fields` and the SQLite inserts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

WIREFIX = Path(sys.executable).parent / "wirefix"

BARE_WALK = """
import os, sys
count, stack = 0, [sys.argv[1]]
while stack:
    with os.scandir(stack.pop()) as it:
        for e in it:
            if e.is_dir(follow_symlinks=False):
                stack.append(e.path)
            else:
                e.stat(follow_symlinks=False)
                count += 1
print(count)
"""


def templates(mb: float | None, work: Path) -> list[bytes]:
    """100 distinct small news photos, or one of about `mb` MB."""
    if mb:
        from bench_apply_real import photo

        return [photo(mb)]
    from bench_scan import generate

    generate(work / "templates", 100)
    return [p.read_bytes() for p in sorted((work / "templates").rglob("*.jpg"))]


def make_store(store: Path, count: int, shapes: list[bytes]) -> int:
    size = 0
    for i in range(count):
        folder = store / f"{2014 + i // 10000 % 10}/{i // 100:05d}"
        if i % 100 == 0:
            folder.mkdir(parents=True)
        data = shapes[i % len(shapes)]
        (folder / f"AFP-{i:07d}.jpg").write_bytes(data)
        size += len(data)
    os.sync()
    return size


def run(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Wall and CPU seconds of a whole process tree, the peak RSS of its largest process
    (`/usr/bin/time`: this tree's own, not the bench's earlier children), stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return {
        "wall": wall,
        "cpu": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
        "max_rss_mb": int(proc.stderr.strip().splitlines()[-1]) / 1024,
        "out": proc.stdout,
    }


def one_size(base: Path, count: int, shapes: list[bytes], repeat: int, reference_max: int) -> dict:
    from wirefix.tagmap import FIELD_TAGS

    work = base / f"n{count}"
    store = work / "store"
    size = make_store(store, count, shapes)
    env = dict(
        os.environ,
        WIREFIX_HOME=str(work / "home"),
        WIREFIX_DB_URL=f"sqlite:///{work / 'index.db'}",
    )
    tags = sorted({t for tags in FIELD_TAGS.values() for t in tags} | {"Composite:ImageSize"})
    reference = ["exiftool", "-r", "-json", "-fast2", "-G1", "-a", *[f"-{t}" for t in tags]]
    exiftool = {"cpu": float("nan"), "wall": float("nan")}
    if count <= reference_max:
        exiftool = run([*reference, str(store)])
        assert exiftool["out"].count('"SourceFile"') == count
    load_cold = os.getloadavg()
    cold = run([str(WIREFIX), "scan", str(store), "--json"], env)
    assert json.loads(cold["out"])["new"] == count, cold["out"][:300]
    walks, rescans = [], []
    for _ in range(repeat):
        walks.append(run([sys.executable, "-c", BARE_WALK, str(store)]))
        assert int(walks[-1]["out"]) == count
        rescans.append(run([str(WIREFIX), "scan", str(store), "--json"], env))
        assert json.loads(rescans[-1]["out"])["unchanged"] == count
    walk = min(walks, key=lambda r: r["wall"])
    rescan = min(rescans, key=lambda r: r["wall"])
    shutil.rmtree(work, ignore_errors=True)
    return {
        "files": count,
        "gb": round(size / 1e9, 2),
        "cold": {
            "wirefix_cpu_s": round(cold["cpu"], 2),
            "wirefix_wall_s": round(cold["wall"], 2),
            "exiftool_fast2_cpu_s": round(exiftool["cpu"], 2),
            "exiftool_fast2_wall_s": round(exiftool["wall"], 2),
            "ratio_cpu": round(exiftool["cpu"] / cold["cpu"], 1),
            "peak_rss_mb": round(cold["max_rss_mb"], 1),
            "load": [round(x, 2) for x in load_cold],
        },
        "rescan": {
            "wirefix_wall_s": round(rescan["wall"], 3),
            "wirefix_cpu_s": round(rescan["cpu"], 3),
            "bare_walk_wall_s": round(walk["wall"], 3),
            "bare_walk_cpu_s": round(walk["cpu"], 3),
            "times_the_floor_wall": round(rescan["wall"] / walk["wall"], 2),
            "times_the_floor_cpu": round(rescan["cpu"] / walk["cpu"], 2),
            "load": [round(x, 2) for x in os.getloadavg()],
        },
    }


def installed_like() -> None:
    """Byte-compile the package once, as an install does: with PYTHONDONTWRITEBYTECODE set (as
    on the development VM) every run would compile wirefix from source, a second of start-up
    no user pays. The timed runs get the environment without it."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "wirefix")], check=True)


def main() -> None:
    installed_like()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[10000])
    parser.add_argument("--mb", type=float, default=None, help="one photo of this size (4.7)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument(
        "--reference-max",
        type=int,
        default=10**9,
        help="run the ExifTool reference only up to this many files (it costs ~4 CPU ms each)",
    )
    opts = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="wirefix-bench-scan-", dir=opts.dir))
    load = os.getloadavg()
    try:
        shapes = templates(opts.mb, base)
        sizes = [one_size(base, n, shapes, opts.repeat, opts.reference_max) for n in opts.files]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    rss = [s["cold"]["peak_rss_mb"] for s in sizes]
    print(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "load_before": [round(x, 2) for x in load],
                "sizes": sizes,
                "peak_rss_largest_over_smallest": round(rss[-1] / rss[0], 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
