"""WordPress over its REST API (`/wp/v2`), authenticated with an application password.

Requests go to `?rest_route=` (works with and without pretty permalinks), with timeouts and
retries with backoff on connection errors and 429/502/503/504 (urllib3 `Retry`), and listings
page through `X-WP-TotalPages`.
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from wirefix.online.base import Listing, Media, Post, PostType, SiteError
from wirefix.online.config import SiteConfig

PER_PAGE = 100


def session(retries: int = 3, backoff: float = 0.5) -> requests.Session:
    """A session that retries what a busy server or a blip causes, with exponential backoff."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=None,
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    s = requests.Session()
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.headers["User-Agent"] = "wirefix (online copies)"
    return s


def _raw(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("raw", value.get("rendered", "")) or "")
    return str(value or "")


class WordPress:
    """One WordPress site (`kind = "wordpress"`)."""

    def __init__(self, config: SiteConfig, http: requests.Session | None = None) -> None:
        self.name = config.name
        self.config = config
        self.base = config.url.rstrip("/") + "/"
        self.http = http or session()
        password = config.password
        if not password:
            raise SiteError(f"site {config.name}: ${config.password_env} is not set")
        self.http.auth = (config.user, password)

    # -- REST -------------------------------------------------------------------------------

    def _call(
        self, method: str, route: str, params: dict[str, Any] | None = None, **kw: Any
    ) -> requests.Response:
        query = {**(params or {}), "rest_route": route}
        try:
            r = self.http.request(
                method, self.base, params=query, timeout=self.config.timeout, **kw
            )
        except requests.RequestException as exc:
            raise SiteError(f"site {self.name}: {method} {route}: {exc}") from exc
        if r.status_code >= 400:
            try:
                why = r.json().get("message", "")
            except ValueError:
                why = r.text[:120]
            raise SiteError(f"site {self.name}: {method} {route}: HTTP {r.status_code} {why}")
        return r

    def _pages(self, route: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            r = self._call("GET", route, {**params, "per_page": PER_PAGE, "page": page})
            out += r.json()
            if page >= int(r.headers.get("X-WP-TotalPages", "1") or 1):
                return out
            page += 1

    # -- reading ----------------------------------------------------------------------------

    @staticmethod
    def _media(item: dict[str, Any]) -> Media:
        details = item.get("media_details") or {}
        sizes = {
            name: s["source_url"]
            for name, s in (details.get("sizes") or {}).items()
            if s.get("source_url")
        }
        sizes.setdefault("full", item["source_url"])
        return Media(
            id=int(item["id"]),
            url=item["source_url"],
            sizes=sizes,
            file_name=str(details.get("file") or item["source_url"]).rsplit("/", 1)[-1],
            width=details.get("width"),
            height=details.get("height"),
            title=_raw(item.get("title")),
            caption=_raw(item.get("caption")),
            alt_text=str(item.get("alt_text") or ""),
            description=_raw(item.get("description")),
            page=item.get("link"),
            parent=item.get("post"),
        )

    @staticmethod
    def _post(item: dict[str, Any], kind: PostType) -> Post:
        return Post(
            id=int(item["id"]),
            type=kind,
            url=item.get("link", ""),
            title=_raw(item.get("title")),
            content=_raw(item.get("content")),
            featured_media=int(item.get("featured_media") or 0),
            excerpt=_raw(item.get("excerpt")),
        )

    def list(self, search: list[str], since: str | None) -> Listing:
        """Media, posts and pages whose words match any of `search` (WordPress searches media
        titles, captions, descriptions and file names, and post bodies), and every one
        modified since `since` (alt texts, featured images and pixels are not searchable)."""
        media: dict[int, Media] = {}
        posts: dict[tuple[str, int], Post] = {}
        edit = {"context": "edit"}
        queries = [{"search": s} for s in search if s.strip()]
        queries.append({"modified_after": f"{since}T00:00:00"} if since else {})
        for q in queries:
            for item in self._pages("/wp/v2/media", {**edit, **q}):
                media[int(item["id"])] = self._media(item)
            kinds: tuple[PostType, ...] = ("posts", "pages")
            for kind in kinds:
                for item in self._pages(f"/wp/v2/{kind}", {**edit, "status": "any", **q}):
                    posts[(kind, int(item["id"]))] = self._post(item, kind)
        return Listing(media=list(media.values()), posts=list(posts.values()))

    def get_media(self, media_id: int) -> Media | None:
        try:
            return self._media(
                self._call("GET", f"/wp/v2/media/{media_id}", {"context": "edit"}).json()
            )
        except SiteError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise

    def get_post(self, post: Post) -> Post | None:
        try:
            item = self._call("GET", f"/wp/v2/{post.type}/{post.id}", {"context": "edit"}).json()
        except SiteError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise
        return self._post(item, post.type)

    def fetch(self, url: str) -> bytes:
        """A file as the origin has it now: a unique query takes it past any cache in front."""
        sep = "&" if "?" in url else "?"
        try:
            r = self.http.get(
                f"{url}{sep}wirefix-fetch={uuid.uuid4().hex}",
                timeout=self.config.timeout,
                auth=None,
            )
        except requests.RequestException as exc:
            raise SiteError(f"site {self.name}: GET {url}: {exc}") from exc
        if r.status_code != 200:
            raise SiteError(f"site {self.name}: GET {url}: HTTP {r.status_code}")
        return r.content

    # -- writing ----------------------------------------------------------------------------

    def update_media(self, media_id: int, fields: dict[str, str]) -> Media:
        return self._media(
            self._call("POST", f"/wp/v2/media/{media_id}", {"context": "edit"}, json=fields).json()
        )

    def update_post(self, post: Post, content: str, title: str, featured: int) -> Post:
        body: dict[str, Any] = {"content": content, "title": title}
        if post.type == "posts" or featured:
            body["featured_media"] = featured
        item = self._call(
            "POST", f"/wp/v2/{post.type}/{post.id}", {"context": "edit"}, json=body
        ).json()
        return self._post(item, post.type)

    def upload(
        self, data: bytes, file_name: str, fields: dict[str, str], parent: int | None
    ) -> Media:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", file_name) or "photo.jpg"
        item = self._call(
            "POST",
            "/wp/v2/media",
            {"context": "edit"},
            data=data,
            headers={
                "Content-Type": "image/jpeg",
                "Content-Disposition": f'attachment; filename="{safe}"',
            },
        ).json()
        update = dict(fields)
        if parent:
            update["post"] = str(parent)
        return self.update_media(int(item["id"]), update) if update else self._media(item)

    def delete_media(self, media_id: int) -> None:
        self._call("DELETE", f"/wp/v2/media/{media_id}", {"force": "true"})


def plain(text: str) -> str:
    """Rendered HTML as the words a reader sees."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
