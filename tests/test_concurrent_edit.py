"""Another program's edit while wirefix's new file waits is never overwritten (issue 14, item 2).

Some DAM and sync tools edit a photo in place, same size, and put its mtime back: inode, size
and mtime are unchanged, only ctime moves. wirefix must see that the bytes are no longer the
ones its plan was made from, leave the file alone, log the refusal, and plan again next time.
The edit is made at an exact point of the run (the `journaled` hook: the batch's new files and
intents exist, the renames have not happened), never at a timed moment.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES, exiftool_tags

DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
COPIES = 15  # with the photo, its rendition and the re-sent copy: 18 files, two batches

EDITOR = """
import hashlib, os, sys
path = os.environ["WIREFIX_HOOK_PATH"]
st = os.stat(path)
with open(path, "r+b") as fh:
    data = fh.read()
    at = data.index(b">Daraa</photoshop:City>") + 1
    fh.seek(at)
    fh.write(b"DARAA")
    fh.flush()
    os.fsync(fh.fileno())
os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
after = os.stat(path)
assert (after.st_ino, after.st_size, after.st_mtime_ns) == (st.st_ino, st.st_size, st.st_mtime_ns)
digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
with open(sys.argv[1], "a", encoding="utf-8") as log:
    log.write(f"{path}\\t{digest}\\n")
"""


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("way", ["fast", "full"])
def test_an_in_place_edit_before_the_rename_is_never_overwritten(
    cli, store: Path, tmp_path: Path, way: str, workers: int
) -> None:
    for i in range(COPIES):
        shutil.copy(store / DARAA, store / DARAA.replace(".jpg", f"-copy{i}.jpg"))
    notice = str(cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"])
    cli("scan", str(store))
    cli("match", notice)
    script, log = tmp_path / "editor.py", tmp_path / "edited.tsv"
    script.write_text(EDITOR, encoding="utf-8")
    cli.env.update(
        WIREFIX_HOOK_AT="journaled:1", WIREFIX_HOOK_RUN=f"{sys.executable} {script} {log}"
    )
    args = ["apply", notice, "--yes", "--workers", str(workers)]
    args += ["--full-verify"] if way == "full" else []
    done = cli.json(*args, check=1)
    edited = dict(line.split("\t") for line in log.read_text().splitlines())
    # Each worker process edits the first file it is about to rename.
    assert 1 <= len(edited) <= workers
    for f in done["files"]:
        if f["path"] in edited:
            assert f["status"] == "failed"
            assert "changed by another program since wirefix read it" in f["message"]
            assert "\n" not in f["message"]
            assert sha(Path(f["path"])) == edited[f["path"]], "the other program's edit stays"
        else:
            assert f["status"] == "changed", f
    assert len(done["files"]) == COPIES + 3
    assert not list(store.rglob(".wirefix-*"))
    entries = [
        json.loads(json.loads(line)["payload"])
        for line in cli("audit", "export").stdout.splitlines()
    ]
    for path in edited:
        [entry] = [e for e in entries if e["path"] == path]
        assert entry["outcome"] == "failed" and entry["sha256_after"] is None
        assert "changed by another program" in entry["error"]
    # The next run plans again from the new bytes: the edit and the correction both stay.
    del cli.env["WIREFIX_HOOK_AT"]
    again = cli.json("apply", notice, "--yes")
    changed = {f["path"] for f in again["files"] if f["status"] == "changed"}
    assert changed == set(edited)
    for path in edited:
        tags = exiftool_tags(Path(path))
        assert tags["XMP-photoshop:City"] == "DARAA"
        assert tags["IPTC:By-line"] == "MOHAMAD ABAZEED"
        [entry] = [
            json.loads(json.loads(line)["payload"])
            for line in cli("audit", "export").stdout.splitlines()
            if json.loads(json.loads(line)["payload"])["path"] == path
            and json.loads(json.loads(line)["payload"])["outcome"] == "ok"
        ]
        assert entry["sha256_before"] == edited[path], "logged from the bytes it changed"
    assert cli.json("audit", "verify")["ok"] is True


def test_a_metadata_only_change_is_not_refused(cli, store: Path, tmp_path: Path) -> None:
    """A chmod moves ctime but not the bytes: the hash taken again proves them, the file is
    rewritten and keeps the new mode."""
    notice = str(cli.json("ingest", str(SAMPLES / "notices" / "afp-daraa-correction.txt"))[0]["id"])
    cli("scan", str(store))
    cli("match", notice)
    chmod = tmp_path / "chmod.py"
    chmod.write_text("import os\nos.chmod(os.environ['WIREFIX_HOOK_PATH'], 0o640)\n")
    cli.env.update(WIREFIX_HOOK_AT="journaled:1", WIREFIX_HOOK_RUN=f"{sys.executable} {chmod}")
    done = cli.json("apply", notice, "--yes")
    assert {f["status"] for f in done["files"]} == {"changed"}
    modes = [Path(f["path"]).stat().st_mode & 0o777 for f in done["files"]]
    assert modes.count(0o640) == 1, "the chmod made meanwhile is kept"
