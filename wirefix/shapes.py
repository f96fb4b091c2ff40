"""The `--json` shapes: one function per kind of object a command prints.

Scripts and cron jobs parse these (the README promises a stable JSON), so each key is written
out here rather than dumped from a dataclass's `__dict__`: renaming or adding a field to the data
never changes the output by accident. Plain data like `wirefix.model`: the stage types are named
for annotations only (`TYPE_CHECKING`), so any stage may call these without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wirefix.audit.chain import VerifyReport
    from wirefix.decide.cases import OpenCase
    from wirefix.flows.outcomes import FileOutcome
    from wirefix.model import (
        Candidate,
        Correction,
        Event,
        Evidence,
        Notice,
        PublishedPage,
        Reading,
        TagWrite,
    )
    from wirefix.online.base import CopyOutcome
    from wirefix.rewrite.undo import UndoResult

#: A JSON object: its values are whatever JSON holds.
Json = dict[str, Any]


# -- notices ----------------------------------------------------------------------------------


def correction_json(c: Correction) -> dict[str, str]:
    return {"field": c.field, "erroneous": c.erroneous, "corrected": c.corrected}


def event_json(e: Event) -> dict[str, str | None]:
    return {"date": e.date, "city": e.city, "country": e.country}


def page_json(p: PublishedPage) -> Json:
    return {
        "url": p.url,
        "title": p.title,
        "published_at": p.published_at,
        "found_in": p.found_in,
        "image_urls": list(p.image_urls),
        "page_image_urls": list(p.page_image_urls),
    }


def reading_json(r: Reading) -> Json:
    return {
        "recogniser": r.recogniser,
        "agency": r.agency,
        "kind": r.kind,
        "support": r.support,
        "signals": list(r.signals),
    }


def notice_json(n: Notice) -> Json:
    """A notice as `wirefix ingest --json` prints it: every field, then its content hash."""
    return {
        "agency": n.agency,
        "kind": n.kind,
        "language": n.language,
        "corrections": [correction_json(c) for c in n.corrections],
        "identifiers": dict(n.identifiers),
        "event": event_json(n.event),
        "photographer": n.photographer,
        "urgency": n.urgency,
        "status": n.status,
        "text": n.text,
        "source": n.source,
        "source_kind": n.source_kind,
        "reason": n.reason,
        "caption": n.caption,
        "replacement_follows": n.replacement_follows,
        "sent_at": n.sent_at,
        "transmitted": n.transmitted,
        "distributors": list(n.distributors),
        "credit_line": n.credit_line,
        "page": page_json(n.page) if n.page is not None else None,
        "readings": [reading_json(r) for r in n.readings],
        "content_hash": n.content_hash,
    }


# -- candidates and open cases ----------------------------------------------------------------


def evidence_json(e: Evidence) -> Json:
    """One reason as the candidates table stores it (without its points, derived)."""
    return {"name": e.name, "weight": e.weight, "strength": e.strength, "detail": e.detail}


def candidate_json(c: Candidate, top: int | None = None) -> Json:
    """A candidate as `wirefix match --json` shows it; `top` keeps only the strongest reasons."""
    evidence = (
        c.evidence
        if top is None
        else sorted(c.evidence, key=lambda e: abs(e.points), reverse=True)[:top]
    )
    return {
        "file_id": c.file.id,
        "path": c.file.path,
        "root": c.file.root,
        "rel_path": c.file.rel_path,
        "score": c.score,
        "decision": c.decision,
        "capped_by": c.capped_by,
        "rendition_of": c.rendition_of,
        "reasons": [evidence_json(e) | {"points": round(e.points, 4)} for e in evidence],
    }


def open_case_json(case: OpenCase) -> Json:
    """The `open_case` object of every `--json` output (match, apply, run, status, report)."""
    return {"reason": case.reason, "nearest": [candidate_json(c, 3) for c in case.nearest]}


# -- files changed ----------------------------------------------------------------------------


def tag_write_json(w: TagWrite) -> Json:
    """One tag written: also the `changes` of an audit entry, so its keys are hashed."""
    return {"tag": w.tag, "old": w.old, "new": w.new, "field": w.field}


def file_outcome_json(o: FileOutcome) -> Json:
    """One file of `wirefix apply --json`'s `files`."""
    plan, result = o.plan, o.result
    return {
        "path": o.candidate.file.path,
        "decision": o.candidate.decision,
        "status": o.status,
        "message": o.message,
        "audit_seq": o.audit_seq,
        "changes": [tag_write_json(w) for w in plan.writes] if plan else [],
        "notes": (result.notes if result else plan.notes if plan else []),
        "sha256_before": result.sha256_before if result else None,
        "sha256_after": result.sha256_after if result else None,
    }


def audit_entry_json(seq: int, entry_hash: str, body: Json) -> Json:
    """One remediation of a file in `wirefix report --json`: its audit entry's payload (`body`)
    as the report shows it, with the entry's place in the chain."""
    return {
        "seq": seq,
        "path": body["path"],
        "root": body.get("root"),
        "rel_path": body.get("rel_path"),
        "action": body["action"],
        "outcome": body["outcome"],
        "error": body.get("error"),
        "operator": body["operator"],
        "remediated_at": body["remediated_at"],
        "changes": [
            {"tag": c["tag"], "old": c["old"], "new": c["new"], "field": c["field"]}
            for c in body.get("changes", [])
        ],
        "notes": body.get("notes", []),
        "sha256_before": body.get("sha256_before"),
        "sha256_after": body.get("sha256_after"),
        "image_hash_method": body.get("image_hash_method"),
        "image_hash_before": body.get("image_hash_before"),
        "image_hash_after": body.get("image_hash_after"),
        "entry_hash": entry_hash,
    }


def undo_json(u: UndoResult) -> Json:
    """`wirefix undo --json`: the new entry, the entry undone, its file and action."""
    return {"seq": u.seq, "undone": u.undone, "path": u.path, "action": u.action}


def verify_json(r: VerifyReport) -> Json:
    """`wirefix audit verify --json`."""
    return {
        "entries": r.entries,
        "ok": r.ok,
        "problems": list(r.problems),
        "head_hash": r.head_hash,
        "pending": list(r.pending),
    }


# -- online copies ----------------------------------------------------------------------------


def copy_outcome_json(o: CopyOutcome) -> Json:
    """One online copy, as `copies` in the `online` object of apply's and run's `--json`."""
    return {
        "site": o.site,
        "kind": o.kind,
        "object_id": o.object_id,
        "url": o.url,
        "found_by": list(o.found_by),
        "action": o.action,
        "status": o.status,
        "before": dict(o.before),
        "after": dict(o.after),
        "api": list(o.api),
        "purges": list(o.purges),
        "verification": list(o.verification),
        "replaced_by": o.replaced_by,
        "source_file": o.source_file,
        "error": o.error,
        "audit_seq": o.audit_seq,
        "urls": list(o.urls),
        "new_urls": list(o.new_urls),
    }
