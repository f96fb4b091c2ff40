"""One Settings per command (issue 15, item 2): option > environment > file > default, each value
with its source; the environment only read; unknown file keys and WIREFIX_ typos refused with
the nearest known name and exit 2 (README, "Exit codes")."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import ROOT, Cli

from wirefix.config import ConfigError
from wirefix.decide.match import DEFAULT_WEIGHTS
from wirefix.settings import Options, load, open_db

EXIT_USAGE = 2


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "wirefix.toml"
    path.write_text(
        'db = "sqlite:////srv/file.db"\noperator = "desk@file"\nbackup_dir = "/srv/file-backups"\n'
        "[match]\nauto_threshold = 0.8\n[match.weights]\ncaption = 0.5\nother_agency = -0.1\n"
        '[store.roots]\nphotos = "/srv/photos"\n',
        encoding="utf-8",
    )
    return path


def test_option_beats_environment_beats_file_beats_default(config: Path, tmp_path: Path) -> None:
    env = {"WIREFIX_HOME": str(tmp_path / "home")}
    s = load(str(config), env)
    assert (s.db_url.value, s.db_url.source) == ("sqlite:////srv/file.db", "file")
    assert (s.operator.value, s.operator.source) == ("desk@file", "file")
    assert (s.auto_threshold.value, s.auto_threshold.source) == (0.8, "file")
    assert (s.review_threshold.value, s.review_threshold.source) == (0.35, "default")
    assert s.quarantine_dir.value == tmp_path / "home" / "quarantine"
    assert s.quarantine_dir.source == "default"

    env.update(
        WIREFIX_DB_URL="sqlite:////srv/env.db",
        WIREFIX_OPERATOR="desk@env",
        WIREFIX_AUTO_THRESHOLD="0.9",
        WIREFIX_BACKUP_DIR="/srv/env-backups",
    )
    s = load(str(config), env)
    assert (s.db_url.value, s.db_url.source) == ("sqlite:////srv/env.db", "env WIREFIX_DB_URL")
    assert (s.operator.value, s.operator.source) == ("desk@env", "env WIREFIX_OPERATOR")
    assert (s.auto_threshold.value, s.match.auto_threshold) == (0.9, 0.9)
    assert s.backup_dir.value == Path("/srv/env-backups")

    s = load(
        str(config),
        env,
        Options(db_url="sqlite:////srv/opt.db", operator="desk@opt", backup_dir="/srv/opt"),
    )
    assert (s.db_url.value, s.db_url.source) == ("sqlite:////srv/opt.db", "option")
    assert (s.operator.value, s.operator.source) == ("desk@opt", "option")
    assert (s.backup_dir.value, s.backup_dir.source) == (Path("/srv/opt"), "option")
    assert s.auto_threshold.source == "env WIREFIX_AUTO_THRESHOLD"


def test_the_environment_given_is_read_never_written(config: Path) -> None:
    before = dict(os.environ)
    env = {"WIREFIX_CONFIG": str(config), "WIREFIX_OPERATOR": "desk@mapping"}
    s = load(None, env)
    assert s.config.path == config and s.operator.value == "desk@mapping"
    assert env == {"WIREFIX_CONFIG": str(config), "WIREFIX_OPERATOR": "desk@mapping"}
    assert dict(os.environ) == before


def test_match_weights_come_from_the_file(config: Path) -> None:
    s = load(str(config), {})
    assert s.match.weights == {**DEFAULT_WEIGHTS, "caption": 0.5, "other_agency": -0.1}
    assert s.match_weights.source == "file"
    empty = config.with_name("empty.toml")
    empty.write_text("", encoding="utf-8")
    default = load(str(empty), {})
    assert (default.match.weights, default.match_weights.source) == (DEFAULT_WEIGHTS, "default")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("captoin = 0.5", "unknown setting 'match.weights.captoin' (did you mean 'caption'?)"),
        ("caption = 1.5", "match.weights.caption is a number between 0 and 1, not 1.5"),
        ("date_mismatch = 0.6", "match.weights.date_mismatch is a number between -1 and 0"),
        ('caption = "high"', "match.weights.caption is a number, not 'high'"),
    ],
)
def test_a_bad_weight_is_refused(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "w.toml"
    path.write_text(f"[match.weights]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(str(path), {})


def test_open_db_maps_this_hosts_store_roots(config: Path, tmp_path: Path) -> None:
    s = load(str(config), {}, Options(db_url=f"sqlite:///{tmp_path / 'w.db'}"))
    db = open_db(s)
    try:
        assert db.local_roots == {"photos": "/srv/photos"}
    finally:
        db.close()


def test_a_wirefix_variable_one_typo_from_ours_is_refused() -> None:
    with pytest.raises(ConfigError) as raised:
        load(None, {"WIREFIX_AUTO_TRESHOLD": "0.9"})
    assert str(raised.value) == (
        "environment: unknown variable WIREFIX_AUTO_TRESHOLD (did you mean WIREFIX_AUTO_THRESHOLD?)"
    )
    # The test suite's own variables, and a name unlike any of ours, are no settings.
    load(
        None,
        {
            "WIREFIX_TEST_PG_URL": "postgresql://x/y",
            "WIREFIX_WP_CONFIG": "/tmp/wp-config.php",  # scripts/wordpress.sh's
            "WIREFIX_SOMETHING_ELSE": "1",
        },
    )


def test_a_secret_the_file_names_may_look_like_ours(tmp_path: Path) -> None:
    """`password_env = "WIREFIX_OPERATORS"` is the user's name for a secret, not a typo."""
    path = tmp_path / "w.toml"
    path.write_text(
        '[smtp]\nhost = "smtp.example"\npassword_env = "WIREFIX_OPERATORS"\n', encoding="utf-8"
    )
    load(str(path), {"WIREFIX_OPERATORS": "secret"})
    with pytest.raises(ConfigError, match="did you mean WIREFIX_OPERATOR"):
        load(None, {"WIREFIX_OPERATORS": "secret"})


def test_cli_refuses_an_unknown_variable_and_key_with_exit_2(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'w.db'}", tmp_path / "home")
    cli.env["WIREFIX_AUTO_TRESHOLD"] = "0.9"
    for args in (["config", "show"], ["status"], ["report"]):
        proc = cli(*args, check=EXIT_USAGE)
        [line] = proc.stderr.strip().splitlines()
        assert line.endswith(
            "environment: unknown variable WIREFIX_AUTO_TRESHOLD "
            "(did you mean WIREFIX_AUTO_THRESHOLD?)"
        ), line
    del cli.env["WIREFIX_AUTO_TRESHOLD"]
    path = tmp_path / "w.toml"
    path.write_text("[match.weights]\nidentifer = 0.9\n", encoding="utf-8")
    proc = cli("config", "show", "--config", str(path), check=EXIT_USAGE)
    [line] = proc.stderr.strip().splitlines()
    assert "unknown setting 'match.weights.identifer' (did you mean 'identifier'?)" in line


def test_config_show_names_each_source(config: Path, tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'w.db'}", tmp_path / "home")
    del cli.env["WIREFIX_DB_URL"]  # from the file
    cli.env["WIREFIX_REVIEW_THRESHOLD"] = "0.4"
    shown = cli.json("config", "show", "--config", str(config))
    assert shown["db_url"] == {"value": "sqlite:////srv/file.db", "source": "file"}
    assert shown["operator"] == {"value": "tester@wirefix-tests", "source": "env WIREFIX_OPERATOR"}
    assert shown["auto_threshold"] == {"value": 0.8, "source": "file"}
    assert shown["review_threshold"] == {"value": 0.4, "source": "env WIREFIX_REVIEW_THRESHOLD"}
    assert shown["gone_guard_files"]["source"] == "default"
    assert shown["roots"] == {"value": {"photos": "/srv/photos"}, "source": "file"}
    assert shown["match_weights"]["source"] == "file"
    assert shown["match_weights"]["value"]["caption"] == 0.5
    assert shown["match_weights"]["value"]["identifier"] == DEFAULT_WEIGHTS["identifier"]
    assert shown["config_file"] == {"value": str(config), "source": "file"}
    table = cli("config", "show", "--config", str(config)).stdout
    assert "match_weights" in table and "env WIREFIX_REVIEW_THRESHOLD" in table


def test_nothing_in_wirefix_writes_the_environment() -> None:
    """Settings reach the library and child processes as arguments (`env=` of a child at
    most), never through this process's os.environ."""
    writes = re.compile(
        r"os\.environ\s*(\[[^\]]+\]\s*=(?!=)|\.(update|setdefault|pop|popitem|clear)\b)"
        r"|\bputenv\(|\bunsetenv\(|del\s+os\.environ"
    )
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "wirefix").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if writes.search(line)
    ]
    assert found == []
