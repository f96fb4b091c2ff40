"""A database URL whose folder does not exist is an error, not a new empty database (issue 13,
item 8); the default location, the data folder, is still created on first use."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLES, Cli


def test_a_database_folder_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    cli = Cli(f"sqlite:///{missing / 'w.db'}", tmp_path / "home")
    cli.env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")  # no user config file sets `db`
    line = f"error: database folder {missing} does not exist (create it, or check --db)"
    for args in (["scan", str(SAMPLES / "store")], ["status"], ["db", "upgrade"]):
        proc = cli(*args, check=1)
        assert proc.stderr.splitlines() == [line], args  # WIREFIX_DB_URL
    cli.env["WIREFIX_DB_URL"] = f"sqlite:///{tmp_path / 'fine.db'}"
    proc = cli("status", "--db", f"sqlite:///{missing / 'w.db'}", check=1)
    assert proc.stderr.splitlines() == [line]  # --db
    config = tmp_path / "wirefix.toml"
    config.write_text(f'db = "sqlite:///{missing / "w.db"}"\n', encoding="utf-8")
    del cli.env["WIREFIX_DB_URL"]
    cli.env["WIREFIX_CONFIG"] = str(config)
    assert cli("status", check=1).stderr.splitlines() == [line]  # the configuration file
    assert not (tmp_path / "no").exists(), "no folder was created"
    assert not (tmp_path / "home").exists()


def test_the_default_database_location_is_still_created(tmp_path: Path) -> None:
    home = tmp_path / "fresh" / "home"
    cli = Cli("unused", home)
    del cli.env["WIREFIX_DB_URL"]
    cli.env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    assert cli.json("status")["notices"] == 0
    assert (home / "wirefix.db").is_file()
