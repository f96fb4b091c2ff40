"""The CDN purgers against a local server that checks each provider's documented request shape
and authentication (Fastly, Cloudflare, Akamai Fast Purge), and refuses anything else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from wirefix.online.config import PurgerConfig
from wirefix.online.purge import Akamai, Cloudflare, Fastly

SECRETS = {
    "FASTLY_KEY": "fk-1",
    "CF_TOKEN": "cf-2",
    "AK_CT": "akab-ct",
    "AK_CS": "c2VjcmV0",
    "AK_AT": "akab-at",
}
URLS = ["https://www.news.example/wp-content/uploads/a.jpg", "https://www.news.example/?p=5"]


def _akamai_ok(handler: BaseHTTPRequestHandler, body: bytes) -> bool:
    """EdgeGrid as Akamai documents it, recomputed here from the header's own fields."""
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("EG1-HMAC-SHA256 "):
        return False
    fields = dict(p.split("=", 1) for p in auth[len("EG1-HMAC-SHA256 ") :].split(";") if p)
    if fields.get("client_token") != "akab-ct" or fields.get("access_token") != "akab-at":
        return False
    base = auth[: auth.index("signature=")]
    key = base64.b64encode(hmac.new(b"c2VjcmV0", fields["timestamp"].encode(), "sha256").digest())
    content = base64.b64encode(hashlib.sha256(body).digest()).decode()
    host = handler.headers["Host"]
    data = "\t".join(["POST", "http", host, handler.path, "", content, base])
    want = base64.b64encode(hmac.new(key, data.encode(), "sha256").digest()).decode()
    return hmac.compare_digest(want, fields["signature"])


class Provider(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, object]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path
        if path.startswith("/purge/"):  # Fastly: POST /purge/<host/path>, Fastly-Key
            if self.headers.get("Fastly-Key") != "fk-1":
                return self._send(401, {"msg": "Provided credentials are missing or invalid"})
            Provider.seen.append(("fastly", path, None))
            return self._send(200, {"status": "ok", "id": "108-1391560174-974124"})
        if path == "/client/v4/zones/zone9/purge_cache":  # Cloudflare: Bearer, {"files": [...]}
            files = json.loads(body or b"{}").get("files")
            if self.headers.get("Authorization") != "Bearer cf-2":
                return self._send(403, {"success": False, "errors": [{"code": 10000}]})
            if not isinstance(files, list) or not files or len(files) > 30:
                return self._send(400, {"success": False, "errors": [{"code": 1012}]})
            Provider.seen.append(("cloudflare", path, files))
            return self._send(200, {"success": True, "errors": [], "result": {"id": "zone9"}})
        if path == "/ccu/v3/delete/url/production":  # Akamai: EdgeGrid, {"objects": [...]}
            if not _akamai_ok(self, body):
                return self._send(401, {"title": "Unauthorized", "status": 401})
            objects = json.loads(body)["objects"]
            Provider.seen.append(("akamai", path, objects))
            return self._send(
                201,
                {
                    "httpStatus": 201,
                    "purgeId": "e535071c",
                    "estimatedSeconds": 5,
                    "detail": "Request accepted",
                },
            )
        return self._send(404, {"error": f"no such endpoint {path}"})


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Provider.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _config(kind: str, api: str, **kw: object) -> PurgerConfig:
    return PurgerConfig(name=kind, kind=kind, hosts=("www.news.example",), api=api, **kw)  # type: ignore[arg-type]


def test_fastly_purges_each_url_with_its_key(api: str) -> None:
    receipts = Fastly(_config("fastly", api, token_env="FASTLY_KEY")).purge(URLS)
    assert [r["ok"] for r in receipts] == [True, True]
    assert [s[1] for s in Provider.seen] == sorted("/purge/" + u.split("://")[1] for u in URLS)
    assert receipts[0]["answer"]["status"] == "ok"
    bad = Fastly(_config("fastly", api, token_env="CF_TOKEN")).purge(URLS[:1])
    assert [(r["ok"], r["status"]) for r in bad] == [(False, 401)]


def test_cloudflare_purges_files_with_a_bearer_token(api: str) -> None:
    receipts = Cloudflare(
        _config("cloudflare", api + "/client/v4", zone_id="zone9", token_env="CF_TOKEN")
    ).purge(URLS)
    assert [(r["ok"], r["answer"]["result"]["id"]) for r in receipts] == [(True, "zone9")]
    assert Provider.seen == [("cloudflare", "/client/v4/zones/zone9/purge_cache", sorted(URLS))]
    bad = Cloudflare(
        _config("cloudflare", api + "/client/v4", zone_id="zone9", token_env="FASTLY_KEY")
    ).purge(URLS)
    assert [(r["ok"], r["status"]) for r in bad] == [(False, 403)]


def test_akamai_fast_purge_is_signed_with_edgegrid(api: str) -> None:
    cfg = _config(
        "akamai", api, client_token_env="AK_CT", client_secret_env="AK_CS", access_token_env="AK_AT"
    )
    receipts = Akamai(cfg).purge(URLS)
    assert [(r["ok"], r["status"], r["answer"]["purgeId"]) for r in receipts] == [
        (True, 201, "e535071c")
    ]
    assert Provider.seen == [("akamai", "/ccu/v3/delete/url/production", sorted(URLS))]
    wrong = _config(
        "akamai", api, client_token_env="AK_CT", client_secret_env="AK_AT", access_token_env="AK_AT"
    )
    assert [r["status"] for r in Akamai(wrong).purge(URLS)] == [401]


def test_a_purger_only_purges_the_hosts_it_fronts_and_a_missing_secret_is_a_failed_receipt(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fastly = Fastly(_config("fastly", api, token_env="FASTLY_KEY"))
    assert fastly.purge(["https://other.example/a.jpg"]) == []
    monkeypatch.delenv("FASTLY_KEY")
    [receipt] = fastly.purge(URLS[:1])
    assert not receipt["ok"] and "$FASTLY_KEY is not set" in receipt["error"]
    assert Provider.seen == []
