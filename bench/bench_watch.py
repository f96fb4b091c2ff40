"""Notice-to-remediation latency of `wirefix watch` (issue 8), run by hand, not in tests.

An index of 100,000 files of which 20 are real copies of the Daraa photo (the notice's target);
the other 99,980 rows are inserted directly, as a scan would leave them. `wirefix watch` runs as
a service; the AFP notice e-mail is renamed into its inbox, and the clock stops when the audit
log holds 20 entries. The service's own log says where the time went (ingest, match, apply).
Beside it, in the same run: plain ExifTool making the same tag changes to copies of the same 20
files in one batch (no backup, no verification, no audit).

    .venv/bin/python bench/bench_watch.py [--rows 100000] [--affected 20] [--dir /tmp/wfwatch]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_match import insert_rows  # noqa: E402

SAMPLES = ROOT / "samples"
DARAA = SAMPLES / "store" / "afp" / "2017" / "02" / "20" / "SYRIA-CONFLICT-000_NG3LP.jpg"
NOTICE = SAMPLES / "notices" / "afp-daraa-correction.eml"


def wirefix(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wirefix", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def audit_entries(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM audit_entries").fetchone()[0]
    finally:
        conn.close()


def plain_exiftool(work: Path, affected: int) -> float:
    """The same tag changes to copies of the same files, one ExifTool batch."""
    plain = work / "plain"
    plain.mkdir()
    for n in range(affected):
        shutil.copy(DARAA, plain / f"daraa-{n:02d}.jpg")
    caption = (
        "Smoke billows following a reported car bomb explosion in the rebel-held area of the "
        "southern Syrian city of Daraa on February 20, 2017. / AFP / MOHAMAD ABAZEED"
    )
    edits = work / "edits.json"
    edits.write_text(
        json.dumps(
            [
                {
                    "SourceFile": "*",
                    "IPTC:By-line": "MOHAMAD ABAZEED",
                    "XMP-dc:Creator": ["MOHAMAD ABAZEED"],
                    "IFD0:Artist": "MOHAMAD ABAZEED",
                    "IPTC:Credit": "MOHAMAD ABAZEED/AFP",
                    "XMP-photoshop:Credit": "MOHAMAD ABAZEED/AFP",
                    "IPTC:Caption-Abstract": caption,
                    "XMP-dc:Description": caption,
                    "IFD0:ImageDescription": caption,
                    "Photoshop:IPTCDigest": "new",
                }
            ]
        )
    )
    started = time.monotonic()
    subprocess.run(["exiftool", "-q", "-overwrite_original", f"-j={edits}", str(plain)], check=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--affected", type=int, default=20)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/wfwatch"))
    args = parser.parse_args()
    work = args.dir
    shutil.rmtree(work, ignore_errors=True)
    store, inbox = work / "store", work / "inbox"
    (store / "daraa").mkdir(parents=True)
    inbox.mkdir()
    for n in range(args.affected):
        shutil.copy(DARAA, store / "daraa" / f"daraa-{n:02d}.jpg")
    db_path = work / "wirefix.db"
    config = work / "wirefix.toml"
    config.write_text(
        f'db = "sqlite:///{db_path}"\nbackup_dir = "{work / "backups"}"\n'
        f'[store.roots]\nphotos = "{store}"\n[inbox]\nfolders = ["{inbox}"]\n'
    )
    env = {**os.environ, "WIREFIX_CONFIG": str(config), "WIREFIX_HOME": str(work / "home")}
    env.pop("WIREFIX_DB_URL", None)
    wirefix("scan", str(store), "--json", env=env)  # the 20 real files, as root "photos"
    # The bulk of the index: rows a scan would have left, inserted directly.
    insert_rows(db_path, range(args.affected + 1, args.rows + 1), root="photos", prefix="bulk/")

    service = subprocess.Popen(
        [sys.executable, "-m", "wirefix", "watch", "--log-format", "json"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(2.0)  # the service is up and watching
        tmp = inbox / ".incoming.eml"
        shutil.copy(NOTICE, tmp)
        started = time.monotonic()
        os.rename(tmp, inbox / "afp-correction.eml")
        while audit_entries(db_path) < args.affected:
            if time.monotonic() - started > 120:
                raise SystemExit("not remediated within 120 s")
            time.sleep(0.05)
        latency = time.monotonic() - started
    finally:
        service.send_signal(signal.SIGTERM)
        _, err = service.communicate(timeout=60)
    handled = [json.loads(line) for line in err.splitlines() if '"notice handled"' in line]
    plain = plain_exiftool(work, args.affected)
    print(f"index rows: {args.rows}, affected files: {args.affected}")
    print(f"notice landing -> {args.affected} files remediated and audited: {latency:.2f} s")
    if handled:
        h = handled[0]
        print(f"  handled by the service in {h['seconds']:.2f} s; stages: {h['timings']}")
        print(
            f"  waiting for the file to settle and the inotify event: "
            f"{latency - h['seconds']:.2f} s"
        )
    print(f"plain exiftool, same tag changes to {args.affected} copies in one batch: {plain:.2f} s")


if __name__ == "__main__":
    main()
