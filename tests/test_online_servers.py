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


def test_wirefix_varnish_purger_purges_and_bans_on_the_real_varnish(
    wordpress, tmp_path: Path
) -> None:
    from wirefix.online.config import PurgerConfig
    from wirefix.online.purge import Varnish

    photo = storegen.news_photo(tmp_path / "v.jpg", size=(1200, 800), picture=3)
    urls = sorted(
        {s["source_url"] for s in wordpress.upload(photo)["media_details"]["sizes"].values()}
    )
    host = wordpress.public.split("://", 1)[1]
    for ban in (False, True):
        for u in urls:
            requests.get(u, timeout=30)
            assert requests.get(u, timeout=30).headers["X-Cache"] == "HIT"
        config = PurgerConfig(name="edge", kind="varnish", hosts=(host,), ban=ban)
        receipts = Varnish(config).purge(urls)
        assert all(r["ok"] and r["status"] == 200 for r in receipts), receipts
        assert len(receipts) == (1 if ban else len(urls))
        assert {requests.get(u, timeout=30).headers["X-Cache"] for u in urls} == {"MISS"}
    other = PurgerConfig(name="edge", kind="varnish", hosts=("elsewhere.example",))
    assert Varnish(other).purge(urls) == []
