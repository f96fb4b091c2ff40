"""Stage 3b, rewrite: carry out an edit plan without ever leaving a damaged file (SPEC §6).

ExifTool's own write does not fsync and can unlink the original on a failed rename, so wirefix
owns the sequence:

1. read the original once, hash it (sha256 and image-data hash) and put its bytes in the
   content-addressed backup store, fsynced;
2. write a new file beside the old one (hidden `.wirefix-*` name, same folder, so the rename
   stays on one filesystem): wirefix's own JPEG writer (`jpegwrite`) for the JPEG text tags it
   knows, ExifTool for everything else, values passed as JSON, never as arguments;
3. verify the new file: ExifTool reads it without error, every planned tag reads back as
   planned, every other tag reads as before, the image-data hash is unchanged. ExifTool is the
   judge whoever wrote: a file wirefix's writer got wrong is written again by ExifTool;
4. fsync it, give it the old file's mode and owner, check the old file did not change meanwhile,
   `os.replace` it over the old one, fsync the folder.

A crash before step 4's rename leaves the old file (and at most a hidden temporary file, which the
scanner skips); after it, the new one. mtime: the new file gets the time of the rewrite, so sync
tools and incremental scans see the change.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.jpeg import write as jpegwrite
from wirefix.jpeg.imagedata import ImageDataError, image_data_hash, sha256_file
from wirefix.model import EditPlan, RewriteResult
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.durable import (
    _copy_owner_and_mode,
    fsync_dir,
    fsync_file,
    temporary_for,
    write_durably,
)
from wirefix.rewrite.plan import exiftool_values
from wirefix.rewrite.steps import (
    READ_ARGS,
    WIREFIX_WRITER,
    Prepared,
    RewriteError,
    Staged,
    _failed,
    _identity,
    _new_result,
    c2pa_marker,
    look,
)
from wirefix.rewrite.verify import _check, check_values


def rewrite(
    plan: EditPlan, record: dict[str, Any], exiftool: ExifTool, backups: BackupStore
) -> RewriteResult:
    """Apply `plan` to its file, unjournaled (tests, benchmark). Never raises for a file."""
    prepared = prepare(plan, record, exiftool, backups)
    result = prepared if isinstance(prepared, RewriteResult) else commit(prepared)
    backups.settle(plan.path)
    return result


def prepare(
    plan: EditPlan, record: dict[str, Any], exiftool: ExifTool, backups: BackupStore
) -> Prepared | RewriteResult:
    """Steps 1-3 and the fsync of step 4 for one file. Returns the failed result if anything is
    refused; the original file is untouched either way."""
    staged = stage(plan, record, exiftool, backups)
    if isinstance(staged, RewriteResult):
        return staged
    return finish([staged], exiftool)[0]


def stage(
    plan: EditPlan,
    record: dict[str, Any],
    exiftool: ExifTool,
    backups: BackupStore,
    seen: tuple[os.stat_result, bool] | None = None,
) -> Staged | RewriteResult:
    """Steps 1 and 2: read the file once, hash it, back it up, write the new file beside it.

    `seen` is the `look` taken before ExifTool read `record`: the file must not have moved
    since, or the bytes read here are not the ones the plan was made from.

    JPEGs are written by wirefix's own writer (`jpegwrite`) when it supports every planned tag,
    since ExifTool's write costs as much as both of its reads together; ExifTool writes the rest.
    Either way ExifTool's verification read in `finish` is the judge.
    """
    path = Path(plan.path)
    result = _new_result(plan)
    tmp = temporary_for(path)
    try:
        if path.is_symlink():
            raise RewriteError(f"{path}: is a symbolic link; refused")
        before, racy = look(path)
        if seen is not None:
            if _identity(seen[0]) != _identity(before):
                raise RewriteError(f"{path}: {CHANGED_MEANWHILE}")
            before, racy = seen[0], seen[1] or racy
        data = path.read_bytes()
        result.sha256_before = hashlib.sha256(data).hexdigest()
        method, result.image_hash_before = image_data_hash(path, data)
        result.image_hash_method = method
        if method == "file-sha256":
            raise RewriteError(
                f"{path}: wirefix cannot prove the picture unchanged for this format; refused"
            )
        c2pa = c2pa_marker(path, data[: 1 << 20])
        if c2pa:
            raise RewriteError(
                f"{path}: carries C2PA Content Credentials ({c2pa}); a rewrite would break "
                "their signature; refused by policy (docs/safety.md)"
            )
        result.backup = str(backups.keep_file(path, data, result.sha256_before, before))
        values = exiftool_values(plan, record)
        _write(path, tmp, data, values, exiftool, result)
        return Staged(plan, record, path, tmp, before, values, result, racy)
    except (RewriteError, ExifToolError, ImageDataError, OSError) as exc:
        return _failed(result, path, tmp, exc)


def finish(staged: list[Staged], exiftool: ExifTool) -> list[Prepared | RewriteResult]:
    """Step 3 and the fsync of step 4 for a batch: one ExifTool read of all the new files (a
    read per file would cost a third more), each checked against its plan. A file wirefix's
    writer got wrong is written again by ExifTool and checked again, so the writer can only
    ever cost time, never a file."""
    if not staged:
        return []
    afters = read_batch(exiftool, [s.tmp for s in staged])
    out: list[Prepared | RewriteResult] = []
    for s, after in zip(staged, afters, strict=True):
        result = s.result
        try:
            try:
                _check(after, s)
            except RewriteError as exc:
                if result.writer != WIREFIX_WRITER:
                    raise
                s.tmp.unlink()
                result.notes.append(
                    f"wirefix's JPEG writer was overruled by the verification ({exc}); "
                    "ExifTool wrote the file"
                )
                _write_with_exiftool(s.path, s.tmp, s.values, exiftool, result)
                _check(exiftool.read_one(s.tmp, extra=READ_ARGS), s)
            _copy_owner_and_mode(s.before, s.tmp)
            fsync_file(s.tmp)
            result.sha256_after = sha256_file(s.tmp)
            result.image_hash_after = result.image_hash_before
            out.append(Prepared(s.path, s.tmp, s.before, result, s.racy))
        except (RewriteError, ExifToolError, ImageDataError, OSError) as exc:
            out.append(_failed(result, s.path, s.tmp, exc))
    return out


def read_batch(exiftool: ExifTool, paths: list[Path] | list[str]) -> list[dict[str, Any]]:
    """ExifTool's `READ_ARGS` read of many files in one command; if the command fails (a file
    that hangs ExifTool, say), each file is read alone, so one bad file fails only itself."""
    try:
        return exiftool.read(paths, extra=READ_ARGS)
    except ExifToolError:
        if len(paths) == 1:
            raise
    records = []
    for path in paths:
        try:
            records.append(exiftool.read_one(path, extra=READ_ARGS))
        except ExifToolError as exc:
            records.append({"SourceFile": str(path), "ExifTool:Error": str(exc)})
    return records


def _write(
    path: Path,
    tmp: Path,
    data: bytes,
    values: dict[str, Any],
    exiftool: ExifTool,
    result: RewriteResult,
) -> None:
    if data[:2] == b"\xff\xd8":
        try:
            check_values(values)
            new = jpegwrite.write(data, values)
        except jpegwrite.Unsupported:
            pass
        else:
            write_durably(tmp, new, exclusive=True, sync=False)  # fsynced once verified
            result.writer = WIREFIX_WRITER
            return
    _write_with_exiftool(path, tmp, values, exiftool, result)


def _write_with_exiftool(
    path: Path, tmp: Path, values: dict[str, Any], exiftool: ExifTool, result: RewriteResult
) -> None:
    warnings = exiftool.write(str(path), str(tmp), values)
    result.writer = "exiftool"
    if warnings.strip():
        result.notes.append("ExifTool: " + " ".join(warnings.split()))


#: The refusal of a file another program changed after wirefix read it.
CHANGED_MEANWHILE = (
    "changed by another program since wirefix read it; left alone (the next apply plans again "
    "from the new content)"
)


def unchanged(prepared: Prepared) -> str | None:
    """None when the file still holds the bytes the plan was made from, else the refusal.

    The stat is the cheap proof (microseconds): an in-place edit with size and mtime put back
    still moves ctime. Only when ctime moved (a chmod, an xattr, a backup tool's touch... or an
    edit) or the stat is racy is the file hashed again (about 10 ms per 5 MB), so metadata-only
    changes are not refused; the new file then takes the mode and owner the file has now."""
    path, before, result = prepared.path, prepared.before, prepared.result
    now = os.lstat(path)
    if _identity(now)[:4] != _identity(before)[:4]:
        return f"{path}: {CHANGED_MEANWHILE}"
    if now.st_ctime_ns == before.st_ctime_ns and not prepared.racy:
        return None
    digest = sha256_file(path)
    if digest != result.sha256_before:
        result.notes.append(f"the file now has sha256 {digest}, not the one read for the plan")
        return f"{path}: {CHANGED_MEANWHILE}"
    _copy_owner_and_mode(now, prepared.tmp)  # a chmod or chown made meanwhile is kept
    return None


def commit(prepared: Prepared, folders: set[Path] | None = None) -> RewriteResult:
    """Step 4: put the verified file in place atomically, unless the old one changed meanwhile
    (`unchanged`, right before the rename). With `folders`, the file's folder is added to it
    instead of being fsynced here: a batch fsyncs each of its folders once, after its renames
    and before its audit entries (`sync_folders`)."""
    path, tmp, result = prepared.path, prepared.tmp, prepared.result
    try:
        refused = unchanged(prepared)
        if refused:
            raise RewriteError(refused)
        os.replace(tmp, path)
        if folders is None:
            fsync_dir(path.parent)
        else:
            folders.add(path.parent)
        result.outcome = "ok"
    except (RewriteError, OSError) as exc:
        result.sha256_after = None
        result.error = str(exc) if isinstance(exc, RewriteError) else f"{path}: {exc}"
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return result


def sync_folders(folders: set[Path], results: list[RewriteResult]) -> None:
    """fsync each folder a batch renamed files into, once; a rename whose folder cannot be
    fsynced is not known to be durable and fails, as it would have in `commit`."""
    for folder in sorted(folders):
        try:
            fsync_dir(folder)
        except OSError as exc:
            for result in results:
                if result.outcome == "ok" and Path(result.path).parent == folder:
                    result.outcome, result.sha256_after = "failed", None
                    result.error = f"{result.path}: {exc}"
