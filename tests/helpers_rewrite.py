"""Library-level helpers for the rewrite tests: notices in code, plan and rewrite one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wirefix.exiftool import ExifTool
from wirefix.model import Correction, Event, Notice, RewriteResult
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.plan import make_plan
from wirefix.rewrite.safe import rewrite
from wirefix.rewrite.steps import READ_ARGS


def notice(*corrections: tuple[str, str, str], kind: str = "correction") -> Notice:
    return Notice(
        agency="AFP",
        kind=kind,  # type: ignore[arg-type]
        language="en",
        corrections=[Correction(f, e, c) for f, e, c in corrections],
        identifiers={},
        event=Event(),
        photographer=None,
        urgency=None,
        status="parsed",
        text=repr(corrections),
        source="test",
        source_kind="text",
    )


def fix(
    path: Path, et: ExifTool, backups: BackupStore, *corrections: tuple[str, str, str]
) -> tuple[RewriteResult, dict[str, Any]]:
    record = et.read_one(path, extra=READ_ARGS)
    plan = make_plan(notice(*corrections), record)
    return rewrite(plan, record, et, backups), record
