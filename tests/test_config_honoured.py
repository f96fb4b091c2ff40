"""Every command takes the loaded settings, never defaults of its own (issue 13, item 6).

Through the real CLI on SQLite and PostgreSQL: the matcher's configured thresholds reach
`apply`; this host's [store.roots] reach `watch`, `review` and `status`; the configured operator
reaches the audit entries of `apply` and `undo`.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import SAMPLES, Cli, exiftool_tags

NOTICE = SAMPLES / "notices" / "afp-daraa-correction.txt"
DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
WRONG, RIGHT = "ERIC FEFERBERG", "MOHAMAD ABAZEED"
WIREFIX = [sys.executable, "-m", "wirefix"]


def byline(path: Path) -> str:
    return exiftool_tags(path)["IPTC:By-line"]


def snapshot(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*.jpg"))}


@pytest.fixture
def two_hosts(cli: Cli, store: Path, db_url: str, tmp_path: Path) -> dict:
    """Host A scanned the store at its mount (`store`); host B mounts a copy at `mount_b` and
    says so in its config file. The index's recorded path for root "store" is A's."""
    cli("scan", str(store))
    mount_b = tmp_path / "mount-b"
    shutil.copytree(SAMPLES / "store", mount_b)
    inbox = tmp_path / "inbox-b"
    inbox.mkdir()
    config_b = tmp_path / "host-b.toml"
    config_b.write_text(
        f'db = "{db_url}"\n[store.roots]\nstore = "{mount_b}"\n[inbox]\nfolders = ["{inbox}"]\n',
        encoding="utf-8",
    )
    return {"a": store, "b": mount_b, "inbox": inbox, "config": config_b}


@pytest.mark.parametrize("source", ["file", "env"])
def test_apply_honours_the_configured_thresholds(
    cli: Cli, store: Path, tmp_path: Path, source: str
) -> None:
    """No `match` first: `apply` matches the notice itself, with this site's thresholds. An
    auto threshold nothing reaches leaves every file to a person: nothing is rewritten."""
    if source == "file":
        config = tmp_path / "strict.toml"
        config.write_text("[match]\nauto_threshold = 1.01\n", encoding="utf-8")
        cli.env["WIREFIX_CONFIG"] = str(config)
    else:
        cli.env["WIREFIX_AUTO_THRESHOLD"] = "1.01"
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("scan", str(store))
    before = snapshot(store)
    applied = cli.json("apply", notice, "--yes", check=3)  # 3: every file waits for a person
    assert applied["files"] == []
    assert snapshot(store) == before, "a threshold nothing reaches: nothing is `auto`"
    [entry] = cli.json("report")["notices"]
    assert entry["matched"]["auto"] == 0 and entry["matched"]["review"] == 3


def test_watch_honours_this_hosts_store_roots(cli: Cli, two_hosts: dict) -> None:
    """Host B's watch service rewrites the files at B's mount, not the paths A's scan left."""
    before_a = snapshot(two_hosts["a"])
    shutil.copy(SAMPLES / "notices" / "afp-daraa-correction.eml", two_hosts["inbox"])
    proc = subprocess.Popen(
        [*WIREFIX, "watch", "--config", str(two_hosts["config"]), "--log-format", "json"],
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    guard = threading.Timer(240, proc.kill)  # a safety net only: the test waits on events
    guard.start()
    handled = None
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # the notice was waiting: the service handles it first
            if line.startswith("{") and json.loads(line)["message"] == "notice handled":
                handled = json.loads(line)
                break
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        guard.cancel()
        if proc.poll() is None:
            proc.kill()
    assert handled is not None and handled["changed"] == 3, handled
    assert byline(two_hosts["b"] / DARAA) == RIGHT
    assert snapshot(two_hosts["a"]) == before_a, "host A's files are not host B's to touch"


def test_review_honours_this_hosts_store_roots(cli: Cli, two_hosts: dict, tmp_path: Path) -> None:
    """Host B's review queue names B's files, and approving rewrites B's copy."""
    reworded = tmp_path / "reworded.txt"
    reworded.write_text(  # no near-identical caption: the matcher leaves the files to a person
        NOTICE.read_text(encoding="utf-8").replace(
            "Smoke billows following a reported car bomb explosion in the rebel-held area of "
            "the southern Syrian city of Daraa",
            "Smoke rises after a car bomb attack in Daraa",
        ),
        encoding="utf-8",
    )
    notice = str(cli.json("ingest", str(reworded))[0]["id"])
    cli("match", notice, check=3)
    before_a = snapshot(two_hosts["a"])
    base = ["--config", str(two_hosts["config"])]
    queue = cli.json("review", "--list", *base, check=3)
    assert queue and all(i["path"].startswith(str(two_hosts["b"])) for i in queue), queue
    item = next(i["item"] for i in queue if i["path"].endswith(DARAA))
    [decided] = cli.json("review", *base, "--approve", item)
    assert decided["files"][0]["status"] == "changed"
    assert byline(two_hosts["b"] / DARAA) == RIGHT
    assert snapshot(two_hosts["a"]) == before_a


def test_status_honours_this_hosts_store_roots(cli: Cli, two_hosts: dict) -> None:
    """After host B fixed the notice, B's status says so: its candidates and its audit entries
    name the same files (on today's code the candidates named A's paths: "open")."""
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("match", notice)
    cli.env["WIREFIX_CONFIG"] = str(two_hosts["config"])
    applied = cli.json("apply", notice, "--yes")
    assert {f["status"] for f in applied["files"]} == {"changed"}
    status = cli.json("status", "--config", str(two_hosts["config"]))
    assert status["notices_by_state"] == {"done": 1}
    assert status["notices_open"] == 0 and status["files_pending_review"] == 0


def test_apply_and_undo_record_the_configured_operator(
    cli: Cli, store: Path, tmp_path: Path
) -> None:
    """`operator` in the config file names who acted, in every audit entry, when neither
    --operator nor WIREFIX_OPERATOR says otherwise."""
    config = tmp_path / "desk.toml"
    config.write_text('operator = "photo-desk@config"\n', encoding="utf-8")
    cli.env["WIREFIX_CONFIG"] = str(config)
    del cli.env["WIREFIX_OPERATOR"]
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("scan", str(store))
    applied = cli.json("apply", notice, "--yes")
    seq = next(f["audit_seq"] for f in applied["files"] if f["path"].endswith(DARAA))
    cli("undo", str(seq))
    entries = cli.json("report")["notices"][0]["files"]
    assert {e["operator"] for e in entries} == {"photo-desk@config"}
    assert [e["action"] for e in entries].count("undo") == 1
    assert byline(store / DARAA) == WRONG


def test_an_unknown_setting_is_refused_naming_the_nearest_one(tmp_path: Path) -> None:
    """A typo must not silently turn a setting off (issue 15): `[[sitez]]`, `auto_treshold`."""
    from conftest import Cli

    cli = Cli(f"sqlite:///{tmp_path / 'w.db'}", tmp_path / "home")
    for text, named in (
        (
            "[match]\nauto_treshold = 0.9\n",
            "'match.auto_treshold' (did you mean 'auto_threshold'?)",
        ),
        ('[[feedz]]\nurl = "https://x.example/"\n', "'feedz' (did you mean 'feeds'?)"),
        ("[http]\ndeadline = 5\nretry = 2\n", "'http.retry' (did you mean 'retries'?)"),
    ):
        config = tmp_path / "wirefix.toml"
        config.write_text(text, encoding="utf-8")
        for args in (["config", "show"], ["run"]):
            proc = cli(*args, "--config", str(config), check=2)
            [line] = proc.stderr.strip().splitlines()
            assert f"unknown setting {named}" in line, line


# -- [match.weights]: each entry point matches with the configured weights (issue 15) --------

#: Without the two caption-borne pieces of evidence the three Daraa files score 0.5..0.7: a
#: person decides (`review`), nothing is `auto`, so nothing is rewritten.
LIGHT = "[match.weights]\nerroneous_value = 0.0\ncaption = 0.0\n"


def light_config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "light.toml"
    config.write_text(extra + LIGHT, encoding="utf-8")
    return config


def daraa_decisions(candidates: list[dict]) -> dict[str, str]:
    return {c["rel_path"]: c["decision"] for c in candidates if c["decision"] != "no"}


def test_match_honours_the_configured_weights(cli: Cli, store: Path, tmp_path: Path) -> None:
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("scan", str(store))
    default = cli.json("match", notice)["candidates"]
    assert set(daraa_decisions(default).values()) == {"auto"}
    config = light_config(tmp_path)
    cli.env["WIREFIX_CONFIG"] = str(config)
    light = cli.json("match", notice, check=3)["candidates"]
    assert daraa_decisions(light) == dict.fromkeys(daraa_decisions(default), "review")
    weights = {r["name"]: r["weight"] for c in light for r in c["reasons"]}
    assert weights["caption"] == 0.0 and weights["erroneous_value"] == 0.0


def test_apply_honours_the_configured_weights(cli: Cli, store: Path, tmp_path: Path) -> None:
    """No `match` first: `apply` matches with the file's weights and leaves all to a person."""
    cli.env["WIREFIX_CONFIG"] = str(light_config(tmp_path))
    notice = str(cli.json("ingest", str(NOTICE))[0]["id"])
    cli("scan", str(store))
    before = snapshot(store)
    applied = cli.json("apply", notice, "--yes", check=3)  # 3: all of it waits for a person
    assert applied["files"] == []
    assert snapshot(store) == before
    [entry] = cli.json("report")["notices"]
    assert entry["matched"]["auto"] == 0 and entry["matched"]["review"] == 3


def test_run_honours_the_configured_weights(cli: Cli, store: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(NOTICE, inbox)
    roots = f'[store.roots]\nstore = "{store}"\n[inbox]\nfolders = ["{inbox}"]\n'
    before = snapshot(store)
    summary = cli.json("run", "--config", str(light_config(tmp_path, roots)), check=3)
    assert summary["files_changed"] == 0, summary
    assert snapshot(store) == before
    [entry] = cli.json("report")["notices"]
    assert entry["matched"]["auto"] == 0 and entry["matched"]["review"] == 3


def test_watch_honours_the_configured_weights(cli: Cli, two_hosts: dict, tmp_path: Path) -> None:
    """The same service as `test_watch_honours_this_hosts_store_roots` (3 files changed there),
    with the light weights: the notice is handled and nothing is changed."""
    config = light_config(tmp_path, two_hosts["config"].read_text(encoding="utf-8"))
    before_b = snapshot(two_hosts["b"])
    shutil.copy(SAMPLES / "notices" / "afp-daraa-correction.eml", two_hosts["inbox"])
    proc = subprocess.Popen(
        [*WIREFIX, "watch", "--config", str(config), "--log-format", "json"],
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    guard = threading.Timer(240, proc.kill)  # a safety net only: the test waits on events
    guard.start()
    handled = None
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("{") and json.loads(line)["message"] == "notice handled":
                handled = json.loads(line)
                break
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        guard.cancel()
        if proc.poll() is None:
            proc.kill()
    assert handled is not None and handled["changed"] == 0, handled
    assert snapshot(two_hosts["b"]) == before_b
    [entry] = cli.json("report")["notices"]
    assert entry["matched"]["auto"] == 0 and entry["matched"]["review"] == 3


def test_the_jobs_honour_the_configured_weights(cli: Cli, store: Path, tmp_path: Path) -> None:
    """`run --enqueue` and a one-shot worker (PostgreSQL): the match job uses the weights."""
    if cli.env["WIREFIX_DB_URL"].startswith("sqlite"):
        pytest.skip("the job queue needs PostgreSQL")
    cli.env["WIREFIX_CONFIG"] = str(light_config(tmp_path, f'[store.roots]\nstore = "{store}"\n'))
    cli("db", "upgrade")
    cli("ingest", str(NOTICE))
    before = snapshot(store)
    cli.json("run", "--enqueue")
    worker = cli("worker", "--one-shot", "--stall-timeout", "5")
    assert worker.returncode == 0
    assert snapshot(store) == before
    [entry] = cli.json("report")["notices"]
    assert entry["matched"]["auto"] == 0 and entry["matched"]["review"] == 3
