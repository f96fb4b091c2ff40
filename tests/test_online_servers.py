"""The test servers themselves: Debian's WordPress answers REST with an application password,
makes sub-sizes, and Varnish in front caches pages and files and obeys PURGE and BAN."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import storegen

pytestmark = pytest.mark.online


def test_wordpress_and_varnish_are_real(wordpress, tmp_path: Path) -> None:
    photo = storegen.news_photo(tmp_path / "p.jpg", size=(1200, 800), byline="ERIC FEFERBERG",
                                caption="A caption / AFP / ERIC FEFERBERG")  # fmt: skip
    media = wordpress.upload(photo)
    assert media["caption"]["raw"] == "A caption / AFP / ERIC FEFERBERG"  # WordPress read IPTC
    sizes = media["media_details"]["sizes"]
    assert {"thumbnail", "medium", "large", "full"} <= set(sizes)
    url = media["source_url"]
    assert url.startswith(wordpress.public)
    first, second = requests.get(url, timeout=30), requests.get(url, timeout=30)
    assert first.content == photo.read_bytes()
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert requests.request("PURGE", url, timeout=30).status_code == 200
    assert requests.get(url, timeout=30).headers["X-Cache"] == "MISS"
    ban = requests.request("BAN", wordpress.public + "/", headers={"X-Ban-Url": r"\.jpg$"},
                           timeout=30)  # fmt: skip
    assert ban.status_code == 200
    assert requests.get(url, timeout=30).headers["X-Cache"] == "MISS"
    # Application passwords are refused without them: the REST API is really authenticated.
    anon = requests.get(wordpress.origin + "/", params={"rest_route": "/wp/v2/users/me"},
                        timeout=30)  # fmt: skip
    assert anon.status_code == 401
