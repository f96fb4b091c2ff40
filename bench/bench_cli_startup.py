"""Start-up time of `wirefix --help` and `wirefix --version` (issue 15), run by hand, not in tests.

Each is timed as a whole process (interpreter start, imports, output), the median of N runs,
beside a bare `python -c "import typer, rich.console"` in the same virtualenv: the floor any
typer + rich command pays. The ratio is what issue 15 bounds (at most 2x). Wall time is what a
user waits; the CPU time (user + system) of the child is printed beside it because on a shared,
busy machine it moves far less than the wall clock does.

Bytecode is cached for every process alike (a temporary PYTHONPYCACHEPREFIX, written by a
warm-up run), as in an installed wirefix; `--no-bytecode` compiles every module on every run
instead, as under PYTHONDONTWRITEBYTECODE. `--src DIR` times another checkout's `wirefix`
(`python -m wirefix` with PYTHONPATH=DIR), e.g. the commit before a change:

    .venv/bin/python bench/bench_cli_startup.py [--runs 10] [--no-bytecode] [--src DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_seconds(
    argv: list[str], env: dict[str, str], where: str, runs: int
) -> tuple[float, float]:
    """The median wall and CPU time of `runs` whole-process runs of `argv` (after a warm-up),
    run in `where` so no checkout in the current folder shadows the one timed."""
    subprocess.run(argv, capture_output=True, check=True, env=env, cwd=where)
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), _children_cpu()
        subprocess.run(argv, capture_output=True, check=True, env=env, cwd=where)
        wall.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-bytecode", action="store_true", help="Compile on every run.")
    parser.add_argument("--src", type=Path, help="Time the wirefix of this source tree.")
    args = parser.parse_args()
    env = dict(os.environ)
    cache = tempfile.TemporaryDirectory(prefix="wirefix-pyc-")
    if args.no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache.name
    script = Path(sys.executable).parent / "wirefix"
    if args.src:
        env["PYTHONPATH"] = str(args.src.resolve())
        wirefix = [sys.executable, "-m", "wirefix"]
    else:
        wirefix = [str(script)] if script.exists() else [sys.executable, "-m", "wirefix"]
    with cache:
        bare, bare_cpu = median_seconds(
            [sys.executable, "-c", "import typer, rich.console"], env, cache.name, args.runs
        )
        print(f"medians of {args.runs} runs, {'no bytecode' if args.no_bytecode else 'bytecode'}")
        print("                            wall ms  ratio   cpu ms  ratio")
        print(f"import typer, rich.console {bare * 1000:8.1f}  1.00x {bare_cpu * 1000:8.1f}  1.00x")
        for option in ("--help", "--version"):
            took, cpu = median_seconds([*wirefix, option], env, cache.name, args.runs)
            print(
                f"wirefix {option:<18} {took * 1000:8.1f}  {took / bare:.2f}x "
                f"{cpu * 1000:8.1f}  {cpu / bare_cpu:.2f}x"
            )


if __name__ == "__main__":
    main()
