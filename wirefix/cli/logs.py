"""Logging for services and scheduled runs: plain text for people, JSON lines for collectors."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed with `extra=` and belongs in the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class Plain(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD)
        when = datetime.now().strftime("%H:%M:%S")
        base = f"{when} {record.levelname.lower()} {record.getMessage()}"
        return f"{base} {extras}".rstrip()


def setup(fmt: str = "text", level: int = logging.INFO) -> None:
    """Send wirefix's logs to stderr, as text or as JSON lines (`--log-format json`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if fmt == "json" else Plain())
    root = logging.getLogger("wirefix")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
