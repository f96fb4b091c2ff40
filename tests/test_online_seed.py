"""The seed's scenario on a real WordPress behind a real Varnish (issue 16).

The seed article is a post with the Daraa photo uploaded and captioned with AFP's boilerplate; a
second post uses the 640-px web copy; an unrelated post shows another ERIC FEFERBERG photo. After
`wirefix apply`, both Daraa posts and both media items read MOHAMAD ABAZEED without the
boilerplate, the files served carry no ERIC FEFERBERG, Varnish purged every URL, the unrelated
post and media are byte-identical, and the report names every online copy with its proof.
"""

from __future__ import annotations

import html
import json
import subprocess
from pathlib import Path

import pytest
import requests
import seed
import storegen
from conftest import Cli
from test_seed import PHOTO, WEB_COPY, WRONG_CAPTION, build_store

pytestmark = pytest.mark.online
CANNES = "afp/2017/05/20/FRANCE-FILM-FESTIVAL-CANNES.jpg"


def _store(root: Path, ref: str | None = None) -> Path:
    """test_seed's store, with real pictures: the Daraa photo and its web copy one picture, the
    Cannes photo another (the generated store's files are all one flat colour)."""
    build_store(root)
    daraa = dict(
        byline="ERIC FEFERBERG",
        credit="AFP",
        source="AFP",
        caption=WRONG_CAPTION,
        date="2017-02-20",
        city="Daraa",
        country="Syria",
        copyright="AFP",
        object_name="SYRIA-CONFLICT",
        picture=1,
        ref=ref,
    )
    storegen.news_photo(root / PHOTO, size=(1200, 800), **daraa)  # type: ignore[arg-type]
    storegen.news_photo(root / WEB_COPY, size=(640, 427), **daraa)  # type: ignore[arg-type]
    storegen.news_photo(
        root / CANNES,
        size=(1200, 800),
        byline="ERIC FEFERBERG",
        credit="AFP",
        date="2017-05-20",
        city="Cannes",
        picture=2,
        caption="Actors arrive at the Cannes Film Festival on May 20, 2017. / AFP / ERIC FEFERBERG",
    )
    return root


def _figure(media: dict, caption: str, size: str = "large") -> str:
    url = media["media_details"]["sizes"].get(size, {}).get("source_url", media["source_url"])
    return (
        f'<!-- wp:image {{"id":{media["id"]},"sizeSlug":"{size}"}} -->\n'
        f'<figure class="wp-block-image size-{size}"><img src="{url}" alt="{html.escape(caption)}"'
        f' class="wp-image-{media["id"]}"/><figcaption>{html.escape(caption)}</figcaption>'
        "</figure>\n<!-- /wp:image -->"
    )


def _site(wordpress, store: Path) -> dict:
    notice = seed.caption()
    daraa = wordpress.upload(store / PHOTO, "AFP_NG3LP.jpg", caption=notice, alt_text=notice)
    web = wordpress.upload(store / WEB_COPY)
    cannes = wordpress.upload(store / CANNES)
    story = [p for p in seed.paragraphs() if p.startswith(("For the first", "A spokesman"))]
    body = _figure(daraa, notice) + "".join(f"<p>{html.escape(p)}</p>" for p in story)
    article = wordpress.post(seed.paragraphs()[2], body, featured_media=daraa["id"])
    second = wordpress.post("Daraa: the day in pictures", _figure(web, WRONG_CAPTION, "full"))
    other_caption = cannes["caption"]["raw"]
    unrelated = wordpress.post(
        "Cannes opens", _figure(cannes, other_caption, "medium"), featured_media=cannes["id"]
    )
    return {
        "daraa": daraa,
        "web": web,
        "cannes": cannes,
        "article": article,
        "second": second,
        "unrelated": unrelated,
    }


def _config(tmp_path: Path, wordpress, store: Path, cli: Cli) -> Path:
    public = wordpress.public.split("://", 1)[1]
    config = tmp_path / "wirefix.toml"
    config.write_text(
        f'[store.roots]\nphotos = "{store}"\n'
        f'[[sites]]\nname = "news"\nkind = "wordpress"\nurl = "{wordpress.origin}"\n'
        f'user = "{wordpress.user}"\npassword_env = "WIREFIX_TEST_WP_PASSWORD"\n'
        f'[[purgers]]\nname = "varnish"\nkind = "varnish"\nhosts = ["{public}"]\n',
        encoding="utf-8",
    )
    cli.env["WIREFIX_CONFIG"] = str(config)
    cli.env["WIREFIX_TEST_WP_PASSWORD"] = wordpress.password
    return config


def _snapshot(wordpress, kind: str, item_id: int) -> str:
    item = wordpress.rest("GET", f"/wp/v2/{kind}/{item_id}", params={"context": "edit"}).json()
    item.pop("modified", None), item.pop("modified_gmt", None)
    return json.dumps(item, sort_keys=True)


def _exif_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "served.jpg"
    path.write_bytes(data)
    out = subprocess.run(["exiftool", "-j", "-a", "-G1", str(path)], capture_output=True)
    return out.stdout.decode("utf-8")


def _warm(urls: list[str]) -> None:
    """Readers have fetched every URL: Varnish holds them all."""
    for url in urls:
        requests.get(url, timeout=30)
        assert requests.get(url, timeout=30).headers.get("X-Cache") == "HIT", url


def _urls(media: dict) -> list[str]:
    return sorted({s["source_url"] for s in media["media_details"]["sizes"].values()})


def test_the_seed_online_copies_are_corrected_purged_and_proven(
    wordpress, cli: Cli, tmp_path: Path
) -> None:
    store = _store(tmp_path / "store")
    site = _site(wordpress, store)
    _config(tmp_path, wordpress, store, cli)
    old_urls = _urls(site["daraa"]) + _urls(site["web"])
    pages = [site["article"]["link"], site["second"]["link"]]
    _warm(old_urls + pages + _urls(site["cannes"]) + [site["unrelated"]["link"]])
    untouched = {
        ("media", site["cannes"]["id"]): _snapshot(wordpress, "media", site["cannes"]["id"]),
        ("posts", site["unrelated"]["id"]): _snapshot(wordpress, "posts", site["unrelated"]["id"]),
    }
    cannes_bytes = {u: requests.get(u, timeout=30).content for u in _urls(site["cannes"])}
    notice_file = tmp_path / "notice.txt"
    notice_file.write_text(seed.caption() + "\n", encoding="utf-8")
    [stored] = cli.json("ingest", str(notice_file))
    cli("scan", str(store))

    planned = cli.json("apply", str(stored["id"]), "--dry-run")["online"]["copies"]
    assert {(c["kind"], c["object_id"]) for c in planned} == {
        ("media", site["daraa"]["id"]),
        ("media", site["web"]["id"]),
        ("posts", site["article"]["id"]),
        ("posts", site["second"]["id"]),
    }, planned
    assert all(c["status"] == "planned" for c in planned)
    assert requests.get(old_urls[0], timeout=30).status_code == 200, "a dry run changes nothing"

    applied = cli.json("apply", str(stored["id"]), "--yes")
    copies = applied["online"]["copies"]
    assert applied["online"]["open"] == [], copies
    assert {c["status"] for c in copies} == {"done"}, copies

    # Both Daraa posts: MOHAMAD ABAZEED, no boilerplate, relinked to the corrected items.
    for key in ("article", "second"):
        post = wordpress.rest(
            "GET", f"/wp/v2/posts/{site[key]['id']}", params={"context": "edit"}
        ).json()
        raw = post["content"]["raw"]
        assert "MOHAMAD ABAZEED" in raw and "FEFERBERG" not in raw, raw
        assert "erroneous mention" not in raw.lower()
        assert not any(u in raw for u in old_urls)
        served = requests.get(post["link"], timeout=30)
        assert "FEFERBERG" not in served.text and "erroneous mention" not in served.text
    article = wordpress.rest("GET", f"/wp/v2/posts/{site['article']['id']}").json()
    assert article["featured_media"] not in (0, site["daraa"]["id"])

    # Both media items: re-created from the store's corrected files, the old ones gone (404).
    replaced = {c["object_id"]: c["replaced_by"] for c in copies if c["kind"] == "media"}
    for old in (site["daraa"], site["web"]):
        new = wordpress.rest(
            "GET", f"/wp/v2/media/{replaced[old['id']]}", params={"context": "edit"}
        ).json()
        words = " ".join(
            [new["caption"]["raw"], new["alt_text"], new["title"]["raw"], new["description"]["raw"]]
        )
        assert "MOHAMAD ABAZEED" in words and "FEFERBERG" not in words, words
        assert "erroneous mention" not in words.lower()
        for url in _urls(new):
            data = requests.get(url, timeout=30).content
            assert b"FEFERBERG" not in data
            assert "FEFERBERG" not in _exif_text(data, tmp_path), url
        assert "MOHAMAD ABAZEED" in _exif_text(requests.get(new["source_url"]).content, tmp_path)
        assert (
            requests.get(
                wordpress.origin + "/",
                params={"rest_route": f"/wp/v2/media/{old['id']}"},
                auth=wordpress.auth,
                timeout=30,
            ).status_code
            == 404
        )
    for url in old_urls:  # through Varnish: purged, so readers get the origin's 404
        assert requests.get(url, timeout=30).status_code == 404, url

    # Varnish was asked to purge every URL, and said yes.
    purged = {r["urls"][0] for c in copies for r in c["purges"]}
    assert set(old_urls + pages) <= purged
    assert all(r["ok"] and r["status"] == 200 for c in copies for r in c["purges"])

    # The unrelated post and photo: byte-identical.
    for (kind, item_id), before in untouched.items():
        assert _snapshot(wordpress, kind, item_id) == before
    for url, data in cannes_bytes.items():
        assert requests.get(url, timeout=30).content == data

    report = cli.json("report", "--notice", str(stored["id"]))
    [entry] = report["notices"]
    online = entry["online"]
    assert {(c["kind"], c["object_id"]) for c in online} == {
        (c["kind"], c["object_id"]) for c in copies
    }
    assert all(c["url"] and c["state"] == "done" and c["verified_at"] for c in online)
    assert all(c["verification"] and all(v["ok"] for v in c["verification"]) for c in online)
    page = cli("report", "--notice", str(stored["id"]), "--format", "html").stdout
    assert page.count("class='online-copy state-done'") == 4
    cli("audit", "verify")

    # Again: nothing left to do online.
    again = cli.json("apply", str(stored["id"]), "--yes")["online"]["copies"]
    assert {c["status"] for c in again} <= {"already-correct"}, again


KILL_TEXT = (
    "MANDATORY KILL - " + WRONG_CAPTION + ". This photo 000_NG3LP has been withdrawn from AFP "
    "systems. "
    "Please immediately remove it from all your online services and delete it from your "
    "servers.\n"
)


def test_a_kill_takes_every_online_copy_out_and_purges_it(
    wordpress, cli: Cli, tmp_path: Path
) -> None:
    store = _store(tmp_path / "store", ref="000_NG3LP")
    site = _site(wordpress, store)
    _config(tmp_path, wordpress, store, cli)
    old_urls = _urls(site["daraa"]) + _urls(site["web"])
    pages = [site["article"]["link"], site["second"]["link"]]
    _warm(old_urls + pages)
    unrelated = _snapshot(wordpress, "posts", site["unrelated"]["id"])
    notice_file = tmp_path / "kill.txt"
    notice_file.write_text(KILL_TEXT, encoding="utf-8")
    [stored] = cli.json("ingest", str(notice_file))
    assert stored["kind"] == "kill"
    cli("scan", str(store))
    applied = cli.json("apply", str(stored["id"]), "--yes")
    copies = applied["online"]["copies"]
    assert applied["online"]["open"] == [], copies
    assert {(c["kind"], c["object_id"], c["action"]) for c in copies} == {
        ("media", site["daraa"]["id"], "kill"),
        ("media", site["web"]["id"], "kill"),
        ("posts", site["article"]["id"], "unlink"),
        ("posts", site["second"]["id"], "unlink"),
    }
    for url in old_urls:  # deleted with every sub-size, and purged: 404 through Varnish
        assert requests.get(url, timeout=30).status_code == 404, url
    for key in ("article", "second"):
        post = wordpress.rest(
            "GET", f"/wp/v2/posts/{site[key]['id']}", params={"context": "edit"}
        ).json()
        assert not any(u in post["content"]["raw"] for u in old_urls)
        assert f"wp-image-{site['daraa']['id']}" not in post["content"]["raw"]
        assert post["featured_media"] == 0
        served = requests.get(post["link"], timeout=30).text
        assert not any(u in served for u in old_urls)
    assert _snapshot(wordpress, "posts", site["unrelated"]["id"]) == unrelated
    purged = {u for c in copies for r in c["purges"] if r["ok"] for u in r["urls"]}
    assert set(old_urls + pages) <= purged
    entries = [json.loads(line) for line in cli("audit", "export").stdout.splitlines()]
    online = [
        json.loads(e["payload"]) for e in entries if e["columns"]["action"].startswith("online-")
    ]
    assert sorted(e["action"] for e in online) == ["online-kill"] * 2 + ["online-unlink"] * 2
    assert all(e["verification"] and e["outcome"] == "ok" for e in online)


def test_a_site_that_is_down_keeps_its_copies_open(cli: Cli, tmp_path: Path) -> None:
    """No server at the site's address: nothing is reported done, the site is listed open."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = _store(tmp_path / "store")
    config = tmp_path / "wirefix.toml"
    config.write_text(
        f'[store.roots]\nphotos = "{store}"\n[[sites]]\nname = "news"\nkind = "wordpress"\n'
        f'url = "http://127.0.0.1:{port}"\nuser = "u"\npassword_env = "WIREFIX_TEST_WP_PASSWORD"\n'
        "timeout = 2\n",
        encoding="utf-8",
    )
    cli.env.update(WIREFIX_CONFIG=str(config), WIREFIX_TEST_WP_PASSWORD="x")
    notice_file = tmp_path / "notice.txt"
    notice_file.write_text(seed.caption() + "\n", encoding="utf-8")
    [stored] = cli.json("ingest", str(notice_file))
    cli("scan", str(store))
    proc = cli("apply", str(stored["id"]), "--yes", "--json", check=1)
    assert "online copy open: news site 0" in proc.stderr
    assert [c["status"] for c in json.loads(proc.stdout)["online"]["copies"]] == ["open"]
    [entry] = cli.json("report", "--notice", str(stored["id"]))["notices"]
    assert [(c["kind"], c["state"]) for c in entry["online"]] == [("site", "open")]
    status = cli.json("status")
    assert [(c["site"], c["kind"]) for c in status["online_open"]] == [("news", "site")]
    assert "wp-admin" not in proc.stderr


def test_run_fixes_the_store_then_every_online_copy(wordpress, cli: Cli, tmp_path: Path) -> None:
    """The scheduled job with the seed page in its inbox: store first, then the site."""
    store = _store(tmp_path / "store")
    site = _site(wordpress, store)
    config = _config(tmp_path, wordpress, store, cli)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "page.html").write_text(seed.page_html(), encoding="utf-8")
    with config.open("a", encoding="utf-8") as f:
        f.write(f'[inbox]\nfolders = ["{inbox}"]\n')
    summary = cli.json("run")
    assert (summary["files_changed"], summary["online_done"], summary["online_open"]) == (2, 4, [])
    assert summary["exit_code"] == 0
    post = wordpress.rest("GET", f"/wp/v2/posts/{site['article']['id']}").json()
    assert "FEFERBERG" not in post["content"]["rendered"]
    again = cli.json("run")
    assert (again["files_changed"], again["online_done"]) == (0, 0)
    off = cli.json("run", "--no-online")
    assert off["online_open"] == []
