"""The desk's prompts (issue 19 item 4): `apply` at a terminal states how many files and tag
changes it asks about, and lists them only with --show-plan; `review` explains its keys and asks
again on one it does not know, instead of moving on or ending."""

from __future__ import annotations

import hashlib
import os
import pty
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLES, Cli

NOTICE = str(SAMPLES / "notices" / "afp-daraa-correction.txt")


def at_terminal(cli: Cli, args: list[str], answer: str) -> subprocess.CompletedProcess[str]:
    """`wirefix ARGS` with a terminal (a pty) on stdin that has `answer` typed into it."""
    main, other = pty.openpty()
    try:
        os.write(main, answer.encode())
        return subprocess.run(
            [sys.executable, "-m", "wirefix", *args],
            env=cli.env, stdin=other, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        os.close(other)
        os.close(main)


def snapshot(store: Path) -> dict[str, str]:
    return {
        str(p.relative_to(store)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(store.rglob("*.jpg"))
    }


def stored(cli: Cli, store: Path) -> str:
    notice = str(cli.json("ingest", NOTICE)[0]["id"])
    cli("scan", str(store))
    return notice


def test_apply_asks_with_the_counts_and_shows_the_plan_only_when_asked(
    cli: Cli, store: Path
) -> None:
    notice = stored(cli, store)
    planned = cli.json("apply", notice, "--dry-run")["files"]
    before = snapshot(store)
    files = sum(f["status"] == "planned" for f in planned)
    tags = sum(len(f["changes"]) for f in planned if f["status"] == "planned")
    asked = at_terminal(cli, ["apply", notice], "n\n")
    assert asked.returncode == 0, asked.stderr
    assert f"{files} file(s) to change: {tags} tag change(s)" in asked.stdout
    assert "edit plan" not in asked.stdout and "--show-plan" in asked.stderr
    shown = at_terminal(cli, ["apply", notice, "--show-plan"], "n\n")
    assert "edit plan" in shown.stdout and f"{files} file(s) to change" in shown.stdout
    assert snapshot(store) == before, "`n` changed nothing"


def test_review_explains_its_keys_and_asks_again_on_an_unknown_one(
    cli: Cli, store: Path
) -> None:
    cli.env["WIREFIX_AUTO_THRESHOLD"] = "1.01"  # every file waits for a person
    notice = stored(cli, store)
    cli("match", notice, check=3)
    before = cli.json("review", "--list", check=3)
    proc = subprocess.run(
        [sys.executable, "-m", "wirefix", "review"],
        env=cli.env, input="x\nr\nq\n", capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "keys: a = approve" in proc.stderr
    assert "unknown key 'x'" in proc.stderr
    assert proc.stdout.count("[a]pprove, [r]eject, [s]kip, [q]uit") == 3  # x, r, then q
    after = cli.json("review", "--list", check=False)
    assert [i["item"] for i in after] == [i["item"] for i in before[1:]], "x skipped nothing"
