"""Feeds over HTTP against a real local server (127.0.0.1, a thread, stopped by the fixture).

Timeouts here are short so that the hanging-server and HTTP 500 cases finish in seconds.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import Cli

from wirefix.config import Config, ConfigError, FeedSettings, HttpSettings, load_config
from wirefix.ingest import feeds, parse_sources
from wirefix.ingest.sources import SourceError

FIXTURES = Path(__file__).parent / "fixtures" / "notices"
NEWSML = (FIXTURES / "reuters-newsml-canceled.xml").read_bytes()
NINJS = (FIXTURES / "ap-ninjs-canceled.json").read_bytes()
STOP = threading.Event()  # set when the test ends: a sleeping handler wakes and leaves


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}  # noqa: RUF012 - shared by design: the tests count requests
    seen_key: str | None = None

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, code: int, body: bytes = b"", ctype: str = "text/plain", **headers: str):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/reuters.xml":
            if self.headers.get("If-None-Match") == '"v1"':
                self._send(304)
            else:
                self._send(200, NEWSML, "application/xml", ETag='"v1"')
        elif self.path == "/ap.json":
            if self.headers.get("Authorization") != "Bearer s3cret":
                self._send(401, b"no")
            else:
                if self.headers.get("If-None-Match") == '"a1"':
                    self._send(304)
                else:
                    self._send(200, NINJS, "application/json; charset=utf-8", ETag='"a1"')
        elif self.path == "/redirect":
            port = self.server.server_address[1]
            self._send(302, b"", Location=f"http://localhost:{port}/echo")
        elif self.path == "/echo":
            Handler.seen_key = self.headers.get("X-Api-Key")
            self._send(200, NEWSML, "application/xml")
        elif self.path == "/500":
            self._send(500, b"boom")
        elif self.path == "/hang":
            STOP.wait(10)  # longer than the client's read timeout; bounded all the same
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            for _ in range(200):
                if STOP.is_set():
                    break
                self.wfile.write(b" " * 9000)
                self.wfile.flush()
                time.sleep(0.05)
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(NEWSML)))
            self.end_headers()
            self._drip(NEWSML)
        elif self.path == "/drip-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            head = f"Content-Type: application/xml\r\nContent-Length: {len(NEWSML)}\r\n"
            self._drip(head.encode() + b"X-Slow: " + b"x" * 600 + b"\r\n\r\n")
            self.wfile.write(NEWSML)
        else:
            self._send(404, b"not here")

    def _drip(self, data: bytes) -> None:
        """One byte every 0.1 s (within any read timeout), for up to a minute, then the rest."""
        for n, byte in enumerate(data):
            if STOP.is_set() or n >= 600:
                break
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.1)
        with contextlib.suppress(OSError):
            self.wfile.write(data[min(len(data), 600) :])


class Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up (what the deadline tests provoke) is no server error; its
        traceback would also land in the stderr of a command run in this process."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[str]:
    STOP.clear()
    Handler.hits = {}
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        STOP.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def quick(**feeds_auth: str) -> Config:
    return Config(
        http=HttpSettings(connect_timeout=2, read_timeout=0.5, retries=2, backoff=0.05, deadline=2),
        feeds=tuple(FeedSettings(url=u, auth_header=h) for u, h in feeds_auth.items()),
    )


def test_newsml_feed_then_conditional_get(server: str, tmp_path: Path) -> None:
    state = tmp_path / "feed-state.json"
    url = f"{server}/reuters.xml"
    [item] = feeds.fetch(url, quick(), state)
    assert item.metadata["pubstatus"] == "stat:canceled"
    assert json.loads(state.read_text())[url] == {"etag": '"v1"'}
    assert feeds.fetch(url, quick(), state) == [], "304: nothing new, and not an error"
    assert Handler.hits["/reuters.xml"] == 2


def test_auth_header_from_config(server: str, tmp_path: Path) -> None:
    url = f"{server}/ap.json"
    with pytest.raises(SourceError, match="HTTP 401"):
        feeds.fetch(url, quick(), tmp_path / "s.json")
    config = quick(**{server: "Authorization: Bearer s3cret"})
    [item] = feeds.fetch(url, config, tmp_path / "s.json")
    assert item.identifiers["transmission_ref"] == "LON101"


def test_auth_header_is_not_sent_to_another_host_on_redirect(server: str, tmp_path: Path) -> None:
    Handler.seen_key = "unset"
    config = quick(**{server: "X-Api-Key: s3cret"})
    [item] = feeds.fetch(f"{server}/redirect", config, tmp_path / "s.json")
    assert item.metadata["pubstatus"] == "stat:canceled"
    assert Handler.seen_key is None, "127.0.0.1 -> localhost is another host: no key"


def test_feed_state_waits_until_the_caller_stored_the_items(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREFIX_HOME", str(tmp_path))
    url = f"{server}/reuters.xml"
    result = parse_sources([url], config=quick(), remember_feeds=False)
    assert len(result.notices) == 1 and not feeds.state_path().exists()
    result.remember_feeds()
    assert json.loads(feeds.state_path().read_text())[url] == {"etag": '"v1"'}
    assert parse_sources([url], config=quick()).notices == []  # 304 now


def test_http_500_is_retried_then_one_line(server: str, tmp_path: Path) -> None:
    with pytest.raises(SourceError) as exc:
        feeds.fetch(f"{server}/500", quick(), tmp_path / "s.json")
    assert "kept failing after 2 retries" in str(exc.value) and "\n" not in str(exc.value)
    assert Handler.hits["/500"] == 3, "one try and two retries"


def test_hanging_server_times_out(server: str, tmp_path: Path) -> None:
    # The handler itself gives up after 10 s; a client without its timeout would then get an
    # empty answer and another error, so the message proves the timeout, without a stopwatch.
    with pytest.raises(SourceError, match=r"no answer within 0\.5s"):
        feeds.fetch(f"{server}/hang", quick(), tmp_path / "s.json")


def test_trickling_server_hits_the_deadline(server: str, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"no complete answer within 2s \(\[http\] deadline\)"):
        feeds.fetch(f"{server}/trickle", quick(), tmp_path / "s.json")


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_a_byte_a_moment_never_outlasts_the_deadline(
    server: str, tmp_path: Path, path: str
) -> None:
    """Every byte comes well within the read timeout, in the body or in the headers: only a
    deadline for the whole request ends it (issue 14). The server would drip for a minute and
    then answer in full, so a fetch without the deadline returns items instead of the error."""
    with pytest.raises(SourceError, match=r"within 2s \(\[http\] deadline\)"):
        feeds.fetch(f"{server}{path}", quick(), tmp_path / "s.json")


def test_ingest_of_a_dripping_feed_fails_with_one_line_and_goes_on(
    server: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = tmp_path / "wirefix.toml"
    config.write_text("[http]\nread_timeout = 0.5\nretries = 0\ndeadline = 2\n", encoding="utf-8")
    cli = Cli(sqlite_url, tmp_path / "home")
    proc = cli("ingest", "--config", str(config), f"{server}/drip",
               str(FIXTURES / "afp-kill-en.txt"), check=1)  # fmt: skip
    [line] = proc.stderr.strip().splitlines()
    assert "/drip" in line and "deadline" in line
    assert "notice 1 stored" in proc.stdout, "the other source is still stored"


def test_connection_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="could not connect"):
        feeds.fetch("http://127.0.0.1:9/feed", quick(), tmp_path / "s.json")


def test_a_failing_feed_does_not_stop_the_batch(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREFIX_HOME", str(tmp_path))
    result = parse_sources(
        [f"{server}/500", f"{server}/reuters.xml", str(FIXTURES / "afp-kill-en.txt")],
        config=quick(),
    )
    assert len(result.errors) == 1 and "/500" in result.errors[0]
    assert {n.agency for n in result.notices} == {"Reuters", "AFP"}


def test_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wirefix.toml"
    path.write_text(
        '[http]\nread_timeout = 3\nretries = 1\n\n[[feeds]]\nurl = "https://a.example/"\n'
        'auth_header_env = "FEED_TOKEN"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="FEED_TOKEN is not set"):
        load_config(str(path))
    monkeypatch.setenv("FEED_TOKEN", "Authorization: Bearer t")
    config = load_config(str(path))
    assert config.http.read_timeout == 3 and config.http.retries == 1
    assert config.feed("https://a.example/pics").header() == {"Authorization": "Bearer t"}
    assert config.feed("https://b.example/").header() == {}
    assert config.feed("https://a.example.attacker.net/").header() == {}, "not a host prefix"
    assert config.feed("http://a.example/pics").header() == {}, "not over plain http"
    with path.open("a", encoding="utf-8") as fh:  # a table wirefix does not know is a typo
        fh.write("\n[future]\nignored = true\n")
    with pytest.raises(ConfigError, match="unknown setting 'future'"):
        load_config(str(path))
    path.write_text("[[feeds]]\nurl = 3\nauth_header = 'no colon'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Name: value"):
        load_config(str(path))
    path.write_text("not toml = = =", encoding="utf-8")
    with pytest.raises(ConfigError, match=str(path)):
        load_config(str(path))


def test_cli_reads_a_feed_with_config(server: str, cli, tmp_path: Path) -> None:
    config = tmp_path / "wirefix.toml"
    config.write_text(
        f'[http]\nread_timeout = 2\n\n[[feeds]]\nurl = "{server}/ap.json"\n'
        'auth_header = "Authorization: Bearer s3cret"\n',
        encoding="utf-8",
    )
    looked = cli.json("parse", "--config", str(config), f"{server}/ap.json")
    assert [(n["agency"], n["kind"]) for n in looked] == [("AP", "kill")]
    stored = cli.json("ingest", "--config", str(config), f"{server}/ap.json")
    assert [(n["agency"], n["kind"], n["new"]) for n in stored] == [("AP", "kill", True)]
    assert Handler.hits["/ap.json"] == 2
    again = cli.json("ingest", "--config", str(config), f"{server}/ap.json")
    assert again == [], "after ingest stored it, the ETag makes the next fetch a 304"
    bad = cli("ingest", "--config", str(tmp_path / "missing.toml"), f"{server}/ap.json", check=2)
    assert "configuration file not found" in bad.stderr
