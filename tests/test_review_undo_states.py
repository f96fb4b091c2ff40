"""After a review approval and an undo, `match`, `status`, `review` and `report` say the same
thing about every file (issue 19): an approval and the rewrite it caused are two linked entries,
`undo` of the approval undoes that rewrite, and an undone file is held until an editor decides
again, whether the matcher called it `auto` or `review`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import SAMPLES, Cli

NOTICE = SAMPLES / "notices" / "afp-daraa-correction.txt"
DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def views(cli: Cli, notice: str) -> dict[str, object]:
    """What each of the four commands says about the notice's files."""
    match = cli.json("match", notice, check=False)
    status = cli.json("status", check=False)
    queue = cli.json("review", "--list", "--json", check=False)
    [report] = cli.json("report", "--notice", notice)["notices"]
    states = {c["rel_path"]: c["state"] for c in match["candidates"] if c["decision"] != "no"}
    return {
        "states": states,
        "match_pending": sorted(p for p, s in states.items() if s == "pending-review"),
        "queue": sorted(item["path"].split("/store/")[1] for item in queue),
        "status_pending": status["files_pending_review"],
        "report_pending": report["pending_review"],
        "report_undone": report["undone"],
        "report_remediated": report["remediated"],
    }


def agree(v: dict[str, object]) -> None:
    assert v["match_pending"] == v["queue"], v
    assert v["status_pending"] == v["report_pending"] == len(v["queue"]), v  # type: ignore[arg-type]


def test_review_approval_undo_and_reapproval_agree_everywhere(cli: Cli, store: Path) -> None:
    cli.env["WIREFIX_AUTO_THRESHOLD"] = "1.01"  # every file waits for a person
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("scan", str(store))
    before = sha(store / DARAA)
    v = views(cli, notice)
    agree(v)
    assert DARAA in v["queue"] and v["report_remediated"] == 0
    item = next(
        f"{notice}:{c['file_id']}"
        for c in cli.json("match", notice, check=False)["candidates"]
        if c["rel_path"] == DARAA
    )

    [decision] = cli.json("review", "--approve", item)
    approval = decision["audit_seq"]
    [changed] = decision["files"]
    assert changed["status"] == "changed" and changed["audit_seq"] > approval
    entries = {e["seq"]: e for e in cli.json("report", "--notice", notice)["notices"][0]["files"]}
    assert entries[approval]["action"] == "review-approve"
    assert entries[changed["audit_seq"]]["action"] == "rewrite"
    v = views(cli, notice)
    agree(v)
    assert v["states"][DARAA] == "remediated" and DARAA not in v["queue"]

    # `undo` of the approval undoes the rewrite it caused, and says which entry that was.
    undone = cli.json("undo", str(approval))
    assert undone["undone"] == changed["audit_seq"]
    assert sha(store / DARAA) == before
    again = cli("undo", str(approval), check=1)
    assert f"entry {approval} approved the change of entry {changed['audit_seq']}" in again.stderr
    assert f"already undone by entry {undone['seq']}" in again.stderr
    v = views(cli, notice)
    agree(v)
    assert v["states"][DARAA] == "undone" and v["report_undone"] == 1
    assert DARAA not in v["queue"], "an undone file does not wait: the desk took it back"

    # Nothing changes it again on its own, not even apply --include-review ...
    cli("apply", notice, "--yes", "--include-review", check=False)
    assert views(cli, notice)["states"][DARAA] == "undone"
    assert sha(store / DARAA) == before
    # ... until an editor approves it again.
    [again_ok] = cli.json("review", "--approve", item)
    assert again_ok["files"][0]["status"] == "changed"
    v = views(cli, notice)
    agree(v)
    assert v["states"][DARAA] == "remediated" and v["report_undone"] == 0
    cli("audit", "verify")


def test_an_undone_auto_file_is_not_rewritten_again_by_apply(cli: Cli, store: Path) -> None:
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("scan", str(store))
    before = sha(store / DARAA)
    applied = cli.json("apply", notice, "--yes")
    seq = next(f["audit_seq"] for f in applied["files"] if f["path"].endswith(DARAA))
    cli("undo", str(seq))
    assert sha(store / DARAA) == before
    again = cli.json("apply", notice, "--yes", check=False)
    assert all(not f["path"].endswith(DARAA) for f in again["files"]), again["files"]
    assert sha(store / DARAA) == before
    v = views(cli, notice)
    agree(v)
    assert v["states"][DARAA] == "undone"


def test_undo_of_an_approval_that_changed_nothing_says_so(cli: Cli, store: Path) -> None:
    cli.env["WIREFIX_AUTO_THRESHOLD"] = "1.01"
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("scan", str(store))
    item = next(
        f"{notice}:{c['file_id']}"
        for c in cli.json("match", notice, check=False)["candidates"]
        if c["decision"] == "review"
    )
    [rejected] = cli.json("review", "--reject", item)
    refused = cli("undo", str(rejected["audit_seq"]), check=1)
    assert "nothing to undo" in refused.stderr and refused.stderr.count("\n") == 1
