"""The online part of `wirefix report` and `wirefix status`: each copy, how it was found, what
was done, the purge receipts and the proof, from the copies table and their audit entries."""

from __future__ import annotations

import html
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


def to_html(notices: list[dict[str, Any]]) -> list[str]:
    e = html.escape
    parts = []
    for n in notices:
        if not n.get("online"):
            continue
        parts.append(
            f"<div class='notice online' data-online='{n['id']}'><h2>Notice {n['id']}: online "
            "copies</h2><table><thead><tr><th>site</th><th>copy</th><th>found by</th>"
            "<th>action</th><th>state</th><th>purged</th><th>verified</th></tr></thead><tbody>"
        )
        for c in n["online"]:
            purged = sum(1 for p in c["purges"] if p.get("ok"))
            checks = c["verification"]
            verified = (
                f"{sum(v['ok'] for v in checks)}/{len(checks)} URLs at {c['verified_at'][:19]}"
                if c["verified_at"]
                else e(c["error"] or "not verified")
            )
            parts.append(
                f"<tr class='online-copy state-{e(c['state'])}'><td>{e(c['site'])}</td>"
                f"<td>{e(c['kind'])} {c['object_id']}<br><code>{e(c['url'])}</code></td>"
                f"<td>{e('; '.join(c['found_by']))}</td><td>{e(c['action'] or '')}</td>"
                f"<td>{e(c['state'])}</td><td>{purged}/{len(c['purges'])}</td>"
                f"<td>{verified}</td></tr>"
            )
        parts.append("</tbody></table></div>")
    return parts
