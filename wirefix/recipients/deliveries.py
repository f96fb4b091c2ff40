"""`wirefix deliveries import FILE`: who received which photo, from CSV or JSON Lines.

Columns (docs/recipients.md): `recipient`, `delivered_at`, and the photo by at least one of
`file` (the store file as sent), `transmission_ref`, `agency_id`, `item_id`, `sha256`; optional
`uri`, `version`, `destination`, `state`. A Superdesk `publish_queue` export maps onto these:
`subscriber_id` / `destination.name` -> recipient, `item_id` -> identifier and ninjs uri,
`item_version` -> version, `completed_at` (else `transmit_started_at`) -> delivered_at; only
`state` "success" was delivered, other rows are skipped and counted.

The whole file is checked before anything is stored: a bad line refuses the file, naming it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wirefix.deliveries import Delivery
from wirefix.errors import WirefixError
from wirefix.recipients.config import RecipientsConfig
from wirefix.tagmap import norm_key

DELIVERED_STATES = {"", "success", "delivered", "sent", "transmitted"}
ID_COLUMNS = ("transmission_ref", "agency_id", "item_id")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DeliveriesError(WirefixError):
    """The file was refused; `problems` holds one line per bad row ("FILE:LINE: why")."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "deliveries file refused")
        self.problems = problems


@dataclass
class ReadResult:
    deliveries: list[Delivery] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows not delivered (Superdesk state)


def read(path: Path, config: RecipientsConfig, roots: dict[str, str]) -> ReadResult:
    """Every delivery in `path`, or `DeliveriesError` naming each bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeliveriesError([f"{path}: cannot read ({exc})"]) from exc
    rows = list(_rows(path, text))
    result, problems = ReadResult(), []
    for line, row in rows:
        where = f"{path}:{line}"
        if isinstance(row, str):
            problems.append(f"{where}: {row}")
            continue
        try:
            delivery = _delivery(row, where, config, roots)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if delivery is None:
            result.skipped.append(where)
        else:
            result.deliveries.append(delivery)
    if not rows:
        problems.append(f"{path}: no deliveries in the file")
    if problems:
        raise DeliveriesError(problems)
    return result


def _rows(path: Path, text: str) -> list[tuple[int, dict[str, str] | str]]:
    """(line number, flat row or the reason it is malformed)."""
    stripped = text.lstrip()
    is_json = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or stripped.startswith("{")
    out: list[tuple[int, dict[str, str] | str]] = []
    if is_json:
        for n, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                out.append((n, f"not JSON ({exc.msg})"))
                continue
            if not isinstance(obj, dict):
                out.append((n, "a JSON object per line is expected"))
                continue
            out.append((n, _flatten(obj)))
        return out
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return []
    except csv.Error as exc:
        return [(1, f"not CSV ({exc})")]
    if len(set(header)) != len(header) or not all(header):
        return [(1, "the header must name every column once")]
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.append((reader.line_num, f"not CSV ({exc})"))
            break
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            out.append(
                (reader.line_num, f"{len(values)} fields where the header has {len(header)}")
            )
            continue
        out.append((reader.line_num, dict(zip(header, values, strict=True))))
    return out


def _flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """{"destination": {"name": "x"}} -> {"destination.name": "x"}: JSON like the CSV header."""
    flat: dict[str, str] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        elif value is not None and not isinstance(value, list):
            flat[name] = str(value)
    return flat


def _delivery(
    row: dict[str, str], where: str, config: RecipientsConfig, roots: dict[str, str]
) -> Delivery | None:
    def get(*names: str) -> str:
        for name in names:
            value = (row.get(name) or "").strip()
            if value:
                return value
        return ""

    if get("state").casefold() not in DELIVERED_STATES:
        return None
    recipient = _recipient(get("recipient"), get("subscriber_id"), get("destination.name"), config)
    when = get("delivered_at", "completed_at", "transmit_started_at")
    if not when:
        raise ValueError("no delivered_at (or completed_at / transmit_started_at)")
    delivered_at = parse_time(when)
    ids: list[str] = []
    for column in ID_COLUMNS:
        value = get(column)
        if value:
            ids.append(norm_key(value))
            tail = value.rsplit(":", 1)[-1]  # urn:newsml:afp.com:20170220:000_NG3LP
            if tail != value and norm_key(tail) not in ids:
                ids.append(norm_key(tail))
    sha = get("sha256").casefold()
    if sha and not _SHA256.match(sha):
        raise ValueError(f"sha256 {sha!r} is not 64 hexadecimal digits")
    root = rel = name = None
    file_value = get("file")
    if file_value:
        root, rel, local = resolve_file(file_value, roots)
        name = os.path.basename(file_value.replace("\\", "/"))
        if local is not None and not sha:
            sha = sha256_file(local)
        if root is None and local is None and not ids and not sha:
            raise ValueError(f"file {file_value} is under no store root and does not exist")
    if not (root or ids or sha or name):
        raise ValueError("names no photo: give file, transmission_ref, agency_id or item_id")
    version = get("version", "item_version")
    if version and not version.isdigit():
        raise ValueError(f"version {version!r} is not a whole number")
    return Delivery(
        recipient=recipient,
        delivered_at=delivered_at,
        source=where,
        root=root,
        rel_path=rel,
        file_name=name,
        sha256=sha or None,
        identifiers=tuple(ids),
        uri=get("uri", "item_id") or None,
        version=int(version) if version else None,
        destination=get("destination", "destination.name") or None,
    )


def _recipient(name: str, subscriber: str, destination: str, config: RecipientsConfig) -> str:
    if name:
        if config.get(name) is None:
            raise ValueError(f"unknown recipient {name!r} (not in [[recipients]])")
        return name
    if subscriber:
        found = next((r for r in config.recipients if r.subscriber_id == subscriber), None)
        if found:
            return found.name
    if destination and config.get(destination):
        return destination
    if subscriber or destination:
        raise ValueError(
            f"unknown recipient (subscriber_id {subscriber!r}, destination {destination!r}): "
            "no [[recipients]] entry has that subscriber_id or name"
        )
    raise ValueError("no recipient (or subscriber_id / destination.name)")


def parse_time(value: str) -> datetime:
    """ISO 8601 ("Z", "+0000", or naive = UTC)."""
    text = value.strip().replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"time {value!r} is not ISO 8601 (2017-02-20T10:15:00Z)") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def resolve_file(value: str, roots: dict[str, str]) -> tuple[str | None, str | None, Path | None]:
    """(root, rel_path, local path if it exists) of a store file named by path: absolute, or
    relative to a store root."""
    path = Path(value).expanduser()
    candidates = [path] if path.is_absolute() else [Path(base) / path for base in roots.values()]
    for candidate in candidates:
        absolute = Path(os.path.abspath(candidate))
        for name, base in roots.items():
            base_abs = Path(os.path.abspath(base))
            if absolute.is_relative_to(base_abs):
                rel = absolute.relative_to(base_abs).as_posix()
                if absolute.is_file() or path.is_absolute():
                    return name, rel, absolute if absolute.is_file() else None
    return None, None, path if path.is_absolute() and path.is_file() else None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
