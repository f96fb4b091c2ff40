"""The fast way: a JPEG planned from wirefix's own read, written by its own writer, proven by the
independent prover, and checked by one short ExifTool read (digests and errors only)."""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from wirefix.exiftool import ExifTool, ExifToolError
from wirefix.jpeg import prove as jpegdiff
from wirefix.jpeg import read as fastread
from wirefix.jpeg import write as jpegwrite
from wirefix.jpeg.imagedata import ImageDataError, image_data_hash
from wirefix.model import EditPlan, Notice, RewriteResult
from wirefix.rewrite.backups import BackupStore
from wirefix.rewrite.durable import _copy_owner_and_mode, temporary_for, write_durably
from wirefix.rewrite.plan import PlanError, exiftool_values, make_plan
from wirefix.rewrite.steps import (
    WIREFIX_WRITER,
    Prepared,
    RewriteError,
    _new_result,
    c2pa_marker,
    look,
)
from wirefix.rewrite.verify import _equal, check_values, mentions_remain


@dataclass
class Quick:
    """A JPEG on the fast path: planned from wirefix's own read, written by its own writer,
    checked byte by byte against the original; ExifTool's targeted read still to come."""

    plan: EditPlan
    path: Path
    tmp: Path
    before: os.stat_result
    result: RewriteResult
    racy: bool = False


def quick_stage(
    notice: Notice, path: Path, backups: BackupStore, fsyncs: list[Path] | None = None
) -> Quick | EditPlan | None:
    """The fast path for one JPEG, or None when the file must go the full way (ExifTool's full
    read before and after). An empty plan means the file already carries the correction.

    The fast path is taken only where it provably does what the full way would:
    - the plan comes from `fastread`, held equal to ExifTool's values for every tag the plan
      reads from it (tests/test_fastread.py); the full way's plan differs only by mentions in
      other tags, so a file in which the erroneous text still appears anywhere afterwards -
      any tag, any encoding, any letter case - goes the full way;
    - IPTC that must first be declared UTF-8 goes the full way unless all of it is ASCII (which
      reads the same either way); the full way re-encodes the rest of the block;
    - `jpegdiff.check` proves that nothing but the planned tags changed, byte for byte, and the
      image data hash that the picture is the same; `quick_finish` has ExifTool read it back.

    With `fsyncs`, the backup and the new file are not fsynced here but listed for the caller,
    which fsyncs a whole batch while ExifTool reads it back (`fsync_all`), and before any rename.
    """
    try:
        if path.is_symlink():
            return None
        before, racy = look(path)
        data = path.read_bytes()
        record = fastread.read_data(data, warnings=False)  # the plan needs only the values
    except Exception:  # anything the fast reader does not settle, ExifTool reads
        return None
    record.update({"SourceFile": str(path), "File:FileType": "JPEG"})
    try:
        plan = make_plan(notice, record)
    except PlanError:
        return None
    if plan.is_empty:
        return None if mentions_remain(data, notice) else plan
    values = exiftool_values(plan, record)
    if c2pa_marker(path, data[: 1 << 20]):
        return None
    if "IPTC:CodedCharacterSet" in values and not jpegdiff.iptc_text_is_ascii(data):
        return None  # the full way re-encodes the block's other Latin-1 text
    try:
        check_values(values)
        new = jpegwrite.write(data, values)
        # The proof holds every byte the image-data hash covers (the segments other than
        # APPn/COM, in the same order, and everything from SOS on) identical in old and new, so
        # the new file's hash is the old one's without reading 5-25 MB again.
        jpegdiff.check(data, new, set(values))
        method, image_hash = image_data_hash(path, data)
    except (ExifToolError, jpegwrite.Unsupported, jpegdiff.Unexpected, ImageDataError):
        return None
    if mentions_remain(new, notice):
        return None
    result = _new_result(plan)
    result.sha256_before = hashlib.sha256(data).hexdigest()
    result.image_hash_method, result.image_hash_before = method, image_hash
    result.writer = WIREFIX_WRITER
    tmp = temporary_for(path)
    try:
        result.backup = str(backups.keep_file(path, data, result.sha256_before, before, fsyncs))
        write_durably(tmp, new, exclusive=True, sync=fsyncs is None)
        if fsyncs is not None:
            fsyncs.append(tmp)
    except (OSError, RewriteError):  # the full way tries again and names what failed
        with contextlib.suppress(OSError):
            tmp.unlink()
        return None
    result.sha256_after = hashlib.sha256(new).hexdigest()
    result.image_hash_after = image_hash
    return Quick(plan, path, tmp, before, result, racy)


#: What ExifTool reads back from a fast-path file: errors, warnings (the digest pair makes it
#: warn about a stale IPTCDigest) and the planned tags, nothing else (`IgnoreTags=all` skips
#: building the other tags: the byte-level proof covers them).
_QUICK_READ = ("-e", "-api", "IgnoreTags=all")


_QUICK_TAGS = ("Error", "Warning", "Photoshop:IPTCDigest", "File:CurrentIPTCDigest")


def quick_finish(quicks: list[Quick], exiftool: ExifTool) -> list[Prepared | None]:
    """ExifTool reads every fast-path file back in one command: no error, no warning, every
    planned tag as planned. A file that fails is deleted and goes the full way (None)."""
    if not quicks:
        return []
    tags = sorted({w.tag for q in quicks for w in q.plan.writes} | set(_QUICK_TAGS))
    try:
        afters = exiftool.read([q.tmp for q in quicks], tags=tags, extra=_QUICK_READ)
    except ExifToolError:
        afters = [{"ExifTool:Error": "not read"} for _ in quicks]
    out: list[Prepared | None] = []
    for q, after in zip(quicks, afters, strict=True):
        good = (
            not after.get("ExifTool:Error")
            and not after.get("ExifTool:Warning")
            and all(_equal(after.get(w.tag), w.new) for w in q.plan.writes)
            and after.get("Photoshop:IPTCDigest") in (None, after.get("File:CurrentIPTCDigest"))
        )
        try:
            if not good:
                raise RewriteError("ExifTool does not read back the plan")
            _copy_owner_and_mode(q.before, q.tmp)
            out.append(Prepared(q.path, q.tmp, q.before, q.result, q.racy))
        except (RewriteError, OSError):
            with contextlib.suppress(OSError):
                q.tmp.unlink()
            out.append(None)
    return out


def discard_quick(quick: Quick) -> None:
    with contextlib.suppress(OSError):
        quick.tmp.unlink()
