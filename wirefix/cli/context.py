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
    """The command's settings, built once (`wirefix.settings.load`: config file, this process's
    environment, read only, and the command-line `options`): every command takes thresholds,
    weights, roots, folders and operator from here and hands them on; a bad configuration is
    a usage error (`ConfigError` is a `UsageError`)."""
    from wirefix.settings import Options, load

    return load(config, os.environ, Options(**options))


def settings_database(settings: Settings) -> Database:
    """The configured database, seen through this host's [store.roots], its schema ensured."""
    from wirefix.settings import open_db as open_database

    db = open_database(settings)
    db.ensure_schema()
    return db


@contextmanager
def open_db(settings: Settings) -> Iterator[Database]:
    """The command's database (`settings_database`), closed after."""
    db = settings_database(settings)
    try:
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
