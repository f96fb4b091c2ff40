"""What a command opens: its settings, the database as this host sees it, ExifTool.

The settings, SQLAlchemy and pyexiftool are imported here inside the functions, when a command
runs, never when `wirefix --help` or `--version` starts (issue 15).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wirefix.exiftool import ExifTool
    from wirefix.settings import Settings
    from wirefix.storage import Database


def loaded_settings(config: str | None = None, **options: Any) -> Settings:
    """The effective settings (config file, environment, command-line `options`): every command
    takes thresholds, roots, folders and operator from here, never defaults of its own; a bad
    configuration is a usage error (`ConfigError` is a `UsageError`)."""
    from wirefix.settings import load_settings

    return load_settings(config, **options)


def host_database(url: str, settings: Settings) -> Database:
    """The database as this host sees the store: its [store.roots] win over the paths the last
    scan recorded, since hosts mount the store at different paths (SPEC section 9)."""
    from wirefix.storage import Database

    db = Database(url)
    db.local_roots = {name: str(path) for name, path in settings.roots.value.items()}
    return db


def settings_database(settings: Settings) -> Database:
    """The configured database, seen through this host's [store.roots], its schema ensured."""
    db = host_database(settings.db_url.value, settings)
    db.ensure_schema()
    return db


@contextmanager
def open_db(url: str | None) -> Iterator[Database]:
    """The database of `--db` (else the environment, else the data folder), closed after."""
    from wirefix.config import db_url

    db = host_database(db_url(url), loaded_settings())
    try:
        db.ensure_schema()
        yield db
    finally:
        db.close()


@contextmanager
def open_exiftool() -> Iterator[ExifTool]:
    """One long-lived ExifTool for the command, stopped however the command ends."""
    from wirefix.exiftool import ExifTool

    et = ExifTool()
    try:
        yield et
    finally:
        et.close()


def use_config(option: str | None) -> None:
    """Check the configuration file now, so a bad one is a usage error before any work.

    `pipeline.ingest_sources` loads it itself (through WIREFIX_CONFIG), so --config is passed on
    that way; this process is one command, so the variable does not leak anywhere else.
    """
    from wirefix.config import load_config

    load_config(option)
    if option:
        os.environ["WIREFIX_CONFIG"] = option
