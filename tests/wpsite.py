"""A real WordPress behind a real Varnish for the online-copy tests (scripts/wordpress.sh).

`start` lays out a fresh site with the project's own script, runs `php -S` and `varnishd` in the
foreground and stops them at the end. Nothing is mocked: the REST API, the generated sub-sizes,
the pages and the cache are the real programs'.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
#: scripts/wordpress.sh exits with this when Debian's packages cannot be installed.
EXIT_NO_PACKAGES = 10


@dataclass
class WordPress:
    origin: str  # php -S: the REST API and the origin of every file
    public: str  # Varnish in front: the URLs readers get
    user: str
    password: str
    varnish_dir: Path

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def rest(self, method: str, route: str, **kw: object) -> requests.Response:
        params = dict(kw.pop("params", {}) or {})  # type: ignore[call-overload]
        params["rest_route"] = route
        r = requests.request(method, self.origin + "/", params=params, auth=self.auth,
                             timeout=60, **kw)  # type: ignore[arg-type]  # fmt: skip
        r.raise_for_status()
        return r

    def empty(self) -> None:
        """Delete every post and media item and empty the cache, so each test starts with a
        site of its own (a file name used again must not be served from an earlier test)."""
        ban = requests.request("BAN", self.public + "/", headers={"X-Ban-Url": "."}, timeout=30)
        ban.raise_for_status()
        for kind in ("posts", "media"):
            while True:
                params = {"per_page": 100, **({"status": "any"} if kind == "posts" else {})}
                items = self.rest("GET", f"/wp/v2/{kind}", params=params).json()
                if not items:
                    break
                for item in items:
                    self.rest("DELETE", f"/wp/v2/{kind}/{item['id']}", params={"force": "true"})

    def upload(self, path: Path, name: str | None = None, **fields: object) -> dict:
        media = self.rest(
            "POST", "/wp/v2/media", data=path.read_bytes(),
            headers={"Content-Type": "image/jpeg",
                     "Content-Disposition": f'attachment; filename="{name or path.name}"'},
        ).json()  # fmt: skip
        if fields:
            media = self.rest("POST", f"/wp/v2/media/{media['id']}", json=fields).json()
        return media

    def post(self, title: str, content: str, **fields: object) -> dict:
        body = {"title": title, "content": content, "status": "publish", **fields}
        return self.rest("POST", "/wp/v2/posts", json=body).json()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, what: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):  # a readiness poll, not a timing assumption of any test
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before answering")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer at {url}")


def start(folder: Path) -> Iterator[WordPress]:
    wp_port, v_port = _free_port(), _free_port()
    prep = subprocess.run(
        ["bash", str(ROOT / "scripts" / "wordpress.sh"), str(folder), str(wp_port), str(v_port)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if prep.returncode == EXIT_NO_PACKAGES:
        pytest.skip(f"WordPress/Varnish could not be installed: {prep.stderr.strip()[-300:]}")
    if prep.returncode != 0:
        raise RuntimeError(f"scripts/wordpress.sh failed:\n{prep.stdout}\n{prep.stderr}")
    site = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    env = {**os.environ, **site["env"]}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        wp_log = (folder / "php.log").open("wb")
        # Own sessions: php -S forks PHP_CLI_SERVER_WORKERS children, stopped with it as a group.
        procs.append(
            subprocess.Popen(
                site["wordpress"], env=env, stdout=wp_log, stderr=wp_log, start_new_session=True
            )
        )
        _wait(site["origin"] + "/?rest_route=/", "php -S", procs[0])
        v_log = (folder / "varnish.log").open("wb")
        procs.append(
            subprocess.Popen(site["varnish"], stdout=v_log, stderr=v_log, start_new_session=True)
        )
        _wait(site["public"] + "/", "varnishd", procs[1])
        yield WordPress(site["origin"], site["public"], site["user"], site["password"],
                        folder / "varnish")  # fmt: skip
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)  # workers that outlived their parent
        db = site["database"]  # the site's database goes with it
        subprocess.run(
            ["mysql", "-h", "127.0.0.1", "-u", "root", "-e", f"DROP DATABASE IF EXISTS {db}"],
            check=False,
        )
