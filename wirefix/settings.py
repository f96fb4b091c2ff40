"""The effective settings of one command or service: command-line option > environment variable >
config file > default, each value remembering where it came from so `wirefix config show` can
say so.

`load` builds them once: it reads the TOML file once (`--config`, `WIREFIX_CONFIG`, or
config.toml in the user's config folder; docs/operations.md shows a full example), looks the
environment up in the mapping it is given (never writing to it), and the result is passed to
the library explicitly. `open_db` opens the database as this host sees the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from sqlalchemy.engine import make_url

from wirefix.audit.chain import default_operator
from wirefix.config import Config, ConfigError, data_dir, default_db_url, parse_config, read_file
from wirefix.decide.match import MatchConfig
from wirefix.index.refusals import GoneGuard
from wirefix.online.config import OnlineConfig
from wirefix.online.config import parse as parse_online
from wirefix.recipients.config import RecipientsConfig
from wirefix.recipients.config import from_data as parse_recipients
from wirefix.rewrite.retention import RETENTION_DAYS
from wirefix.rewrite.retention import Policy as RetentionPolicy
from wirefix.settings_values import (
    as_bool,
    as_count,
    as_days,
    as_paths,
    as_roots,
    as_share,
    check_env,
    weights_of,
)
from wirefix.storage import Database

T = TypeVar("T")
D = TypeVar("D", bound=Database)

#: The environment variable of each setting (docs/operations.md, "Configuration").
ENV = {
    "db_url": "WIREFIX_DB_URL",
    "operator": "WIREFIX_OPERATOR",
    "backup_dir": "WIREFIX_BACKUP_DIR",
    "backup_retention_days": "WIREFIX_BACKUP_RETENTION_DAYS",
    "quarantine_dir": "WIREFIX_QUARANTINE_DIR",
    "roots": "WIREFIX_STORE_ROOTS",
    "inboxes": "WIREFIX_INBOX",
    "feed_interval": "WIREFIX_FEED_INTERVAL",
    "watch_poll": "WIREFIX_WATCH_POLL",
    "auto_threshold": "WIREFIX_AUTO_THRESHOLD",
    "review_threshold": "WIREFIX_REVIEW_THRESHOLD",
    "gone_guard_share": "WIREFIX_GONE_GUARD_SHARE",
    "gone_guard_files": "WIREFIX_GONE_GUARD_FILES",
}


@dataclass(frozen=True)
class Value(Generic[T]):
    value: T
    source: str  # option, env NAME, file, default
    secret: bool = False


@dataclass(frozen=True)
class Options:
    """The command-line values that override the settings (None: not given)."""

    db_url: str | None = None
    operator: str | None = None
    backup_dir: Path | str | None = None
    quarantine_dir: Path | str | None = None
    watch_poll: bool | None = None


@dataclass(frozen=True)
class Settings:
    db_url: Value[str]
    operator: Value[str]
    backup_dir: Value[Path]
    backup_retention_days: Value[int]  # days a backup or quarantined copy outlives its last use
    quarantine_dir: Value[Path]
    roots: Value[dict[str, Path]]  # store roots as this host mounts them
    inboxes: Value[list[Path]]
    feed_interval: Value[float]
    watch_poll: Value[bool]
    auto_threshold: Value[float]
    review_threshold: Value[float]
    gone_guard_share: Value[float]  # a scan refuses to mark more than this share of a root gone
    gone_guard_files: Value[int]  # ... and more than this many files at once (GoneGuard)
    match_weights: Value[dict[str, float]]  # [match.weights] over DEFAULT_WEIGHTS
    config: Config = field(default_factory=Config)  # feeds and HTTP settings
    online: OnlineConfig = field(default_factory=OnlineConfig)  # [[sites]], [[purgers]]
    recipients: RecipientsConfig = field(default_factory=RecipientsConfig)  # third parties

    @property
    def match(self) -> MatchConfig:
        return MatchConfig(
            auto_threshold=self.auto_threshold.value,
            review_threshold=self.review_threshold.value,
            weights=dict(self.match_weights.value),
        )

    @property
    def retention(self) -> RetentionPolicy:
        """The backups' retention policy (`wirefix backups prune`, the end of every `run`)."""
        return RetentionPolicy(self.backup_retention_days.value, self.backup_dir.value)

    @property
    def gone_guard(self) -> GoneGuard:
        return GoneGuard(share=self.gone_guard_share.value, files=self.gone_guard_files.value)

    def show(self) -> dict[str, Any]:
        """Every setting with its source; passwords and auth headers masked."""
        shown: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Value):
                shown[f.name] = {"value": _plain(_mask(f.name, v.value)), "source": v.source}
        shown["feeds"] = {
            "value": [
                {"url": feed.url, "auth_header": _mask_header(feed.auth_header)}
                for feed in self.config.feeds
            ],
            "source": "file" if self.config.feeds else "default",
        }
        for key, value in self.online.show().items():
            shown[key] = {"value": value, "source": "file" if value else "default"}
        for key, value in self.recipients.show().items():
            shown[key] = {"value": value, "source": "file" if self.config.path else "default"}
        shown["config_file"] = {
            "value": str(self.config.path) if self.config.path else None,
            "source": "file" if self.config.path else "none found",
        }
        return shown


def load(
    config_file: str | None = None,
    env: Mapping[str, str] | None = None,
    options: Options | None = None,
) -> Settings:
    """The settings of one command or service, built once: the file read once, `env` (default
    this process's environment) only read, `options` the command line's values."""
    env = os.environ if env is None else env
    opts = options or Options()
    path, data = read_file(config_file, env)
    check_env(env, [*ENV.values()], _env_names_in(data))
    config = parse_config(data, path, env) if path else Config()
    home = data_dir(env)
    store, watch, match, inbox = (_table(data, k) for k in ("store", "watch", "match", "inbox"))

    def pick(name: str, file_value: object, default: T, convert: Callable[[Any], T]) -> Value[T]:
        given = getattr(opts, name, None)
        if given is not None:
            return Value(convert(given), "option")
        if env.get(ENV[name]):
            return Value(convert(env[ENV[name]]), f"env {ENV[name]}")
        if file_value is not None:
            return Value(convert(file_value), "file")
        return Value(default, "default")

    where = str(path or "configuration")
    try:
        weights, weights_source = weights_of(match.get("weights"), where)
        return Settings(
            db_url=pick("db_url", data.get("db"), default_db_url(home), str),
            operator=pick("operator", data.get("operator"), default_operator(), str),
            backup_dir=pick("backup_dir", data.get("backup_dir"), home / "backups", Path),
            backup_retention_days=pick(
                "backup_retention_days", data.get("backup_retention_days"), RETENTION_DAYS, as_days
            ),
            quarantine_dir=pick(
                "quarantine_dir", data.get("quarantine_dir"), home / "quarantine", Path
            ),
            roots=pick("roots", store.get("roots"), {}, as_roots),
            inboxes=pick("inboxes", inbox.get("folders"), [], as_paths),
            feed_interval=pick("feed_interval", watch.get("feed_interval"), 60.0, float),
            watch_poll=pick("watch_poll", watch.get("poll"), False, as_bool),
            auto_threshold=pick(
                "auto_threshold", match.get("auto_threshold"), MatchConfig.auto_threshold, float
            ),
            review_threshold=pick(
                "review_threshold",
                match.get("review_threshold"),
                MatchConfig.review_threshold,
                float,
            ),
            gone_guard_share=pick(
                "gone_guard_share", store.get("gone_guard_share"), GoneGuard.share, as_share
            ),
            gone_guard_files=pick(
                "gone_guard_files", store.get("gone_guard_files"), GoneGuard.files, as_count
            ),
            match_weights=Value(weights, weights_source),
            config=config,
            online=parse_online(data, where),
            recipients=parse_recipients(data, path),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path or 'environment'}: invalid setting ({exc})") from exc


def load_settings(config_option: str | None = None, **options: Any) -> Settings:
    """`load` with the options as keywords (`load_settings(None, db_url=url)`)."""
    return load(config_option, None, Options(**options))


@overload
def open_db(settings: Settings) -> Database: ...
@overload
def open_db(settings: Settings, kind: type[D]) -> D: ...
def open_db(settings: Settings, kind: type[Database] = Database) -> Database:
    """The configured database as this host sees the store: its [store.roots] win over the
    paths the last scan recorded, since hosts mount the store at different paths (SPEC
    section 9). Every command, the worker (`kind` HostDatabase) and the jobs open it here."""
    db = kind(settings.db_url.value)
    db.local_roots = {name: str(path) for name, path in settings.roots.value.items()}
    return db


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _env_names_in(data: dict[str, Any]) -> set[str]:
    """The environment variables the file names for its secrets (`*_env` keys): the user's
    names, however close to wirefix's own."""
    names: set[str] = set()
    for value in data.values():
        entries = value if isinstance(value, list) else [value]
        for entry in entries:
            if isinstance(entry, dict):
                names |= {str(v) for k, v in entry.items() if k.endswith("_env")}
    return names


def _mask(name: str, value: object) -> object:
    if name == "db_url" and isinstance(value, str):
        try:
            return make_url(value).render_as_string(hide_password=True)
        except Exception:
            return value
    return value


def _mask_header(header: str | None) -> str | None:
    if not header:
        return header
    name, _, _ = header.partition(":")
    return f"{name}: ****"


def _plain(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


__all__ = ["ConfigError", "Options", "Settings", "Value", "load", "load_settings", "open_db"]
