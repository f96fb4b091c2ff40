"""CDN purgers: every URL of a changed copy is taken out of the caches in front of it.

Each purger answers with receipts (what was asked, the provider's status and answer), kept in
the copy's audit entry. Varnish: `PURGE` per URL, or one `BAN` by regex (`ban = true`);
Fastly: `POST /purge/<url>` with `Fastly-Key`; Cloudflare: `POST /zones/<id>/purge_cache` with
`files` and a Bearer token; Akamai Fast Purge: `POST /ccu/v3/delete/url/<network>` signed with
EdgeGrid (EG1-HMAC-SHA256).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from wirefix.online.base import Receipt
from wirefix.online.config import PurgerConfig
from wirefix.online.wordpress import session


def _answer(r: requests.Response) -> Any:
    try:
        return r.json()
    except ValueError:
        return r.text[:200]


def _receipt(
    purger: PurgerConfig,
    what: str,
    urls: list[str],
    r: requests.Response | None,
    error: str | None = None,
    ok: bool | None = None,
) -> Receipt:
    return {
        "purger": purger.name,
        "kind": purger.kind,
        "request": what,
        "urls": urls,
        "status": r.status_code if r is not None else None,
        "answer": _answer(r) if r is not None else None,
        "error": error,
        "ok": bool(ok if ok is not None else (r is not None and r.status_code < 300)),
    }


class Purger:
    """Purges the URLs of the hosts it fronts."""

    def __init__(self, config: PurgerConfig, http: requests.Session | None = None) -> None:
        self.config = config
        self.http = http or session()

    def purge(self, urls: list[str]) -> list[Receipt]:
        mine = sorted({u for u in urls if self.config.fronts(u)})
        if not mine:
            return []
        try:
            return self._purge(mine)
        except requests.RequestException as exc:
            return [_receipt(self.config, "purge", mine, None, f"{type(exc).__name__}: {exc}")]

    def _purge(self, urls: list[str]) -> list[Receipt]:
        raise NotImplementedError

    def _secret(self, name: str) -> str:
        value = self.config.secret(name)
        if not value:
            raise requests.RequestException(
                f"${getattr(self.config, name + '_env')} is not set for purger {self.config.name}"
            )
        return value


class Varnish(Purger):
    def _purge(self, urls: list[str]) -> list[Receipt]:
        t = self.config.timeout
        out = []
        if self.config.ban:
            by_host: dict[str, list[str]] = {}
            for u in urls:
                by_host.setdefault(urlsplit(u).netloc, []).append(u)
            for netloc, group in by_host.items():
                paths = [
                    urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "")
                    for u in group
                ]
                regex = "^(" + "|".join(re.escape(p) for p in paths) + ")$"
                target = self._endpoint(group[0])
                r = self.http.request(
                    "BAN", target + "/", headers={"Host": netloc, "X-Ban-Url": regex}, timeout=t
                )
                out.append(_receipt(self.config, f"BAN {regex}", group, r))
            return out
        for u in urls:
            parts = urlsplit(u)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            r = self.http.request(
                "PURGE", self._endpoint(u) + path, headers={"Host": parts.netloc}, timeout=t
            )
            out.append(_receipt(self.config, f"PURGE {u}", [u], r))
        return out

    def _endpoint(self, url: str) -> str:
        if self.config.endpoint:
            return self.config.endpoint.rstrip("/")
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"


class Fastly(Purger):
    def _purge(self, urls: list[str]) -> list[Receipt]:
        api = (self.config.api or "https://api.fastly.com").rstrip("/")
        key = self._secret("token")
        out = []
        for u in urls:
            target = u.split("://", 1)[-1]
            r = self.http.post(
                f"{api}/purge/{target}",
                headers={"Fastly-Key": key, "Accept": "application/json"},
                timeout=self.config.timeout,
            )
            out.append(_receipt(self.config, f"POST /purge/{target}", [u], r))
        return out


class Cloudflare(Purger):
    def _purge(self, urls: list[str]) -> list[Receipt]:
        api = (self.config.api or "https://api.cloudflare.com/client/v4").rstrip("/")
        token = self._secret("token")
        out = []
        for i in range(0, len(urls), 30):  # Cloudflare takes 30 files per request
            group = urls[i : i + 30]
            r = self.http.post(
                f"{api}/zones/{self.config.zone_id}/purge_cache",
                headers={"Authorization": f"Bearer {token}"},
                json={"files": group},
                timeout=self.config.timeout,
            )
            body = _answer(r)
            ok = r.status_code < 300 and isinstance(body, dict) and body.get("success") is True
            out.append(
                _receipt(
                    self.config, f"POST /zones/{self.config.zone_id}/purge_cache", group, r, ok=ok
                )
            )
        return out


def edgegrid_header(
    method: str,
    url: str,
    body: bytes,
    client_token: str,
    client_secret: str,
    access_token: str,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> str:
    """Akamai's EdgeGrid `Authorization` header (EG1-HMAC-SHA256), as its client libraries
    compute it: the signing key is HMAC(client_secret, timestamp), the signature HMAC(key, the
    method, scheme, host, path and query, headers, body hash and header base, tab-joined)."""
    ts = timestamp or datetime.now(UTC).strftime("%Y%m%dT%H:%M:%S+0000")
    base = (
        f"EG1-HMAC-SHA256 client_token={client_token};access_token={access_token};"
        f"timestamp={ts};nonce={nonce or uuid.uuid4()};"
    )
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    body_hash = (
        base64.b64encode(hashlib.sha256(body[:131072]).digest()).decode()
        if method == "POST" and body
        else ""
    )
    data = "\t".join([method, parts.scheme, parts.netloc, path, "", body_hash, base])
    key = base64.b64encode(hmac.new(client_secret.encode(), ts.encode(), hashlib.sha256).digest())
    signature = base64.b64encode(hmac.new(key, data.encode(), hashlib.sha256).digest()).decode()
    return base + "signature=" + signature


class Akamai(Purger):
    def _purge(self, urls: list[str]) -> list[Receipt]:
        api = (self.config.api or f"https://{self.config.host}").rstrip("/")
        url = f"{api}/ccu/v3/delete/url/{self.config.network}"
        body = json.dumps({"objects": urls}, separators=(",", ":")).encode()
        auth = edgegrid_header(
            "POST",
            url,
            body,
            self._secret("client_token"),
            self._secret("client_secret"),
            self._secret("access_token"),
        )
        r = self.http.post(
            url,
            data=body,
            headers={"Authorization": auth, "Content-Type": "application/json"},
            timeout=self.config.timeout,
        )
        return [_receipt(self.config, f"POST /ccu/v3/delete/url/{self.config.network}", urls, r)]


KINDS: dict[str, type[Purger]] = {
    "varnish": Varnish,
    "fastly": Fastly,
    "cloudflare": Cloudflare,
    "akamai": Akamai,
}


def purgers(configs: tuple[PurgerConfig, ...]) -> list[Purger]:
    return [KINDS[c.kind](c) for c in configs]


def purge_all(all_purgers: list[Purger], urls: list[str]) -> list[Receipt]:
    """Every purger's receipts for the URLs of the hosts it fronts."""
    return [r for p in all_purgers for r in p.purge(urls)]
