"""The online part of `wirefix report` and `wirefix status`: each copy, how it was found, what
was done, the purge receipts and the proof, from the copies table and their audit entries.
The HTML page renders this section from its template (wirefix/templates/report/)."""

from __future__ import annotations

import json
from typing import Any

from wirefix.online import store
from wirefix.storage.database import Database


def section(db: Database, notice_id: int, rows: list[Any]) -> list[dict[str, Any]]:
    """The notice's online copies; `rows` are its audit entries (for the proof of each)."""
    bodies = {r.seq: json.loads(r.payload) for r in rows if r.action.startswith("online-")}
    out = []
    for c in store.copies(db, notice_id):
        body = bodies.get(c["audit_seq"] or -1, {})
        out.append(
            {
                **c,
                "fields_before": body.get("fields_before"),
                "fields_after": body.get("fields_after"),
                "purges": body.get("purges", []),
                "verification": body.get("verification", []),
            }
        )
    return out
