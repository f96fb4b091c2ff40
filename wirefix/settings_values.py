"""How one setting's text (from the file, the environment or an option) becomes its value, and
which environment variables are wirefix's: a typo in either must be refused, not ignored."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from wirefix.config import ConfigError
from wirefix.decide.match import DEFAULT_WEIGHTS

#: wirefix's variables that are no setting of `config show`: where the file and the data are,
#: and the rewrite journal's crash hooks for tests (docs/operations.md).
OTHER_ENV = (
    "WIREFIX_HOME",
    "WIREFIX_CONFIG",
    "WIREFIX_CRASH_AT",
    "WIREFIX_HOOK_AT",
    "WIREFIX_HOOK_RUN",
    "WIREFIX_HOOK_PATH",
)

#: Prefixes kept for the test suite's, the benchmarks' and the WordPress fixture's own variables
#: (database URLs, passwords, scripts/wordpress.sh's WIREFIX_WP_CONFIG), which are no settings.
RESERVED_PREFIXES = ("WIREFIX_TEST_", "WIREFIX_BENCH_", "WIREFIX_WP_")


def check_env(env: Mapping[str, str], settings: Iterable[str], named: Iterable[str]) -> None:
    """Refuse a WIREFIX_ variable that is a typo of a known one (WIREFIX_AUTO_TRESHOLD), naming
    the nearest: it would otherwise leave the setting at its file value or default, unseen.

    A WIREFIX_ variable close to none of ours (a test's, a script's) is left alone, and so are
    those the configuration file names for its secrets (`named`).
    """
    known = [*settings, *OTHER_ENV]
    mine = set(known) | set(named)
    for name in sorted(env):
        if not name.startswith("WIREFIX_") or name in mine or name.startswith(RESERVED_PREFIXES):
            continue
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
        if near:
            raise ConfigError(f"environment: unknown variable {name} (did you mean {near[0]}?)")


def weights_of(value: object, where: str) -> tuple[dict[str, float], str]:
    """DEFAULT_WEIGHTS with `[match.weights]` over them, and the source to show: an unknown
    evidence name is refused with the nearest known one; a weight is a number in 0..1, or in
    -1..0 for the two penalties (`other_agency`, `date_mismatch`), so a sign typo cannot turn
    a penalty into evidence."""
    weights = dict(DEFAULT_WEIGHTS)
    if value is None:
        return weights, "default"
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [match.weights] is a table of evidence = weight")
    for name, weight in value.items():
        if name not in DEFAULT_WEIGHTS:
            near = difflib.get_close_matches(name, list(DEFAULT_WEIGHTS), n=1, cutoff=0.6)
            hint = f"did you mean {near[0]!r}?" if near else f"known: {', '.join(DEFAULT_WEIGHTS)}"
            raise ConfigError(f"{where}: unknown setting 'match.weights.{name}' ({hint})")
        low, high = (-1.0, 0.0) if DEFAULT_WEIGHTS[name] < 0 else (0.0, 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ConfigError(f"{where}: match.weights.{name} is a number, not {weight!r}")
        if not low <= weight <= high:
            raise ConfigError(
                f"{where}: match.weights.{name} is a number between {low:g} and {high:g}, "
                f"not {weight!r}"
            )
        weights[name] = float(weight)
    return weights, "file" if value else "default"


def as_roots(value: object) -> dict[str, Path]:
    """{name: path} from the file, or "name=/path,name2=/path2" from the environment."""
    if isinstance(value, dict):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    else:
        parts = [part.split("=", 1) for part in str(value).split(",") if part.strip()]
        if any(len(p) != 2 for p in parts):
            raise ValueError("store roots are written name=/path,name2=/path2")
        pairs = [(p[0], p[1]) for p in parts]
    return {name.strip(): Path(path.strip()).expanduser() for name, path in pairs}


def as_paths(value: object) -> list[Path]:
    items = value if isinstance(value, list) else str(value).split(os.pathsep)
    return [Path(str(p)).expanduser() for p in items if str(p).strip()]


def as_share(value: object) -> float:
    share = float(str(value)) if not isinstance(value, int | float) else float(value)
    if not 0 <= share <= 1:
        raise ValueError(f"gone_guard_share is a share between 0 and 1, not {value!r}")
    return share


def as_count(value: object) -> int:
    count = int(str(value)) if not isinstance(value, int | float) else int(value)
    if count < 0:
        raise ValueError(f"gone_guard_files is a number of files, not {value!r}")
    return count


def as_days(value: object) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError(f"backup_retention_days is a number of days (0 or more), not {value!r}")
    return int(str(value).strip())


def as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a yes/no value: {value!r}")
