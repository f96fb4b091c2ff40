"""What a notice's candidates mean for people and machines, decided in one place (issue 13).

Every command asks the same two questions of a matched notice, and must get the same answers:

- which files may a machine change? (`to_apply`: the `auto` ones nobody rejected, `review` ones
  when asked, and every one an editor approved), and which wait for a person (`pending_review`);
- is it an *open case*: a correction or kill in force for which nothing will happen although
  something should? Silence there is the one failure the product exists to prevent, so `match`,
  `apply` and `run` exit 3 on it and `status` and `report` list it (`open_case`).

An open case (docs/matching.md, "Open cases"):

- a kill that nothing will take out (no `auto`, no `review`, no file an editor decided) and for
  which wirefix took nothing out: a kill is never done by matching nothing;
- a correction that nothing will change while a file the matcher refused *may be the photo*:
  it still carries the erroneous value, or it is the photo by identifier, file name or a
  near-identical caption, and its date does not contradict the notice (a date mismatch names
  another photo: the photographer's other days, a reused reference). A look-alike that no longer
  carries the erroneous value is the photo already fixed: open only when the audit log shows
  wirefix fixed nothing for the notice (fixed by hand, or the error is spelt otherwise there).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wirefix.decide.match import MatchConfig
from wirefix.model import Candidate, Notice

if TYPE_CHECKING:
    from wirefix.storage import Database

#: How many refused look-alikes an open case names, best score first.
NEAREST = 5
REMEDIATIONS = {"rewrite", "kill"}
UNDOS = {"undo", "restore"}

Decided = dict[int, str]  # file id -> the latest decision ("approved" / "rejected" / "undone")
#: Decisions that keep a machine's hands off a file: an editor's rejection, and an undo (the
#: desk took the change back; only a new approval changes the file again).
HANDS_OFF = {"rejected", "undone"}


def to_apply(
    candidates: Iterable[Candidate], decided: Decided, include_review: bool = False
) -> list[Candidate]:
    """The files a machine may change: an approved file whatever the matcher said, a rejected
    or undone one never (not even with `include_review`), otherwise `auto` (and `review` if
    asked)."""
    wanted = {"auto", "review"} if include_review else {"auto"}
    return [
        c
        for c in candidates
        if decided.get(c.file.id) not in HANDS_OFF
        and (c.decision in wanted or decided.get(c.file.id) == "approved")
    ]


def pending_review(candidates: Iterable[Candidate], decided: Decided) -> list[Candidate]:
    """`review` candidates no editor has decided yet."""
    return [c for c in candidates if c.decision == "review" and c.file.id not in decided]


def file_state(c: Candidate, decided: Decided, ok_paths: set[str], failed_paths: set[str]) -> str:
    """One file's state for a notice, the same word in `match`, `status`, `review` and
    `report`: remediated, failed, undone, rejected, pending-review, open (a machine will change
    it: `auto` or approved) or left-alone (`no`)."""
    if c.file.path in ok_paths:
        return "remediated"
    decision = decided.get(c.file.id)
    if decision == "undone":
        return "undone"
    if c.file.path in failed_paths:
        return "failed"
    if decision == "rejected":
        return "rejected"
    if decision == "approved" or c.decision == "auto":
        return "open"
    if c.decision == "review":
        return "pending-review"
    return "left-alone"


def by_file(decisions: dict[tuple[int, int], str]) -> Decided:
    """`storage.runs.review_decisions(db, notice_id)` keyed by file id alone."""
    return {fid: d for (_, fid), d in decisions.items()}


@dataclass
class OpenCase:
    """A notice in force that nothing will act on, with the refused files nearest to it."""

    reason: str
    nearest: list[Candidate] = field(default_factory=list)  # JSON: wirefix.shapes.open_case_json


def in_force(notice: Notice) -> bool:
    """Corrections and kills parsed or waiting for a person; advisories and unparsed text are
    not instructions to change anything."""
    return notice.kind in ("correction", "kill") and notice.status in ("parsed", "needs_review")


def open_case(
    notice: Notice,
    candidates: list[Candidate],
    decided: Decided,
    fixed: bool,
    config: MatchConfig | None = None,
) -> OpenCase | None:
    """The open case of `notice`, or None. `fixed`: the audit log shows wirefix remediated
    (and did not undo) files for this notice."""
    config = config or MatchConfig()
    if not in_force(notice):
        return None
    if any(c.decision != "no" or c.file.id in decided for c in candidates):
        return None  # a machine or a person acts on it
    refused = sorted(candidates, key=lambda c: (-c.score, c.file.rel_path))
    if notice.kind == "kill":
        if fixed:
            return None
        why = "kill matched no file: nothing was taken out"
        if refused:
            why += f"; {len(refused)} look-alike(s) refused"
        return OpenCase(why, refused[:NEAREST])
    wrong = [c for c in refused if _may_be_the_photo(c, config) == "still wrong"]
    right = [c for c in refused if _may_be_the_photo(c, config) == "already right"]
    if wrong:
        return OpenCase(
            f"nothing will be changed, yet {len(wrong)} refused file(s) still carry the "
            "erroneous value",
            (wrong + [c for c in right if not fixed])[:NEAREST],
        )
    if right and not fixed:
        return OpenCase(
            "the photo no longer carries the erroneous value, but wirefix fixed nothing for this "
            "notice: fixed by hand, or the error is written otherwise there",
            right[:NEAREST],
        )
    return None


def _may_be_the_photo(c: Candidate, config: MatchConfig) -> str | None:
    names = {e.name for e in c.evidence}
    if "date_mismatch" in names:
        return None  # another day: the photographer's other photos, a reused reference
    if "erroneous_value" in names:
        return "still wrong"
    caption = max((e.strength for e in c.evidence if e.name == "caption"), default=0.0)
    if {"identifier", "original_filename"} & names or caption >= config.caption_auto_similarity:
        return "already right"
    return None


def remediated(files: Iterable[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(paths remediated and not undone since, paths whose last remediation failed), from
    audit payloads in chain order (each with `path`, `action`, `outcome`)."""
    ok: set[str] = set()
    failed: set[str] = set()
    for f in files:
        if f["action"] in REMEDIATIONS:
            (ok if f["outcome"] == "ok" else failed).add(f["path"])
            if f["outcome"] == "ok":
                failed.discard(f["path"])
        elif f["action"] in UNDOS and f["outcome"] == "ok":
            ok.discard(f["path"])
    return ok, failed - ok


def notice_case(
    db: Database,
    notice_id: int,
    candidates: list[Candidate] | None = None,
    config: MatchConfig | None = None,
    notice: Notice | None = None,
) -> OpenCase | None:
    """`open_case` with its facts read from the database: the notice, its stored candidates
    (unless given), the editors' decisions and, only when needed, the audit log."""
    from wirefix.storage.runs import review_decisions

    notice = notice or db.notice(notice_id)[0]
    if not in_force(notice):
        return None
    candidates = db.candidates(notice_id) if candidates is None else candidates
    decided = by_file(review_decisions(db, notice_id))
    if any(c.decision != "no" or c.file.id in decided for c in candidates):
        return None
    rows = db.audit_entries(notice_id)
    ok, _ = remediated(json.loads(r.payload) for r in rows)
    return open_case(notice, candidates, decided, bool(ok), config)


def notice_file_states(
    db: Database, notice_id: int, candidates: list[Candidate] | None = None
) -> dict[int, str]:
    """file id -> `file_state` for every candidate of a notice, read from the database (the
    editors' decisions, undos included, and the audit log)."""
    from wirefix.storage.runs import review_decisions

    candidates = db.candidates(notice_id) if candidates is None else candidates
    decided = by_file(review_decisions(db, notice_id))
    ok, failed = remediated(json.loads(r.payload) for r in db.audit_entries(notice_id))
    return {c.file.id: file_state(c, decided, ok, failed) for c in candidates}
