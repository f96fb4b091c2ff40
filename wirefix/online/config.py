"""`[[sites]]` and `[[purgers]]` of the configuration file; secrets come from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from wirefix.config import ConfigError

SITE_KINDS = ("wordpress",)
PURGER_KINDS = ("varnish", "fastly", "cloudflare", "akamai")


def _secret(env: str | None) -> str | None:
    return os.environ.get(env) if env else None


@dataclass(frozen=True)
class SiteConfig:
    """A site that publishes the newsroom's photos: `url` is its REST origin."""

    name: str
    kind: str
    url: str
    user: str
    password_env: str
    placeholder_media: int | None = None  # a kill puts this media item in, if set
    timeout: float = 30.0

    @property
    def password(self) -> str | None:
        return _secret(self.password_env)


@dataclass(frozen=True)
class PurgerConfig:
    """A CDN in front of `hosts`. Provider settings: Varnish `endpoint` (default: the URL's own
    host), Fastly `service_id`, Cloudflare `zone_id`, Akamai `network` and `host`; `api` overrides
    the provider's API base (tests); the secrets' variable names end in `_env`."""

    name: str
    kind: str
    hosts: tuple[str, ...]
    endpoint: str | None = None
    api: str | None = None
    service_id: str | None = None
    zone_id: str | None = None
    network: str = "production"
    host: str | None = None
    ban: bool = False  # Varnish: one BAN by regex for a copy's URLs instead of PURGE per URL
    token_env: str | None = None
    client_token_env: str | None = None
    client_secret_env: str | None = None
    access_token_env: str | None = None
    timeout: float = 30.0

    def fronts(self, url: str) -> bool:
        parts = urlsplit(url)
        netloc = parts.netloc.lower()
        return netloc in self.hosts or (parts.hostname or "").lower() in self.hosts

    def secret(self, name: str) -> str | None:
        return _secret(getattr(self, f"{name}_env"))


@dataclass(frozen=True)
class OnlineConfig:
    sites: tuple[SiteConfig, ...] = ()
    purgers: tuple[PurgerConfig, ...] = ()
    phash_distance: int = 6  # at most this many of 64 bits apart: the same picture
    retention: dict[str, Any] = field(default_factory=dict)

    def show(self) -> dict[str, Any]:
        """The sites and purgers, each secret shown only as set or not."""

        def masked(env: str | None) -> str | None:
            if not env:
                return None
            return f"{env} (****)" if os.environ.get(env) else f"{env} (not set)"

        return {
            "sites": [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "url": s.url,
                    "user": s.user,
                    "password_env": masked(s.password_env),
                }
                for s in self.sites
            ],
            "purgers": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "hosts": list(p.hosts),
                    **{
                        k: masked(getattr(p, k))
                        for k in (
                            "token_env",
                            "client_token_env",
                            "client_secret_env",
                            "access_token_env",
                        )
                        if getattr(p, k)
                    },
                }
                for p in self.purgers
            ],
        }


def parse(data: dict[str, Any], where: str = "configuration") -> OnlineConfig:
    """The online settings from the parsed TOML; a bad entry is a ConfigError naming it."""
    sites, purgers = [], []
    for n, raw in enumerate(data.get("sites") or [], start=1):
        try:
            site = SiteConfig(**{k: raw[k] for k in raw})
        except TypeError as exc:
            raise ConfigError(f"{where}: [[sites]] entry {n}: {exc}") from exc
        if site.kind not in SITE_KINDS:
            raise ConfigError(f"{where}: site {site.name!r}: kind must be one of {SITE_KINDS}")
        if not urlsplit(site.url).scheme.startswith("http"):
            raise ConfigError(f"{where}: site {site.name!r}: url must be http(s)")
        sites.append(site)
    for n, raw in enumerate(data.get("purgers") or [], start=1):
        try:
            raw = dict(raw, hosts=tuple(h.lower() for h in raw.get("hosts", ())))
            purger = PurgerConfig(**raw)
        except TypeError as exc:
            raise ConfigError(f"{where}: [[purgers]] entry {n}: {exc}") from exc
        if purger.kind not in PURGER_KINDS:
            raise ConfigError(
                f"{where}: purger {purger.name!r}: kind must be one of {PURGER_KINDS}"
            )
        purgers.append(purger)
    online = data.get("online")
    if not isinstance(online, dict):
        online = {}
    return OnlineConfig(
        sites=tuple(sites),
        purgers=tuple(purgers),
        phash_distance=int(online.get("phash_distance", 6)),
    )
