"""Published pages as a notice carrier (issue 13): files and URLs, read with an HTML parser.

The page is a copy to be fixed later, so its address, title, own date and images stay with the
notice; the event date is always the caption's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import seed
from conftest import Cli

from wirefix.ingest import parse_sources
from wirefix.ingest.sources import read_bytes
from wirefix.model import Notice

NOTICE = (
    "CORRECTION - Firefighters work at the site of a fire in the port city of Marseille on "
    "August 3, 2023. / AFP / NICOLAS TUCAT / The erroneous mention[s] appearing in the metadata "
    "of this photo has been modified in AFP systems in the following manner: [NICOLAS TUCAT] "
    "instead of [CLEMENT MAHOUDEAU]. Please immediately remove the erroneous mention[s] from all "
    "your online services and delete it (them) from your servers."
)


def page(body: str, head: str = "") -> bytes:
    return (
        f"<!doctype html><html><head><title>Fire in Marseille</title>{head}</head>"
        f"<body><article>{body}</article></body></html>"
    ).encode()


def read(data: bytes, source: str = "page.html") -> list[Notice]:
    from wirefix.ingest import parse_text

    return [parse_text(item) for item in read_bytes(data, source, ".html")]


def test_a_notice_in_an_alt_text_is_found_there() -> None:
    [notice] = read(page(f'<img src="https://cdn.example/p/1.jpg" alt="{NOTICE}">'))
    assert (notice.agency, notice.status, notice.corrections[0].corrected) == (
        "AFP", "parsed", "NICOLAS TUCAT",
    )  # fmt: skip
    assert notice.page is not None and notice.page.found_in == "alt"
    assert notice.page.image_urls == ["https://cdn.example/p/1.jpg"]


def test_a_notice_in_the_body_is_found_when_no_caption_carries_it() -> None:
    [notice] = read(page(f"<p>Our story.</p><p>{NOTICE}</p><p>More of it.</p>"))
    assert notice.page is not None and notice.page.found_in == "body"
    assert notice.corrections[0].erroneous == "CLEMENT MAHOUDEAU"
    assert notice.event.date == "2023-08-03"


def test_the_event_date_is_the_captions_never_the_pages() -> None:
    undated = NOTICE.replace(" on August 3, 2023", "")
    head = '<meta property="article:published_time" content="2023-08-05T09:00:00+02:00">'
    [notice] = read(page(f"<figure><img src='a.jpg'><figcaption>{undated}</figcaption></figure>",
                         head))  # fmt: skip
    assert notice.page is not None and notice.page.published_at == "2023-08-05T09:00:00+02:00"
    assert notice.event.date is None, "the page's own date is not the photo's"


def test_json_ld_gives_the_page_date_and_markup_never_leaks_into_the_words() -> None:
    head = (
        '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
        '"datePublished": "2023-08-04T08:00:00Z"}]}</script><style>p {color: red}</style>'
    )
    body = f"<figure><figcaption><b>{NOTICE[:40]}</b>{NOTICE[40:]}</figcaption></figure>"
    [notice] = read(page(body, head))
    assert notice.page is not None and notice.page.published_at == "2023-08-04T08:00:00Z"
    assert "<" not in notice.text and "color" not in notice.text


def test_a_page_without_a_notice_is_kept_not_dropped() -> None:
    [notice] = read(page("<p>A quiet day in Marseille.</p>"))
    assert notice.status == "unparsed"
    assert notice.page is not None and notice.page.found_in == "page"


def test_a_page_in_a_legacy_charset_is_decoded() -> None:
    body = b"<p>Photo: Agence France-Presse</p>"
    data = (
        b'<html><head><meta charset="windows-1252"></head><body><figure><figcaption>'
        + NOTICE.replace("Marseille", "Saint-\xc9tienne").encode("cp1252", errors="replace")
        + b"</figcaption></figure>"
        + body
        + b"</body></html>"
    )
    [notice] = read(data)
    assert "Saint-Étienne" in (notice.caption or "")


class _Site(BaseHTTPRequestHandler):
    body = b""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/military/iraq-airstrikes" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(_Site.body)))
        self.end_headers()
        self.wfile.write(_Site.body)


@pytest.fixture
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_the_seed_page_is_read_from_its_url(site: str, tmp_path: Path, monkeypatch) -> None:
    url = f"{site}/military/iraq-airstrikes"
    _Site.body = seed.page_html(url=url).encode("utf-8")
    monkeypatch.setenv("WIREFIX_HOME", str(tmp_path))
    [notice] = parse_sources([url]).notices
    assert (notice.agency, notice.distributors, notice.event.date) == (
        "AFP", ["Getty Images"], "2017-02-20",
    )  # fmt: skip
    assert notice.page is not None
    assert notice.page.url == url
    # Relative image addresses are resolved against the page's own.
    assert notice.page.image_urls == [f"{site}/photos/AFP_NG3LP.jpg"]
    assert f"{site}/photos/AFP_NG3LP-640.jpg" in notice.page.page_image_urls


def test_ingest_stores_the_page_with_the_notice(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "article.html"
    path.write_text(seed.page_html(), encoding="utf-8")
    [stored] = cli.json("ingest", str(path))
    assert stored["page"]["title"] == "Iraq conducts first airstrikes against ISIS in Syria"
    assert stored["page"]["published_at"] == "2017-02-24T10:10:00"
    assert stored["event"]["date"] == "2017-02-20"
    assert stored["distributors"] == ["Getty Images"]
