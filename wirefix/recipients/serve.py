"""`wirefix serve`: the page an `Acknowledge:` link opens (stdlib ThreadingHTTPServer).

GET shows what the recipient is asked to do and a confirm button, and records nothing: link
previews and mail scanners fetch links too. POST (the button) records the acknowledgement.
Meant to run behind the newsroom's HTTPS reverse proxy (docs/recipients.md); the token is the
last path segment, so any path prefix the proxy uses works.
"""

from __future__ import annotations

import html
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from wirefix.recipients.ack import AckRefused, acknowledge, lookup, token_of
from wirefix.storage.database import Database

log = logging.getLogger("wirefix.recipients.serve")
MAX_FORM = 4096

_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font:16px/1.5 sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}
button{{font-size:1em;padding:.5em 1.2em}}</style></head><body><h1>{title}</h1>{body}</body></html>
"""


def page(title: str, body: str) -> bytes:
    return _PAGE.format(title=html.escape(title), body=body).encode("utf-8")


class AckHandler(BaseHTTPRequestHandler):
    server_version = "wirefix"
    db: Database
    operator: str
    trust_proxy: bool = False

    def _send(self, status: HTTPStatus, content: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")  # the token is in the URL
        self.send_header("X-Frame-Options", "DENY")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        )
        self.end_headers()
        self.wfile.write(content)

    def _client(self) -> str:
        forwarded = self.headers.get("X-Forwarded-For", "")
        if self.trust_proxy and forwarded:
            return forwarded.split(",")[0].strip()
        return self.client_address[0]

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/healthz", ""):
            self._send(HTTPStatus.OK, page("wirefix", "<p>ok</p>"))
            return
        try:
            n, notice = lookup(self.db, token_of(self.path))
        except AckRefused as exc:
            self._send(
                HTTPStatus.NOT_FOUND, page("Unknown link", f"<p>{html.escape(str(exc))}</p>")
            )
            return
        e = html.escape
        if notice.kind == "kill":
            asked = (
                "<p><strong>Kill: remove this photo everywhere</strong> "
                "(online services, archives, servers).</p>"
            )
        else:
            asked = (
                "<ul>"
                + "".join(
                    f"<li>{e(c.field)}: <strong>{e(c.corrected)}</strong> "
                    f"instead of {e(c.erroneous)}</li>"
                    for c in notice.corrections
                )
                + "</ul>"
            )
        if n.acknowledged_at is not None:
            done = (
                f"<p>Acknowledged {n.acknowledged_at:%Y-%m-%d %H:%M} UTC by "
                f"{e(n.acknowledged_by or '')}. Thank you.</p>"
            )
            self._send(HTTPStatus.OK, page("Already acknowledged", asked + done))
            return
        body = (
            f"<p>{e(notice.agency or 'The agency')} issued a {e(notice.kind)} for a photo "
            f"delivered to <strong>{e(n.recipient)}</strong>. "
            f"{e(notice.urgency or '')}</p>{asked}"
            "<form method='post'><p><label>Your name <input name='by' maxlength='200'></label></p>"
            "<p><button type='submit'>I confirm it is done</button></p></form>"
        )
        self._send(HTTPStatus.OK, page(f"{notice.agency or 'Agency'} {notice.kind}", body))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_FORM:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, page("Too large", ""))
            return
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        by = (form.get("by") or [""])[0].strip() or None
        try:
            outcome = acknowledge(
                self.db, token_of(self.path), by, "web", self.operator, client=self._client()
            )
        except AckRefused as exc:
            status = HTTPStatus.CONFLICT if exc.reused else HTTPStatus.NOT_FOUND
            self._send(status, page("Not recorded", f"<p>{html.escape(str(exc))}</p>"))
            return
        n = outcome.notification
        self._send(
            HTTPStatus.OK,
            page(
                "Thank you",
                f"<p>Recorded: {html.escape(n.acknowledged_by or '')} acknowledged notice "
                f"{n.notice_id} at {n.acknowledged_at:%Y-%m-%d %H:%M} UTC.</p>",
            ),
        )

    def log_message(self, format: str, *args: Any) -> None:
        # Never the path: it carries the token.
        log.info("%s %s", self._client(), self.command)


def make_server(
    db: Database, host: str, port: int, operator: str, trust_proxy: bool = False
) -> ThreadingHTTPServer:
    handler = type(
        "BoundAckHandler",
        (AckHandler,),
        {"db": db, "operator": operator, "trust_proxy": trust_proxy},
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
