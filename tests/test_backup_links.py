"""Backups by hard link (issue 18): on the store's filesystem the backup is the original's own
inode, which the rewrite never modifies; across filesystems, or for a file with other links,
the bytes are copied. Either way the backup holds exactly the original bytes after the rewrite,
and a rewrite that does not happen leaves no backup that is still a name of the live file."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES
from helpers_rewrite import fix, notice

from wirefix.exiftool import ExifTool
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.durable import fsync_all
from wirefix.rewrite.fast import Quick, quick_finish, quick_stage
from wirefix.rewrite.plan import make_plan
from wirefix.rewrite.safe import commit, prepare
from wirefix.rewrite.steps import READ_ARGS, Prepared

DARAA = "afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
BYLINE = ("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")


@pytest.fixture(scope="module")
def et() -> Iterator[ExifTool]:
    with ExifTool() as exiftool:
        yield exiftool


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "daraa.jpg"
    path.parent.mkdir()
    shutil.copyfile(SAMPLES / "store" / DARAA, path)
    return path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inodes(folder: Path) -> set[int]:
    return {p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_the_full_way_keeps_the_original_inode_as_the_backup(
    photo: Path, tmp_path: Path, et: ExifTool
) -> None:
    original, old = photo.read_bytes(), photo.stat()
    backups = BackupStore(tmp_path / "backups")
    result, _ = fix(photo, et, backups, BYLINE)
    assert result.outcome == "ok", result.error
    backup = Path(result.backup or "")
    assert (backup.stat().st_dev, backup.stat().st_ino) == (old.st_dev, old.st_ino)
    assert backup.stat().st_nlink == 1, "after the rename the backup is the old inode's only name"
    assert photo.stat().st_ino != old.st_ino and photo.read_bytes() != original
    assert backup.read_bytes() == original, "the exact original bytes"
    assert sha(backup.read_bytes()) == result.sha256_before == backup.name


def test_the_fast_way_links_too_and_the_backup_is_byte_identical(
    photo: Path, tmp_path: Path, et: ExifTool
) -> None:
    original, old = photo.read_bytes(), photo.stat()
    backups = BackupStore(tmp_path / "backups")
    fsyncs: list[Path] = []
    quick = quick_stage(notice(BYLINE), photo, backups, fsyncs)
    assert isinstance(quick, Quick)
    assert fsync_all(fsyncs) is None
    (prepared,) = quick_finish([quick], et)
    assert isinstance(prepared, Prepared)
    result = commit(prepared)
    backups.settle(photo)
    assert result.outcome == "ok", result.error
    backup = Path(result.backup or "")
    assert backup.stat().st_ino == old.st_ino and backup.read_bytes() == original
    assert et.read_one(photo)["IPTC:By-line"] == "MOHAMAD ABAZEED"
    assert et.read_one(backup)["IPTC:By-line"] == "ERIC FEFERBERG"


def test_across_filesystems_the_bytes_are_copied(
    photo: Path, tmp_path: Path, et: ExifTool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def cross_device(src: Path, dst: Path) -> None:
        calls.append(Path(src))
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(src), None, str(dst))

    monkeypatch.setattr(BackupStore, "link", staticmethod(cross_device))
    original, old = photo.read_bytes(), photo.stat()
    backups = BackupStore(tmp_path / "backups")
    result, _ = fix(photo, et, backups, BYLINE)
    assert result.outcome == "ok", result.error
    assert calls == [photo], "the link was tried first"
    backup = Path(result.backup or "")
    assert backup.stat().st_ino != old.st_ino, "a copy, not a link"
    assert backup.read_bytes() == original
    assert [p.name for p in backup.parent.iterdir()] == [backup.name], "no temporary left"


def test_another_link_of_the_file_means_a_copy(photo: Path, tmp_path: Path, et: ExifTool) -> None:
    """The store's other name of the file keeps the old inode (docs/safety.md), and whoever
    edits it must not change the backup."""
    other = photo.with_name("rendition.jpg")
    os.link(photo, other)
    original, old = photo.read_bytes(), photo.stat()
    backups = BackupStore(tmp_path / "backups")
    result, _ = fix(photo, et, backups, BYLINE)
    assert result.outcome == "ok", result.error
    backup = Path(result.backup or "")
    assert backup.stat().st_ino != old.st_ino and backup.read_bytes() == original
    assert other.stat().st_ino == old.st_ino and other.read_bytes() == original


def test_a_rewrite_refused_at_the_rename_leaves_no_link_to_the_live_file(
    photo: Path, tmp_path: Path, et: ExifTool
) -> None:
    """Another program edits the photo in place (same size, mtime put back) after wirefix
    backed it up by a link: the commit proves the bytes by their hash (the link moved ctime),
    refuses, and the backup that now holds the edit is removed."""
    backups = BackupStore(tmp_path / "backups")
    record = et.read_one(photo, extra=READ_ARGS)
    prepared = prepare(make_plan(notice(BYLINE), record), record, et, backups)
    assert isinstance(prepared, Prepared)
    backup = Path(prepared.result.backup or "")
    assert backup.stat().st_ino == photo.stat().st_ino
    st = photo.stat()
    data = bytearray(photo.read_bytes())
    data[-3] ^= 0xFF  # inside the image data: same size
    with open(photo, "r+b") as fh:
        fh.write(bytes(data))
    os.utime(photo, ns=(st.st_atime_ns, st.st_mtime_ns))
    result = commit(prepared)
    assert result.outcome == "failed" and "changed by another program" in (result.error or "")
    assert backups.settle(photo) is True
    assert not backup.exists()
    assert photo.read_bytes() == bytes(data), "the other program's edit is kept"
    assert photo.stat().st_ino not in inodes(tmp_path / "backups")
