"""The one place wirefix talks to ExifTool.

pyexiftool starts and stops the long-lived `-stay_open` process. Its `execute()` is replaced
here because (research notes, section 3) it reads with no timeout and busy-loops on EOF, and it
sends every argument as one line of a line-based protocol without checking it. So:

- every call has a deadline; a hung or dead process is killed and restarted, and the call raises
  `ExifToolTimeout` / `ExifToolError` naming the file;
- arguments are our own options, tag names and absolute paths, checked for CR, LF and NUL;
  values from notices and files never become arguments: they go through a JSON file (`-j=`);
- everything is UTF-8, whatever the locale says.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import exiftool as pyexiftool

from wirefix.errors import WirefixError

DEFAULT_TIMEOUT = 60.0
_STARTUP_TIMEOUT = 30.0

# Options given to every command. -charset filename=utf8 keeps non-ASCII paths intact;
# -api LargeFileSupport lets ExifTool handle files over 2 GB instead of failing oddly.
_COMMON_ARGS = ["-charset", "filename=utf8", "-api", "LargeFileSupport=1"]
#: Longest value wirefix writes: EXIF lives in one 64 kB JPEG segment, and no caption is this long.
MAX_VALUE_BYTES = 32_000
_TAG_NAME = re.compile(r"[A-Za-z0-9_\-]+(:[A-Za-z0-9_\-]+)?")


class ExifToolError(WirefixError):
    """ExifTool failed or could not be run; the message names the file when there is one."""


class ExifToolTimeout(ExifToolError):
    """ExifTool did not answer in time; the process was killed and will be restarted."""


class UnsafeArgument(ExifToolError):
    """An argument would break the line-based protocol (CR, LF or NUL) or is not absolute."""


def check_path(path: str | os.PathLike[str]) -> str:
    """Return `path` as an absolute string safe to hand to ExifTool, or raise `UnsafeArgument`.

    A relative path could start with `-` and be read as an option; a line break would start a
    new argument; `#` at the start of a line is a comment in the `-@` protocol.
    """
    text = os.fspath(path)
    if any(ch in text for ch in "\r\n\0"):
        raise UnsafeArgument(f"refusing path with a line break or NUL: {text!r}")
    if not os.path.isabs(text):
        raise UnsafeArgument(f"refusing relative path: {text!r}")
    return text


class _Process(pyexiftool.ExifTool):
    """pyexiftool's process owner with a deadline on every read."""

    def execute(self, *params: str | bytes, raw_bytes: bool = False) -> str:
        """pyexiftool calls this itself (the version check in `run()`): give it a deadline too."""
        args = [p.decode("utf-8") if isinstance(p, bytes) else p for p in params]
        out, err, status = self.execute_with_deadline(args, _STARTUP_TIMEOUT)
        self._last_stdout, self._last_stderr, self._last_status = out, err, status
        return out

    def execute_with_deadline(self, args: Sequence[str], timeout: float) -> tuple[str, str, int]:
        if not self.running:
            raise ExifToolError("ExifTool is not running")
        for arg in args:
            if any(ch in arg for ch in "\r\n\0"):
                raise UnsafeArgument(f"refusing ExifTool argument with a line break: {arg!r}")
        tag = f"{os.getpid()}{time.monotonic_ns() % 1_000_000}"
        ready = f"{{ready{tag}}}".encode()
        post = f"post{tag}".encode()
        status_echo = "=${status}=" + post.decode()
        payload = "\n".join([*args, "-echo4", status_echo, f"-execute{tag}", ""]).encode("utf-8")
        proc = self._process
        assert proc is not None and proc.stdin is not None
        proc.stdin.write(payload)
        proc.stdin.flush()
        deadline = time.monotonic() + timeout
        out = _read_until(proc.stdout.fileno(), ready, deadline)
        err = _read_until(proc.stderr.fileno(), post, deadline)
        stdout = out.decode("utf-8", "replace").strip()[: -len(ready)].strip()
        stderr_all = err.decode("utf-8", "replace").strip()[: -len(post)]
        # stderr ends with "=STATUS="
        body, _, rest = stderr_all.rstrip("=").rpartition("=")
        try:
            status = int(rest)
        except ValueError as exc:
            raise ExifToolError(f"unexpected ExifTool reply: {stderr_all[-200:]!r}") from exc
        return stdout, body.strip(), status


def _read_until(fd: int, marker: bytes, deadline: float) -> bytes:
    chunks: list[bytes] = []
    tail = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while not tail.rstrip().endswith(marker):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ExifToolTimeout("ExifTool did not answer in time")
            if not sel.select(remaining):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise ExifToolError("ExifTool exited unexpectedly")
            chunks.append(chunk)
            tail = (tail + chunk)[-(len(marker) + 64) :]
    return b"".join(chunks)


class ExifTool:
    """A long-lived ExifTool process with timeouts, safe arguments and JSON in and out.

    Use as a context manager, or call `close()`. One instance per worker: it is not thread-safe.
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, executable: str | None = None) -> None:
        self.timeout = timeout
        found = executable or shutil.which("exiftool")
        if not found:
            raise ExifToolError(
                "exiftool not found: install it (Debian: apt-get install libimage-exiftool-perl)"
            )
        self.executable = found
        self._proc: _Process | None = None
        self._version: str | None = None

    def __enter__(self) -> ExifTool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure(self) -> _Process:
        if self._proc is None or not self._proc.running:
            proc = _Process(executable=self.executable, common_args=_COMMON_ARGS, encoding="utf-8")
            proc.run()
            self._proc = proc
        return self._proc

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._proc.terminate(timeout=5)
            except Exception:  # the process may already be gone; nothing to save
                self._kill()
            self._proc = None

    def _kill(self) -> None:
        proc = self._proc
        self._proc = None
        if proc is not None and proc._process is not None:
            try:
                proc._process.kill()
                proc._process.wait(timeout=5)
            except Exception:
                pass
            proc._flag_running_false()

    def run(self, args: Sequence[str], timeout: float | None = None) -> tuple[str, str, int]:
        """Run one command in the long-lived process; returns (stdout, stderr, status)."""
        proc = self._ensure()
        try:
            return proc.execute_with_deadline(args, timeout or self.timeout)
        except (ExifToolError, OSError) as exc:
            if isinstance(exc, UnsafeArgument):
                raise
            self._kill()  # the protocol is out of step or the process hung: start afresh
            if isinstance(exc, ExifToolError):
                raise
            raise ExifToolError(f"ExifTool I/O failed: {exc}") from exc

    @property
    def version(self) -> str:
        if self._version is None:
            out, _, _ = self.run(["-ver"])
            self._version = out.strip()
        return self._version

    def read(
        self,
        paths: Iterable[str | os.PathLike[str]],
        tags: Sequence[str] = (),
        extra: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        """Read metadata as ExifTool JSON (`-G1 -a`, one dict per file, in path order).

        A file ExifTool cannot read comes back with an `ExifTool:Error` key rather than raising,
        so one bad file does not stop a batch.
        """
        checked = [check_path(p) for p in paths]
        if not checked:
            return []
        for tag in tags:
            _check_tag_name(tag)
        args = ["-json", "-G1", "-a", *extra, *[f"-{t}" for t in tags], *checked]
        out, err, status = self.run(args, timeout=self.timeout + 2 * len(checked))
        if not out:
            raise ExifToolError(f"ExifTool read nothing ({err or 'status ' + str(status)})")
        try:
            records = json.loads(out)
        except json.JSONDecodeError as exc:
            raise ExifToolError(f"ExifTool printed invalid JSON: {exc}") from exc
        by_path = {r.get("SourceFile"): r for r in records}
        result = []
        for p in checked:
            rec = by_path.get(p)
            if rec is None:
                rec = {"SourceFile": p, "ExifTool:Error": err.strip() or "not read by ExifTool"}
            result.append(rec)
        return result

    def read_one(self, path: str | os.PathLike[str], extra: Sequence[str] = ()) -> dict[str, Any]:
        return self.read([path], extra=extra)[0]

    def write(self, source: str, target: str, values: dict[str, Any]) -> str:
        """Write `values` (group-1 tag name -> value) from `source` into the new file `target`.

        Values go through a JSON file, so text from notices and files is data, never an argument.
        `target` must not exist: ExifTool writes it (`-o`), the caller verifies and renames it.
        Returns ExifTool's warnings (stderr) so the caller can record them.
        """
        source, target = check_path(source), check_path(target)
        for tag, value in values.items():
            _check_tag_name(tag)
            check_value(tag, value)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", suffix=".json", prefix="wirefix-edit-", delete=False
        ) as fh:
            json.dump([{"SourceFile": "*", **values}], fh, ensure_ascii=False)
            edits = fh.name
        try:
            args = ["-j=" + edits, "-o", target, source]
            out, err, status = self.run(args)
        finally:
            os.unlink(edits)
        if status != 0 or not os.path.exists(target):
            raise ExifToolError(f"ExifTool could not write {source}: {(err or out).strip()}")
        return err


def check_value(tag: str, value: str | list[str]) -> None:
    """Refuse values that cannot be written literally through `-j=`.

    NUL ends a C string inside ExifTool; ExifTool's JSON import decodes a string starting with
    `base64:` into bytes; anything past MAX_VALUE_BYTES would not fit EXIF and is not a caption.
    Newlines, leading `-`, `-@`, `-execute`, `${...}` are plain data in JSON and written as is.
    """
    for item in value if isinstance(value, list) else [value]:
        text = str(item)
        if "\0" in text:
            raise UnsafeArgument(f"refusing to write {tag}: the value contains a NUL byte")
        if text.startswith("base64:"):
            raise UnsafeArgument(
                f"refusing to write {tag}: a value starting with 'base64:' would be decoded by "
                "ExifTool instead of written as text"
            )
        if len(text.encode("utf-8")) > MAX_VALUE_BYTES:
            raise UnsafeArgument(
                f"refusing to write {tag}: value of {len(text.encode('utf-8'))} bytes is over "
                f"the {MAX_VALUE_BYTES}-byte limit"
            )


def _check_tag_name(tag: str) -> None:
    if not _TAG_NAME.fullmatch(tag):
        raise UnsafeArgument(f"refusing tag name {tag!r}")


def exiftool_available() -> bool:
    return shutil.which("exiftool") is not None


def default_executable() -> Path | None:
    found = shutil.which("exiftool")
    return Path(found) if found else None
