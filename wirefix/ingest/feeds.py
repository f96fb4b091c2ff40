"""Feed items over HTTP: NewsML-G2 or ninjs documents fetched with requests.

Agencies' feed endpoints are polled, so every fetch is bounded (connect and read timeouts, a
deadline for the whole body, a size cap), retried with backoff on the errors that pass (timeouts,
429 and 5xx), and conditional: the ETag / Last-Modified of the last good answer is kept in
`feed-state.json` in the data folder, and a 304 means "nothing new", not an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import requests
import urllib3
from filelock import FileLock
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from wirefix.config import Config, data_dir
from wirefix.ingest.recognisers import NoticeText
from wirefix.ingest.sources import MAX_NOTICE_BYTES, SourceError, read_bytes

USER_AGENT = "wirefix (wire-photo corrections; feed reader)"


def state_path() -> Path:
    return data_dir() / "feed-state.json"


def _load_state(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # no state, or a damaged one: the next fetch is simply unconditional


def _save_state(path: Path, url: str, validators: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=30):
        state = _load_state(path)
        state[url] = validators
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


class _Session(requests.Session):
    """requests drops only `Authorization` when a redirect leaves the host; a feed's auth header
    may have any name (X-Api-Key, ...), so it is dropped the same way."""

    secret_headers: tuple[str, ...] = ()

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for name in self.secret_headers:
                prepared_request.headers.pop(name, None)


class _Sockets:
    """The sockets one fetch opened, so that its deadline can cut them off wherever it waits.

    requests' timeouts bound each socket operation, not the request: a server that sends one
    byte a second, in its headers or its body, keeps every read within its timeout forever.
    Shutting the sockets down from a timer makes the blocked read return at the deadline,
    whichever phase (connect, headers, body, a retry) the fetch is in.
    """

    def __init__(self) -> None:
        self.open: list[socket.socket] = []
        self.expired = threading.Event()
        self._lock = threading.Lock()

    def track(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self.open.append(sock)
            expired = self.expired.is_set()
        if expired:
            _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired.set()
            socks = list(self.open)
        for sock in socks:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _tracking_adapter(retry: Retry, sockets: _Sockets) -> HTTPAdapter:
    """An adapter whose connections hand their sockets to `sockets` as they connect."""

    class _Conn(urllib3.connection.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            sockets.track(self.sock)

    class _TLSConn(urllib3.connection.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            sockets.track(self.sock)

    class _Pool(urllib3.HTTPConnectionPool):
        ConnectionCls = _Conn

    class _TLSPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = _TLSConn

    adapter = HTTPAdapter(max_retries=retry)
    adapter.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}
    return adapter


def session(
    config: Config, secret_headers: tuple[str, ...] = (), sockets: _Sockets | None = None
) -> requests.Session:
    http = config.http
    retry = Retry(
        total=http.retries,
        connect=http.retries,
        read=http.retries,
        status=http.retries,
        backoff_factor=http.backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        # A hostile or broken server must not be able to make us sleep for an hour.
        respect_retry_after_header=False,
        raise_on_status=True,
    )
    s = _Session()
    s.secret_headers = secret_headers
    for scheme in ("http://", "https://"):
        s.mount(
            scheme, _tracking_adapter(retry, sockets) if sockets else HTTPAdapter(max_retries=retry)
        )
    s.headers["User-Agent"] = USER_AGENT
    return s


@dataclass
class Fetched:
    """A feed's items, and the validators to remember once they are safely stored."""

    url: str
    items: list[NoticeText]
    validators: dict[str, str] = field(default_factory=dict)
    state: Path | None = None

    def remember(self) -> None:
        """Keep the ETag / Last-Modified, so the next fetch is conditional. Call it only after
        the items are stored: a 304 next time must not hide items that were never stored."""
        if self.validators and self.state:
            _save_state(self.state, self.url, self.validators)


def fetch(url: str, config: Config, state: Path | None = None) -> list[NoticeText]:
    """The items of one feed URL, remembering its validators at once; see `fetch_pending`."""
    fetched = fetch_pending(url, config, state)
    fetched.remember()
    return fetched.items


def fetch_pending(url: str, config: Config, state: Path | None = None) -> Fetched:
    """The items of one feed URL ([] when the server says nothing changed: 304), with the
    validators not yet remembered.

    Raises `SourceError` with one line naming the URL and what went wrong.
    """
    state = state or state_path()
    known = _load_state(state).get(url, {})
    secret = config.feed(url).header()
    headers = dict(secret)
    if known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known.get("last_modified"):
        headers["If-Modified-Since"] = known["last_modified"]
    http = config.http
    sockets = _Sockets()
    # The whole request, retries included, ends at the deadline however the server dawdles.
    timer = threading.Timer(http.deadline, sockets.expire)
    timer.daemon = True
    timer.start()
    try:
        with (
            session(config, tuple(secret), sockets) as s,
            s.get(
                url, headers=headers, timeout=(http.connect_timeout, http.read_timeout), stream=True
            ) as resp,
        ):
            if resp.status_code == 304:
                return Fetched(url, [])
            if resp.status_code >= 400:
                raise SourceError(f"{url}: server answered HTTP {resp.status_code} {resp.reason}")
            body = bytearray()
            for chunk in resp.iter_content(chunk_size=8192):
                body += chunk
                if len(body) > MAX_NOTICE_BYTES:
                    raise SourceError(f"{url}: feed document larger than {MAX_NOTICE_BYTES} bytes")
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().casefold()
            validators = {
                k: v
                for k, v in (
                    ("etag", resp.headers.get("ETag")),
                    ("last_modified", resp.headers.get("Last-Modified")),
                )
                if v
            }
    except requests.exceptions.RequestException as exc:
        if sockets.expired.is_set():
            raise SourceError(_too_slow(url, http.deadline)) from exc
        raise _failure(url, exc, http.retries, http.read_timeout) from exc
    finally:
        timer.cancel()
    if sockets.expired.is_set():  # the last bytes came as the deadline cut the socket
        raise SourceError(_too_slow(url, http.deadline))
    suffix = (
        ".html" if "html" in ctype else ".json" if "json" in ctype else ".xml" if "xml" in ctype
        else ""
    )  # fmt: skip
    return Fetched(url, read_bytes(bytes(body), url, suffix), validators, state)


def _too_slow(url: str, deadline: float) -> str:
    return f"{url}: no complete answer within {deadline:g}s ([http] deadline); gave up"


def _failure(url: str, exc: Exception, retries: int, read_timeout: float) -> SourceError:
    """One line for what requests raised."""
    if isinstance(exc, requests.exceptions.RetryError):
        return SourceError(f"{url}: server kept failing after {retries} retries ({_cause(exc)})")
    if isinstance(exc, requests.exceptions.Timeout):
        return SourceError(f"{url}: no answer within {read_timeout:g}s (after retries)")
    if isinstance(exc, requests.exceptions.ConnectionError):
        # Once retries are spent, requests reports a read timeout as a connection error.
        if "Read timed out" in str(exc):
            return SourceError(
                f"{url}: no answer within {read_timeout:g}s (after {retries} retries)"
            )
        return SourceError(f"{url}: could not connect ({_cause(exc)})")
    return SourceError(f"{url}: {type(exc).__name__}: {_cause(exc)}")


def _cause(exc: BaseException) -> str:
    """The innermost reason, short: requests wraps urllib3 errors in several layers."""
    text = str(exc)
    for marker in ("Caused by ", "(Caused by "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text.strip("()")[:160]
