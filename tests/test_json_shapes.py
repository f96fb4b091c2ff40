"""The `--json` outputs are an interface (README): each shape of `wirefix.shapes` is pinned
here, exact keys and value types, against real runs of the command on the sample store."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from conftest import SAMPLES, Cli
from test_open_case import look_alikes

NOTICE = {
    "agency": (str, type(None)),
    "kind": str,
    "language": str,
    "corrections": list,
    "identifiers": dict,
    "event": dict,
    "photographer": (str, type(None)),
    "urgency": (str, type(None)),
    "status": str,
    "text": str,
    "source": str,
    "source_kind": str,
    "reason": (str, type(None)),
    "caption": (str, type(None)),
    "replacement_follows": bool,
    "sent_at": (str, type(None)),
    "transmitted": (str, type(None)),
    "distributors": list,
    "credit_line": (str, type(None)),
    "page": (dict, type(None)),
    "readings": list,
    "content_hash": str,
}
CORRECTION = {"field": str, "erroneous": str, "corrected": str}
EVENT = {"date": (str, type(None)), "city": (str, type(None)), "country": (str, type(None))}
READING = {
    "recogniser": str,
    "agency": (str, type(None)),
    "kind": str,
    "support": (float, int),
    "signals": list,
}
CANDIDATE = {
    "file_id": int,
    "path": str,
    "root": str,
    "rel_path": str,
    "score": (float, int),
    "decision": str,
    "capped_by": (str, type(None)),
    "rendition_of": (int, type(None)),
    "reasons": list,
}
MATCH_STATES = {
    "remediated", "failed", "undone", "rejected", "pending-review", "open", "left-alone",
}
REASON = {
    "name": str,
    "weight": (float, int),
    "strength": (float, int),
    "detail": str,
    "points": (float, int),
}
OPEN_CASE = {"reason": str, "nearest": list}
CHANGE = {"tag": str, "old": (str, list, type(None)), "new": (str, list), "field": str}
FILE = {
    "path": str,
    "decision": str,
    "status": str,
    "message": (str, type(None)),
    "audit_seq": (int, type(None)),
    "changes": list,
    "notes": list,
    "sha256_before": (str, type(None)),
    "sha256_after": (str, type(None)),
}
AUDIT_ENTRY = {
    "seq": int,
    "path": str,
    "root": (str, type(None)),
    "rel_path": (str, type(None)),
    "action": str,
    "outcome": str,
    "error": (str, type(None)),
    "operator": str,
    "remediated_at": str,
    "changes": list,
    "notes": list,
    "sha256_before": (str, type(None)),
    "sha256_after": (str, type(None)),
    "image_hash_method": (str, type(None)),
    "image_hash_before": (str, type(None)),
    "image_hash_after": (str, type(None)),
    "entry_hash": str,
}
#: `report --json` files: the audit entry as above plus the legal record's facts (issue 19).
REPORT_FILE = AUDIT_ENTRY | {
    "prev_hash": str,
    "backup": (str, type(None)),
    "writer": (str, type(None)),
    "wirefix_version": (str, type(None)),
    "exiftool_version": (str, type(None)),
    "notice_hash": (str, type(None)),
    "notice_received_at": (str, type(None)),
    "reason": (str, type(None)),
    "steps": list,
    "purge": (bool, type(None)),
    "undoes": (int, type(None)),
    "approval": (int, type(None)),
    "approved_in": (int, type(None)),
    "caused_entry": (int, type(None)),
    "cause": (str, type(None)),
}
COPY = {
    "site": str,
    "kind": str,
    "object_id": int,
    "url": str,
    "found_by": list,
    "action": str,
    "status": str,
    "before": dict,
    "after": dict,
    "api": list,
    "purges": list,
    "verification": list,
    "replaced_by": (int, type(None)),
    "source_file": (str, type(None)),
    "error": (str, type(None)),
    "audit_seq": (int, type(None)),
    "urls": list,
    "new_urls": list,
}
VERIFY = {"entries": int, "ok": bool, "problems": list, "head_hash": str, "pending": list}
UNDO = {"seq": int, "undone": int, "path": str, "action": str}


def shaped(obj: Any, shape: dict[str, Any], what: str) -> dict[str, Any]:
    """`obj` is an object with exactly `shape`'s keys, each value of its type(s)."""
    assert isinstance(obj, dict), f"{what}: {obj!r}"
    assert set(obj) == set(shape), f"{what}: keys {sorted(obj)} != {sorted(shape)}"
    for key, kind in shape.items():
        kinds = kind if isinstance(kind, tuple) else (kind,)
        value = obj[key]
        # bool is an int in Python; JSON keeps them apart.
        assert isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool)), (
            f"{what}.{key}: {value!r} is not {kind}"
        )
    return obj


def check_notice(n: dict[str, Any], what: str, extra: dict[str, Any] | None = None) -> None:
    shaped(n, {**NOTICE, **(extra or {})}, what)
    for c in n["corrections"]:
        shaped(c, CORRECTION, f"{what}.corrections")
    shaped(n["event"], EVENT, f"{what}.event")
    for r in n["readings"]:
        shaped(r, READING, f"{what}.readings")
    assert len(n["content_hash"]) == 64


def check_candidate(c: dict[str, Any], what: str) -> None:
    shaped(c, CANDIDATE, what)
    for r in c["reasons"]:
        shaped(r, REASON, f"{what}.reasons")


def test_ingest_match_apply_undo_verify_and_report_shapes(cli: Cli, store: Path) -> None:
    eml = str(SAMPLES / "notices" / "afp-daraa-correction.eml")
    [parsed] = cli.json("parse", eml)
    check_notice(parsed, "parse")
    assert parsed["corrections"], "the sample notice names its correction"
    [stored] = cli.json("ingest", eml)
    check_notice(stored, "ingest", {"id": int, "new": bool})
    notice = str(stored["id"])
    cli("scan", str(store))

    matched = cli.json("match", notice)
    shaped(matched, {"notice": int, "candidates": list, "open_case": type(None)}, "match")
    assert matched["candidates"]
    for c in matched["candidates"]:
        # match adds each file's state for the notice (wirefix.decide.cases.file_state)
        check_candidate({k: v for k, v in c.items() if k != "state"}, "match.candidates")
        assert c["state"] in MATCH_STATES, c["state"]

    applied = cli.json("apply", notice, "--yes")
    shaped(
        applied,
        {"notice": int, "dry_run": bool, "files": list, "open_case": type(None), "online": dict},
        "apply",
    )
    assert {f["status"] for f in applied["files"]} == {"changed"}
    for f in applied["files"]:
        shaped(f, FILE, "apply.files")
        assert f["changes"] and isinstance(f["audit_seq"], int)
        for w in f["changes"]:
            shaped(w, CHANGE, "apply.files.changes")
    assert applied["online"] == {"copies": [], "open": []}  # no [[sites]] configured

    verified = cli.json("audit", "verify")
    shaped(verified, VERIFY, "audit verify")
    assert verified["ok"] and verified["entries"] == len(applied["files"])

    report = cli.json("report")
    [entry] = report["notices"]
    for c in entry["corrections"]:
        shaped(c, CORRECTION, "report.corrections")
    assert entry["files"]
    for f in entry["files"]:
        shaped(f, REPORT_FILE, "report.files")
        for w in f["changes"]:
            shaped(w, CHANGE, "report.files.changes")

    undone = cli.json("undo", str(applied["files"][0]["audit_seq"]))
    shaped(undone, UNDO, "undo")
    assert undone["undone"] == applied["files"][0]["audit_seq"]


def test_open_case_shape(cli: Cli, tmp_path: Path) -> None:
    """The Daraa photo only as a copy credited to Reuters (test_open_case's look-alikes): the
    notice is an open case naming that copy, with its three strongest reasons."""
    store = look_alikes(tmp_path / "store")
    [stored] = cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))
    cli("scan", str(store))
    matched = cli.json("match", str(stored["id"]), check=3)
    assert isinstance(matched, dict)
    case = shaped(matched["open_case"], OPEN_CASE, "match.open_case")
    assert case["nearest"]
    for c in case["nearest"]:
        check_candidate(c, "open_case.nearest")
        assert len(c["reasons"]) <= 3


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_online_copy_shape(cli: Cli, store: Path, tmp_path: Path) -> None:
    """A configured site that does not answer: its copies are one open `site` copy."""
    config = tmp_path / "wirefix.toml"
    config.write_text(
        f'[store.roots]\nphotos = "{store}"\n'
        f'[[sites]]\nname = "news"\nkind = "wordpress"\nurl = "http://127.0.0.1:{_closed_port()}"\n'
        'user = "editor"\npassword_env = "WIREFIX_TEST_WP_PASSWORD"\ntimeout = 5\n',
        encoding="utf-8",
    )
    cli.env["WIREFIX_CONFIG"] = str(config)
    cli.env["WIREFIX_TEST_WP_PASSWORD"] = "not-used"
    [stored] = cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.eml"))
    cli("scan", str(store))
    planned = cli.json("apply", str(stored["id"]), "--dry-run", check=False)
    assert isinstance(planned, dict)
    online = shaped(planned["online"], {"copies": list, "open": list}, "apply.online")
    [copy] = online["copies"]
    shaped(copy, COPY, "apply.online.copies")
    assert (copy["kind"], copy["action"], copy["status"]) == ("site", "none", "open")
    assert copy["error"]
