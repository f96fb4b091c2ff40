"""Where wirefix keeps its things by default, and how to override each (documented in README)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """WIREFIX_HOME, else the user's data folder (~/.local/share/wirefix on Linux)."""
    explicit = os.environ.get("WIREFIX_HOME")
    return Path(explicit) if explicit else Path(platformdirs.user_data_dir("wirefix"))


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'wirefix.db'}"


def db_url(option: str | None) -> str:
    """--db, else WIREFIX_DB_URL, else the SQLite file in the data folder."""
    return option or os.environ.get("WIREFIX_DB_URL") or default_db_url()


def backup_dir(option: str | None = None) -> Path:
    """Originals are kept here, by sha256, before any rewrite (WIREFIX_BACKUP_DIR)."""
    explicit = option or os.environ.get("WIREFIX_BACKUP_DIR")
    return Path(explicit) if explicit else data_dir() / "backups"
