"""Reports for compliance staff, read from the audit log and the match results (SPEC §7)."""

from __future__ import annotations

import json
from typing import Any

from wirefix.storage import Database


def notice_report(db: Database, only: int | None = None) -> dict[str, Any]:
    """Per notice: arrival, decisions, remediations with their changes, operators, timing.

    The shape is the `--json` contract of `wirefix report`.
    """
    notices = []
    for notice_id, notice, received_at in db.notices():
        if only is not None and notice_id != only:
            continue
        candidates = db.candidates(notice_id)
        matched = {"auto": 0, "review": 0, "no": 0}
        for c in candidates:
            matched[c.decision] += 1
        files = []
        for row in db.audit_entries(notice_id):
            body = json.loads(row.payload)
            files.append(
                {
                    "seq": row.seq,
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
                        for c in body["changes"]
                    ],
                    "notes": body.get("notes", []),
                    "sha256_before": body["sha256_before"],
                    "sha256_after": body["sha256_after"],
                    "image_hash_method": body.get("image_hash_method"),
                    "image_hash_before": body.get("image_hash_before"),
                    "image_hash_after": body.get("image_hash_after"),
                    "entry_hash": row.entry_hash,
                }
            )
        ok = [f for f in files if f["outcome"] == "ok"]
        last = max((f["remediated_at"] for f in ok), default=None)
        notices.append(
            {
                "id": notice_id,
                "agency": notice.agency,
                "kind": notice.kind,
                "status": notice.status,
                "source": notice.source,
                "received_at": received_at.isoformat(),
                "corrections": [c.__dict__ for c in notice.corrections],
                "identifiers": notice.identifiers,
                "matched": matched,
                "remediated": len({f["path"] for f in ok}),
                "failed": sum(f["outcome"] == "failed" for f in files),
                "operators": sorted({f["operator"] for f in files}),
                "last_remediated_at": last,
                "files": files,
            }
        )
    return {"notices": notices}
