"""The effective settings of a run: command-line option > environment variable > config file >
default, each value remembering where it came from so `wirefix config show` can say so.

The TOML file is the one `wirefix.config` reads for feeds (`--config`, `WIREFIX_CONFIG`, or
config.toml in the user's config folder); docs/operations.md shows a full example.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from wirefix.audit.chain import default_operator
from wirefix.config import (
    Config,
    ConfigError,
    check_keys,
    config_path,
    data_dir,
    default_db_url,
    load_config,
)
from wirefix.decide.match import MatchConfig
from wirefix.index.refusals import GoneGuard
from wirefix.online.config import OnlineConfig
from wirefix.online.config import parse as parse_online
from wirefix.rewrite.retention import RETENTION_DAYS


@dataclass(frozen=True)
class Value:
    value: Any
    source: str  # option, env NAME, file, default
    secret: bool = False


@dataclass
class Settings:
    db_url: Value
    operator: Value
    backup_dir: Value
    backup_retention_days: Value  # days a backup or quarantined copy outlives its last use
    quarantine_dir: Value
    roots: Value  # dict name -> Path: store roots as this host mounts them
    inboxes: Value  # list[Path]
    feed_interval: Value
    watch_poll: Value
    auto_threshold: Value
    review_threshold: Value
    gone_guard_share: Value  # a scan refuses to mark more than this share of a root gone ...
    gone_guard_files: Value  # ... and more than this many files at once (scan.GoneGuard)
    config: Config = field(default_factory=Config)  # feeds and HTTP settings
    online: OnlineConfig = field(default_factory=OnlineConfig)  # [[sites]], [[purgers]]

    @property
    def match(self) -> MatchConfig:
        return MatchConfig(
            auto_threshold=self.auto_threshold.value, review_threshold=self.review_threshold.value
        )

    @property
    def gone_guard(self) -> GoneGuard:
        return GoneGuard(share=self.gone_guard_share.value, files=self.gone_guard_files.value)

    def show(self) -> dict[str, Any]:
        """Every setting with its source; passwords and auth headers masked."""
        shown: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("config", "online"):
                continue
            v: Value = getattr(self, f.name)
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
        from wirefix.recipients.config import load as load_recipients

        for key, value in load_recipients(self.config.path).show().items():
            shown[key] = {"value": value, "source": "file" if self.config.path else "default"}
        shown["config_file"] = {
            "value": str(self.config.path) if self.config.path else None,
            "source": "file" if self.config.path else "none found",
        }
        return shown


def load_settings(config_option: str | None = None, **options: Any) -> Settings:
    """Build the settings; `options` are command-line values (None means not given)."""
    config = load_config(config_option)
    data = _file_data(config.path) if config.path else {}
    store = data.get("store", {}) if isinstance(data.get("store"), dict) else {}
    watch = data.get("watch", {}) if isinstance(data.get("watch"), dict) else {}
    match = data.get("match", {}) if isinstance(data.get("match"), dict) else {}
    inbox = data.get("inbox", {}) if isinstance(data.get("inbox"), dict) else {}

    def pick(name: str, env: str, file_value: Any, default: Any, convert: Any = str) -> Value:
        if options.get(name) is not None:
            return Value(convert(options[name]), "option")
        if os.environ.get(env):
            return Value(convert(os.environ[env]), f"env {env}")
        if file_value is not None:
            return Value(convert(file_value), "file")
        return Value(default, "default")

    try:
        return Settings(
            db_url=pick("db_url", "WIREFIX_DB_URL", data.get("db"), default_db_url()),
            operator=pick("operator", "WIREFIX_OPERATOR", data.get("operator"), default_operator()),
            backup_dir=pick(
                "backup_dir",
                "WIREFIX_BACKUP_DIR",
                data.get("backup_dir"),
                data_dir() / "backups",
                Path,
            ),
            backup_retention_days=pick(
                "backup_retention_days",
                "WIREFIX_BACKUP_RETENTION_DAYS",
                data.get("backup_retention_days"),
                RETENTION_DAYS,
                _days,
            ),
            quarantine_dir=pick(
                "quarantine_dir",
                "WIREFIX_QUARANTINE_DIR",
                data.get("quarantine_dir"),
                data_dir() / "quarantine",
                Path,
            ),
            roots=pick("roots", "WIREFIX_STORE_ROOTS", store.get("roots"), {}, _roots),
            inboxes=pick("inboxes", "WIREFIX_INBOX", inbox.get("folders"), [], _paths),
            feed_interval=pick(
                "feed_interval", "WIREFIX_FEED_INTERVAL", watch.get("feed_interval"), 60.0, float
            ),
            watch_poll=pick("watch_poll", "WIREFIX_WATCH_POLL", watch.get("poll"), False, _bool),
            auto_threshold=pick(
                "auto_threshold",
                "WIREFIX_AUTO_THRESHOLD",
                match.get("auto_threshold"),
                MatchConfig.auto_threshold,
                float,
            ),
            review_threshold=pick(
                "review_threshold",
                "WIREFIX_REVIEW_THRESHOLD",
                match.get("review_threshold"),
                MatchConfig.review_threshold,
                float,
            ),
            gone_guard_share=pick(
                "gone_guard_share",
                "WIREFIX_GONE_GUARD_SHARE",
                store.get("gone_guard_share"),
                GoneGuard.share,
                _share,
            ),
            gone_guard_files=pick(
                "gone_guard_files",
                "WIREFIX_GONE_GUARD_FILES",
                store.get("gone_guard_files"),
                GoneGuard.files,
                _count,
            ),
            config=config,
            online=parse_online(data, str(config.path or "configuration")),
        )
    except (TypeError, ValueError) as exc:
        where = config.path or "environment"
        raise ConfigError(f"{where}: invalid setting ({exc})") from exc


def _file_data(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    check_keys(data, path)
    return data


def _roots(value: Any) -> dict[str, Path]:
    """{name: path} from the file, or "name=/path,name2=/path2" from the environment."""
    pairs: Any
    if isinstance(value, dict):
        pairs = value.items()
    else:
        pairs = [part.split("=", 1) for part in str(value).split(",") if part.strip()]
        if any(len(p) != 2 for p in pairs):
            raise ValueError("store roots are written name=/path,name2=/path2")
    return {str(name).strip(): Path(str(path).strip()).expanduser() for name, path in pairs}


def _paths(value: Any) -> list[Path]:
    items = value if isinstance(value, list) else str(value).split(os.pathsep)
    return [Path(str(p)).expanduser() for p in items if str(p).strip()]


def _share(value: Any) -> float:
    share = float(value)
    if not 0 <= share <= 1:
        raise ValueError(f"gone_guard_share is a share between 0 and 1, not {value!r}")
    return share


def _count(value: Any) -> int:
    count = int(value)
    if count < 0:
        raise ValueError(f"gone_guard_files is a number of files, not {value!r}")
    return count


def _days(value: Any) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError(f"backup_retention_days is a number of days (0 or more), not {value!r}")
    return int(str(value).strip())


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def _mask(name: str, value: Any) -> Any:
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


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


__all__ = ["ConfigError", "Settings", "Value", "config_path", "load_settings"]
