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
import errno
import functools
import hashlib
import os
import re
import socket
import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wirefix.errors import WirefixError
from wirefix.exiftool import ExifTool, ExifToolError, check_value
from wirefix.jpeg import prove as jpegdiff
from wirefix.jpeg import read as fastread
from wirefix.jpeg import write as jpegwrite
from wirefix.jpeg.imagedata import ImageDataError, image_data_hash, sha256_file
from wirefix.model import EditPlan, Notice, RewriteResult
from wirefix.rewrite import journal
from wirefix.rewrite.plan import PlanError, distinctive, exiftool_values, make_plan

#: How the rewrite reads a file (plan and verification alike): Composite tags are derived from
#: the others and never written, and computing them is a third of ExifTool's reading time.
READ_ARGS = ("-e",)


class RewriteError(WirefixError):
    """The rewrite was refused or failed verification; the original file is untouched."""


class BackupStore:
    """Original bytes by sha256, written once, fsynced; `undo` restores from here.

    A backup is written to `.<sha256>.<uuid>.<owner>.tmp` and renamed into place; a failed
    write removes its temporary, and the temporaries of runs that died (`owner`: this host's
    tag, pid and process start time) are cleared from a folder the first time a run writes
    into it (`sweep`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._swept: set[Path] = set()

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put_bytes(self, data: bytes, sha256: str, fsyncs: list[Path] | None = None) -> Path:
        """Keep `data`, already hashed to `sha256` by the caller, which read the file once.

        With `fsyncs`, the file and its folder are added to it instead of being fsynced here:
        the caller fsyncs the whole batch before it replaces any original (`fsync_all`). A crash
        before that can leave a damaged backup, which the next `put_bytes` finds by its hash
        and writes again; no original has been touched by then."""
        target = self.path_for(sha256)
        if target.exists() and target.stat().st_size == len(data) and sha256_file(target) == sha256:
            if fsyncs is not None:  # an earlier, deferred write may not be on disk yet
                fsyncs += [target, target.parent]
            return target
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.{_owner_tag()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.sweep(target.parent)
            write_durably(tmp, data, sync=fsyncs is None)
            journal.crash_point("backup-written")
            os.replace(tmp, target)
            if fsyncs is None:
                fsync_dir(target.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise RewriteError(folder_error("backup folder", self.root, exc)) from exc
        if fsyncs is not None:
            fsyncs += [target, target.parent]
        return target

    def sweep(self, folder: Path) -> list[str]:
        """Delete the backup temporaries in `folder` that no live run is writing: this host's
        runs that are gone, and those of wirefix versions before owners were named
        (`.<sha256>.<uuid>.tmp`) once an hour old. Once per folder per process."""
        if folder in self._swept:
            return []
        self._swept.add(folder)
        removed: list[str] = []
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                m = _BACKUP_TMP.fullmatch(entry.name)
                if m is None:
                    continue
                with contextlib.suppress(OSError):
                    if m["host"] is None:
                        stale = entry.stat().st_mtime_ns < time.time_ns() - _LEGACY_TMP_AGE_NS
                    else:
                        stale = m["host"] == _host_tag() and not _run_alive(m["pid"], m["start"])
                    if stale:
                        os.unlink(entry.path)
                        removed.append(entry.path)
        return removed


#: `.<sha256>.<uuid>[.<host tag>-<pid>-<start>].tmp`: a backup being written.
_BACKUP_TMP = re.compile(
    r"\.[0-9a-f]{64}\.[0-9a-f]{32}(?:\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-(?P<start>\d+|x))?\.tmp"
)
_LEGACY_TMP_AGE_NS = 3600 * 10**9


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:8]


def _owner_tag() -> str:
    return _owner_tag_of(os.getpid())  # a worker process forked from this one has its own


@functools.lru_cache(maxsize=8)
def _owner_tag_of(pid: int) -> str:
    run = journal.owner()
    return f"{_host_tag()}-{run['pid']}-{run['start'] or 'x'}"


def _run_alive(pid: str, start: str) -> bool:
    return journal.alive(
        {"host": socket.gethostname(), "pid": int(pid), "start": None if start == "x" else start}
    )


def folder_error(what: str, folder: Path, exc: OSError) -> str:
    """One line naming the place that failed: "backup folder /x/backups is full (No space left
    on device)", not the photo that was being backed up."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{what} {folder} is full ({reason})"
    return f"{what} {folder}: {reason}" + (f" ({exc.filename})" if exc.filename else "")


#: A file whose ctime is this close to the moment wirefix looked at it can be changed again
#: without its ctime moving (Linux stamps files with a coarse clock, one tick of up to 10 ms):
#: such a "racy" file is hashed again before the rename, whatever its stat says.
RACY_NS = 100_000_000


def look(path: Path) -> tuple[os.stat_result, bool]:
    """The stat that the plan is made under, and whether it is racy (`RACY_NS`)."""
    now = time.time_ns()
    st = os.stat(path)
    return st, st.st_ctime_ns >= now - RACY_NS


def _identity(st: os.stat_result) -> tuple[int, ...]:
    """What any write to a file moves: a write or truncate moves ctime even when the writer
    puts size and mtime back (as some DAM and sync tools do); a replace moves the inode."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass
class Prepared:
    """A verified new file waiting beside the old one; `commit` puts it in place."""

    path: Path
    tmp: Path
    before: os.stat_result
    result: RewriteResult
    racy: bool = False


@dataclass
class Staged:
    """A new file written beside the old one, not yet verified (`finish` verifies a batch)."""

    plan: EditPlan
    record: dict[str, Any]
    path: Path
    tmp: Path
    before: os.stat_result
    values: dict[str, Any]
    result: RewriteResult
    racy: bool = False


def rewrite(
    plan: EditPlan, record: dict[str, Any], exiftool: ExifTool, backups: BackupStore
) -> RewriteResult:
    """Apply `plan` to its file, unjournaled (tests, benchmark). Never raises for a file."""
    prepared = prepare(plan, record, exiftool, backups)
    if isinstance(prepared, RewriteResult):
        return prepared
    return commit(prepared)


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
        result.backup = str(backups.put_bytes(data, result.sha256_before))
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
        jpegdiff.check(data, new, set(values))
        method, image_hash = image_data_hash(path, data)
        if image_data_hash(path, new) != (method, image_hash):
            return None
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
        result.backup = str(backups.put_bytes(data, result.sha256_before, fsyncs))
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


def mentions_remain(data: bytes, notice: Notice) -> bool:
    """Whether the erroneous text of a correction may still be in `data`, in any tag.

    Deliberately over-eager (a false alarm only sends the file the full way): the longest word
    of each erroneous value is looked for in UTF-8, Latin-1, CP-1252 and UTF-16, in any letter
    case and both Unicode normal forms; a non-ASCII word's longest ASCII run too (XMP may escape
    the rest); a word with XML specials always counts as found."""
    folded = data.lower()
    for correction in notice.corrections:
        if correction.field == "date":
            return True
        if not distinctive(correction):
            continue  # the full way does not look beyond the field's tags either
        word = max(correction.erroneous.split(), key=len, default="")
        if not word or any(ch in word for ch in "&<>\"'"):
            return True
        if word.isascii():
            needles = {word.lower().encode("ascii")}
            needles |= {word.lower().encode(e) for e in ("utf-16-le", "utf-16-be")}
            if any(n in folded for n in needles):
                return True
            continue
        runs = [r for r in re.findall(r"[A-Za-z0-9]+", word) if len(r) >= 3]
        if runs and max(runs, key=len).lower().encode() in folded:
            return True
        forms = {unicodedata.normalize(f, v) for f in ("NFC", "NFD") for v in _cases(word)}
        for form in forms:
            for encoding in ("utf-8", "latin-1", "cp1252", "utf-16-le", "utf-16-be"):
                try:
                    needle = form.encode(encoding)
                except UnicodeEncodeError:
                    continue
                if needle in data or needle.lower() in folded:
                    return True
    return False


def _cases(word: str) -> set[str]:
    return {word, word.lower(), word.upper(), word.title(), word.casefold()}


#: `RewriteResult.writer` of a file written by `wirefix.jpeg.write`.
WIREFIX_WRITER = "wirefix-jpeg"


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


def check_values(values: dict[str, Any]) -> None:
    """The same refusals whichever writer runs: a value ExifTool would refuse is refused."""
    for tag, value in values.items():
        check_value(tag, value)


def _new_result(plan: EditPlan) -> RewriteResult:
    return RewriteResult(
        path=str(plan.path),
        action=plan.action,
        outcome="failed",
        changes=list(plan.writes),
        sha256_before=None,
        sha256_after=None,
        image_hash_before=None,
        image_hash_after=None,
        image_hash_method=None,
        notes=list(plan.notes),
    )


def _failed(result: RewriteResult, path: Path, tmp: Path, exc: Exception) -> RewriteResult:
    result.outcome = "failed"
    result.sha256_after = None
    result.image_hash_after = None
    if not isinstance(exc, OSError):
        message = str(exc)
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        message = folder_error("store folder", path.parent, exc)
    else:
        message = exc.strerror or str(exc)
    result.error = message if str(path) in message else f"{path}: {message}"
    with contextlib.suppress(OSError):
        tmp.unlink()
    return result


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


def commit(prepared: Prepared) -> RewriteResult:
    """Step 4: put the verified file in place atomically, unless the old one changed meanwhile
    (`unchanged`, right before the rename)."""
    path, tmp, result = prepared.path, prepared.tmp, prepared.result
    try:
        refused = unchanged(prepared)
        if refused:
            raise RewriteError(refused)
        os.replace(tmp, path)
        fsync_dir(path.parent)
        result.outcome = "ok"
    except (RewriteError, OSError) as exc:
        result.sha256_after = None
        result.error = str(exc) if isinstance(exc, RewriteError) else f"{path}: {exc}"
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return result


def temporary_for(path: Path) -> Path:
    """`.wirefix-<uuid>.<name>`: hidden, skipped by the scanner, same folder and extension (so
    the rename stays on one filesystem and ExifTool keeps the type), and traceable to its photo
    so `remove_orphans` can clear what a killed run left."""
    return path.with_name(f".wirefix-{uuid.uuid4().hex}.{path.name}")


def remove_orphans(path: Path) -> list[str]:
    """Delete temporaries of `path` left by a run that died before cleaning up. Call only while
    holding the file's lock: every live run holds it for as long as its temporary exists."""
    return remove_orphans_of([path])


def remove_orphans_of(paths: list[Path]) -> list[str]:
    """`remove_orphans` for many files, one listing per folder (a batch of a big folder would
    otherwise list it once per file). Call only while holding every file's lock."""
    by_folder: dict[Path, set[str]] = {}
    for path in paths:
        by_folder.setdefault(path.parent, set()).add(path.name)
    removed = []
    for folder, names in by_folder.items():
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                name = entry.name
                # .wirefix-<32 hex>.<photo name>
                if name.startswith(".wirefix-") and name[42:] in names and name[41:42] == ".":
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                        removed.append(entry.path)
    return removed


def discard_quick(quick: Quick) -> None:
    with contextlib.suppress(OSError):
        quick.tmp.unlink()


def c2pa_marker(path: Path, head: bytes | None = None) -> str | None:
    """Name the C2PA / JUMBF container if the file has one (JPEG APP11, PNG caBX chunk)."""
    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    if head[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(head) and head[pos] == 0xFF:
            marker, length = head[pos + 1], int.from_bytes(head[pos + 2 : pos + 4], "big")
            if marker == 0xDA:
                return None
            if marker == 0xEB and b"jumb" in head[pos + 4 : pos + 2 + length]:
                return "JUMBF in APP11"
            pos += 2 + length
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "caBX chunk" if b"caBX" in head else None
    return None


def _check(after: dict[str, Any], s: Staged) -> None:
    """The new file reads without error, says what was planned, and nothing else moved."""
    before, writes = s.record, s.plan.writes
    if after.get("ExifTool:Error"):
        raise RewriteError(f"the rewritten file does not read back: {after['ExifTool:Error']}")
    for w in writes:
        got = after.get(w.tag)
        if not _equal(got, w.new):
            hint = before.get("ExifTool:Warning")
            raise RewriteError(
                f"{w.tag} reads back as {got!r}, planned {w.new!r}: the file holds a copy ExifTool "
                f"does not rewrite{f' (ExifTool: {hint})' if hint else ''}; file left alone"
            )
    planned = {w.tag for w in writes}
    moved = sorted(
        tag
        for tag in set(before) | set(after)
        if tag not in planned
        and not maintained_by_exiftool(tag, before.get(tag))
        and before.get(tag) != after.get(tag)
        and not (before.get(tag) == "" and tag not in after)  # ExifTool drops empty XMP items
    )
    if moved:
        shown = ", ".join(f"{t} ({before.get(t)!r} -> {after.get(t)!r})" for t in moved[:3])
        raise RewriteError(f"the write would also change {shown}; refused, file left alone")
    if s.result.writer == WIREFIX_WRITER:
        # ExifTool's own writes may tidy what it warned about; ours must not add a warning.
        new_warnings = set(_as_list(after.get("ExifTool:Warning"))) - set(
            _as_list(before.get("ExifTool:Warning"))
        )
        if new_warnings:
            raise RewriteError(f"ExifTool warns about the new file: {sorted(new_warnings)[0]}")
    new_method, new_hash = image_data_hash(s.tmp)
    if (new_method, new_hash) != (s.result.image_hash_method, s.result.image_hash_before):
        raise RewriteError("the image data changed during the rewrite; file left alone")


#: Tags that describe the file or its layout, or that ExifTool keeps current on every write.
_MAINTAINED = {"SourceFile", "Photoshop:IPTCDigest", "XMP-x:XMPToolkit"}
_MAINTAINED_GROUPS = ("System:", "File:", "ExifTool:", "Composite:")
_ADDED_WITH_IPTC = {"IPTC:EnvelopeRecordVersion", "IPTC:ApplicationRecordVersion"}


def maintained_by_exiftool(tag: str, old: Any) -> bool:
    """Offsets move when a block grows; record versions are added when IPTC gets a charset."""
    return (
        tag in _MAINTAINED
        or tag.startswith(_MAINTAINED_GROUPS)
        or tag.endswith(("Offset", "Offsets"))
        or (tag in _ADDED_WITH_IPTC and old is None)
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _equal(got: Any, planned: Any) -> bool:
    def norm(v: Any) -> Any:
        if isinstance(v, list):
            return [str(x) for x in v]
        return None if v is None else str(v)

    g, p = norm(got), norm(planned)
    if isinstance(p, list) and not isinstance(g, list) and len(p) == 1:
        return g == p[0]
    return g == p


def _copy_owner_and_mode(st: os.stat_result, target: Path) -> None:
    os.chmod(target, st.st_mode & 0o7777)
    # Only root may give a file away; an unprivileged run keeps its own ownership.
    with contextlib.suppress(PermissionError):
        os.chown(target, st.st_uid, st.st_gid)


def write_durably(path: Path, data: bytes, exclusive: bool = False, sync: bool = True) -> None:
    """Write a new file (`exclusive`: it must not exist yet) and fsync it."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def fsync_all(paths: list[Path]) -> str | None:
    """fsync files and folders (a batch's backups and new files); the first error, or None.
    Runs in a thread beside ExifTool's read of the batch: the waits for the disk overlap the
    reading instead of adding to it."""
    for path in dict.fromkeys(paths):
        try:
            if path.is_dir():
                fsync_dir(path)
            else:
                fsync_file(path)
        except OSError as exc:
            return f"{path}: fsync failed: {exc.strerror or exc}"
    return None


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
