"""The webhook a recipient gets: a ninjs 2.1 item POSTed as JSON, signed.

A correction is the same `uri` again with a higher `version`, `pubstatus` "usable", the corrected
metadata and an `ednote`; a kill is `pubstatus` "canceled". The signature is

    X-Wirefix-Signature: sha256=<hex of HMAC-SHA256(secret, raw request body)>

An answer 2xx means the receiver took it (delivery, not acknowledgement).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests

from wirefix.config import HttpSettings
from wirefix.deliveries import Outgoing, OutgoingPhoto
from wirefix.recipients.mail import SendError

NINJS_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json"
RETRY_STATUS = {429, 500, 502, 503, 504}


def sign(body: bytes, secret: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def ednote(out: Outgoing) -> str:
    if out.kind == "kill":
        what = f"{out.agency or 'Agency'} KILL: remove this photo everywhere."
    else:
        fixes = "; ".join(
            f'{f}: "{right}" instead of "{wrong}"' for f, wrong, right in out.corrections
        )
        what = f"{out.agency or 'Agency'} CORRECTION: {fixes}."
    reminder = f" Reminder {out.round}." if out.round else ""
    return f"{what} {out.instruction}{reminder} Acknowledge: {out.ack_url}"


def ninjs(out: Outgoing, photo: OutgoingPhoto, now: datetime) -> dict[str, Any]:
    """The item for one delivered photo."""
    ids = [str(i) for i in photo.identifiers]
    uri = photo.uri or "urn:wirefix:{}:{}".format(
        (out.agency or "photo").casefold(), ids[0] if ids else photo.sha256 or "unknown"
    )
    item: dict[str, Any] = {
        "uri": uri,
        "type": "picture",
        "version": str(int(photo.version or 1) + 1),
        "versioncreated": now.isoformat(),
        "pubstatus": "canceled" if out.kind == "kill" else "usable",
        "ednote": ednote(out),
        "standard": {"name": "ninjs", "version": "2.1", "schema": NINJS_SCHEMA},
    }
    if ids:
        item["altids"] = [{"role": "identifier", "value": i} for i in ids]
    if out.kind != "kill":
        if out.byline:
            item["by"] = out.byline
        if out.caption:
            item["descriptions"] = [{"role": "caption", "value": out.caption}]
        for name, _, right in out.corrections:
            if name == "headline":
                item["headlines"] = [{"role": "main", "value": right}]
            elif name == "copyright":
                item["copyrightnotice"] = right
    return item


def post(
    url: str,
    item: dict[str, Any],
    secret: bytes,
    http: HttpSettings,
    delivery_id: str,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """POST with timeouts, retrying connection errors, timeouts and 429/5xx with backoff;
    returns the 2xx status, else `SendError`."""
    body = json.dumps(item, ensure_ascii=False, sort_keys=True).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Wirefix-Signature": sign(body, secret),
        "X-Wirefix-Delivery": delivery_id,  # the same on every retry: receivers can dedupe
        "User-Agent": "wirefix",
    }
    problem = ""
    for attempt in range(1 + max(0, http.retries)):
        if attempt:
            sleep(http.backoff * 2 ** (attempt - 1))
        try:
            response = requests.post(
                url,
                data=body,
                headers=headers,
                timeout=(http.connect_timeout, http.read_timeout),
                allow_redirects=False,  # a signed body goes where it was configured, no further
            )
        except requests.RequestException as exc:
            problem = f"{type(exc).__name__}: {exc}"
            continue
        if 200 <= response.status_code < 300:
            return response.status_code
        problem = f"HTTP {response.status_code}"
        if response.status_code not in RETRY_STATUS:
            break
    raise SendError(f"webhook {url}: {problem}")
