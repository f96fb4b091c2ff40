"""Where wirefix keeps its things by default, how to override each (documented in README), and
the configuration file."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from wirefix.errors import UsageError


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """WIREFIX_HOME, else the user's data folder (~/.local/share/wirefix on Linux)."""
    explicit = (os.environ if env is None else env).get("WIREFIX_HOME")
    return Path(explicit) if explicit else Path(platformdirs.user_data_dir("wirefix"))


def default_db_url(home: Path | None = None) -> str:
    return f"sqlite:///{(home or data_dir()) / 'wirefix.db'}"


# -- the configuration file (TOML) ---------------------------------------------------------
# The feeds and their HTTP settings; the rest is read by wirefix.settings. Unknown tables and
# keys are refused (SCHEMA below): a typo must not silently turn a setting off.
#
#   [http]                      # all optional; the defaults are shown
#   connect_timeout = 5         # seconds to connect
#   read_timeout = 20           # seconds to wait for each answer
#   retries = 3                 # on connection errors, timeouts and HTTP 429/500/502/503/504
#   backoff = 0.5               # seconds; waits grow 0.5, 1, 2, ...
#   deadline = 120              # seconds for a whole request, retries included, however slow
#
#   [[feeds]]
#   url = "https://feeds.example.com/pictures"   # also a prefix: it applies to URLs under it
#   auth_header = "Authorization: Bearer TOKEN"  # or auth_header_env = "NAME_OF_ENV_VARIABLE"


class ConfigError(UsageError):
    """The configuration file could not be read; the message names it and the problem."""


#: Every table and key the configuration file may hold (docs/operations.md). Anything else is a
#: typo that would otherwise be silently ignored ("[[sitez]]", "auto_treshold"), so it is
#: refused, naming the nearest known key. `None` marks a table whose keys are the user's names
#: (`[store.roots]`); a list marks an array of tables.
SCHEMA: dict[str, Any] = {
    "db": str,
    "operator": str,
    "backup_dir": str,
    "backup_retention_days": int,
    "quarantine_dir": str,
    "http": {"connect_timeout", "read_timeout", "retries", "backoff", "deadline"},
    "feeds": [{"url", "auth_header", "auth_header_env"}],
    "store": {"roots": None, "gone_guard_share": float, "gone_guard_files": int},
    "inbox": {"folders"},
    "match": {"auto_threshold": float, "review_threshold": float, "weights": None},
    "watch": {"feed_interval", "poll"},
    # Copies beyond the store (docs/online.md).
    "sites": [{"name", "kind", "url", "user", "password_env", "placeholder_media", "timeout"}],
    "purgers": [
        {
            "name",
            "kind",
            "hosts",
            "endpoint",
            "api",
            "service_id",
            "zone_id",
            "network",
            "host",
            "ban",
            "token_env",
            "client_token_env",
            "client_secret_env",
            "access_token_env",
            "timeout",
        }
    ],
    "online": {"phash_distance"},
    # Third parties (docs/recipients.md).
    "recipients": [{"name", "email", "webhook", "secret_env", "subscriber_id"}],
    "smtp": {"host", "port", "from", "user", "password_env", "starttls", "timeout"},
    "ack": {"base_url"},
    "recipients_policy": {"remind_after_hours", "max_reminders", "retry_minutes"},
}


def check_keys(data: dict[str, Any], path: Path | str, schema: dict[str, Any] | None = None,
               where: str = "") -> None:  # fmt: skip
    """Refuse a key the schema does not know, naming it, where it is and the nearest known one."""
    schema = SCHEMA if schema is None else schema
    for key, value in data.items():
        if key not in schema:
            near = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else f" (known: {', '.join(schema)})"
            raise ConfigError(f"{path}: unknown setting {where + key!r}{hint}")
        rule = schema[key]
        inner = f"{where}{key}."
        if isinstance(rule, set) and isinstance(value, dict):
            check_keys(value, path, dict.fromkeys(rule, str), inner)
        elif isinstance(rule, dict) and isinstance(value, dict):
            check_keys(value, path, rule, inner)
        elif isinstance(rule, list) and isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict):
                    check_keys(entry, path, dict.fromkeys(rule[0], str), inner)


@dataclass(frozen=True)
class HttpSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    retries: int = 3
    backoff: float = 0.5
    deadline: float = 120.0


@dataclass(frozen=True)
class FeedSettings:
    url: str
    auth_header: str | None = None  # "Name: value", sent with every request to this feed

    def header(self) -> dict[str, str]:
        if not self.auth_header:
            return {}
        name, _, value = self.auth_header.partition(":")
        return {name.strip(): value.strip()}


@dataclass(frozen=True)
class Config:
    http: HttpSettings = field(default_factory=HttpSettings)
    feeds: tuple[FeedSettings, ...] = ()
    path: Path | None = None

    def feed(self, url: str) -> FeedSettings:
        """The settings of the configured feed `url` falls under (longest prefix), else none."""
        matches = [f for f in self.feeds if _under(url, f.url)]
        return max(matches, key=lambda f: len(f.url)) if matches else FeedSettings(url=url)


def _under(url: str, base: str) -> bool:
    """Same scheme, host and port, and a path under the base's: a plain string prefix would send
    "https://a.example"'s auth header to "https://a.example.attacker.net/" too."""
    u, b = urlsplit(url), urlsplit(base)
    if (u.scheme, u.hostname, u.port) != (b.scheme, b.hostname, b.port):
        return False
    base_path = b.path.rstrip("/")
    return u.path == base_path or u.path.startswith(base_path + "/") or not base_path


def config_path(option: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """--config, else WIREFIX_CONFIG, else config.toml in the user's config folder."""
    explicit = option or (os.environ if env is None else env).get("WIREFIX_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir("wirefix")) / "config.toml"


def read_file(
    option: str | None = None, env: Mapping[str, str] | None = None
) -> tuple[Path | None, dict[str, Any]]:
    """The configuration file's path and its checked contents, read once; a missing default
    file is an empty one (path None), a missing named file an error."""
    env = os.environ if env is None else env
    path = config_path(option, env)
    if not path.is_file():
        if option or env.get("WIREFIX_CONFIG"):
            raise ConfigError(f"{path}: configuration file not found")
        return None, {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    check_keys(data, path)
    return path, data


def load_config(option: str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """The feeds and HTTP settings alone (`wirefix.settings.load` reads everything at once)."""
    path, data = read_file(option, env)
    return parse_config(data, path, env) if path else Config()


def parse_config(
    data: dict[str, Any], path: Path | None, env: Mapping[str, str] | None = None
) -> Config:
    """The feeds and HTTP settings of the file's parsed `data`; auth headers named by
    `auth_header_env` are looked up in `env` (default: this process's environment)."""
    env = os.environ if env is None else env
    try:
        http = data.get("http", {})
        settings = HttpSettings(
            **{
                k: type(getattr(HttpSettings, k))(v)
                for k, v in http.items()
                if hasattr(HttpSettings, k)
            }
        )
        feeds = []
        for entry in data.get("feeds", []):
            header = entry.get("auth_header")
            if not header and entry.get("auth_header_env"):
                header = env.get(str(entry["auth_header_env"]))
                if header is None:
                    raise ConfigError(
                        f"{path}: feed {entry.get('url')}: environment variable "
                        f"{entry['auth_header_env']} is not set"
                    )
            if header and ":" not in header:
                raise ConfigError(
                    f"{path}: feed {entry.get('url')}: auth_header needs 'Name: value'"
                )
            feeds.append(FeedSettings(url=str(entry["url"]), auth_header=header))
    except ConfigError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: invalid setting ({exc})") from exc
    return Config(http=settings, feeds=tuple(feeds), path=path)
