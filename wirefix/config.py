"""Where wirefix keeps its things by default, how to override each (documented in README), and
the configuration file."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs


def data_dir() -> Path:
    """WIREFIX_HOME, else the user's data folder (~/.local/share/wirefix on Linux)."""
    explicit = os.environ.get("WIREFIX_HOME")
    return Path(explicit) if explicit else Path(platformdirs.user_data_dir("wirefix"))


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'wirefix.db'}"


def db_url(option: str | None) -> str:
    """--db, else WIREFIX_DB_URL, else `db` in the config file, else SQLite in the data folder."""
    return option or os.environ.get("WIREFIX_DB_URL") or file_setting("db") or default_db_url()


def quarantine_dir(option: str | None = None) -> Path:
    """Where kills move files: --quarantine-dir, WIREFIX_QUARANTINE_DIR, the config file's
    `quarantine_dir`, else `quarantine` in the data folder."""
    explicit = option or os.environ.get("WIREFIX_QUARANTINE_DIR") or file_setting("quarantine_dir")
    return Path(explicit) if explicit else data_dir() / "quarantine"


def file_setting(key: str) -> str | None:
    """A top-level setting of the configuration file, if there is one and it sets `key`.

    Commands without their own --config read it through WIREFIX_CONFIG or the default path, so
    every command agrees with `wirefix run` on which database and folders to use.
    """
    path = config_path(None)
    if not path.is_file():
        return None
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get(key)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return str(value) if value is not None else None


def backup_dir(option: str | None = None) -> Path:
    """Originals are kept here, by sha256, before any rewrite (WIREFIX_BACKUP_DIR)."""
    explicit = option or os.environ.get("WIREFIX_BACKUP_DIR") or file_setting("backup_dir")
    return Path(explicit) if explicit else data_dir() / "backups"


# -- the configuration file (TOML) ---------------------------------------------------------
# Small on purpose: feeds and their HTTP settings. Another issue widens it; unknown tables and
# keys are ignored so that a newer file still loads here.
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


class ConfigError(Exception):
    """The configuration file could not be read; the message names it and the problem."""


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


def config_path(option: str | None = None) -> Path:
    """--config, else WIREFIX_CONFIG, else config.toml in the user's config folder."""
    explicit = option or os.environ.get("WIREFIX_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir("wirefix")) / "config.toml"


def load_config(option: str | None = None) -> Config:
    """The configuration; a missing default file is an empty one, a missing named file an error."""
    path = config_path(option)
    named = bool(option or os.environ.get("WIREFIX_CONFIG"))
    if not path.is_file():
        if named:
            raise ConfigError(f"{path}: configuration file not found")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
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
                header = os.environ.get(str(entry["auth_header_env"]))
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
