"""The HTML report's seal: a sha256 of the report itself and the audit head it covers, and the
check of both (`wirefix report --verify FILE`), so a printed or filed report can be shown to be
the one wirefix wrote, from an audit log that still holds what it reported.

A report cannot contain its own hash, so what is hashed is defined exactly: the report file's
bytes (UTF-8, as written) with the 64 hex digits inside its one
`<code id="report-sha256">...</code>` field removed, i.e. the field left blank. The same
check without wirefix is `SHELL_CHECK`: sed blanks the field, sha256sum hashes the rest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from wirefix.audit import chain as audit
from wirefix.storage import Database
from wirefix.storage.database import GENESIS_HASH

FIELD_OPEN, FIELD_CLOSE = '<code id="report-sha256">', "</code>"
BLANK = FIELD_OPEN + FIELD_CLOSE
_FIELD = re.compile(re.escape(FIELD_OPEN) + "([0-9a-f]*)" + re.escape(FIELD_CLOSE))
_HEAD = re.compile(r'id="report-audit-head" data-entries="(\d+)" data-hash="([0-9a-f]{64})"')

#: The check without wirefix: prints the report's hash (field blanked) as sha256sum does.
SHELL_CHECK = (
    'sed \'s/<code id="report-sha256">[0-9a-f]*</<code id="report-sha256"></\' {file} | sha256sum'
)


class SealError(Exception):
    """The file is not a sealed wirefix report; the message says what is missing."""


def digest(blank: str) -> str:
    """sha256 of the report with its hash field blank, as UTF-8 bytes."""
    return hashlib.sha256(blank.encode("utf-8")).hexdigest()


def seal(blank: str) -> str:
    """Fill the one blank hash field of a rendered report with the hash of the whole."""
    if blank.count(FIELD_OPEN) != 1 or blank.count(BLANK) != 1:
        raise SealError("the rendered report must hold exactly one blank report-sha256 field")
    return blank.replace(BLANK, FIELD_OPEN + digest(blank) + FIELD_CLOSE, 1)


@dataclass
class SealCheck:
    """What `wirefix report --verify` found."""

    claimed: str
    actual: str
    head_entries: int
    head_hash: str
    log_entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "report_sha256": self.claimed,
            "computed_sha256": self.actual,
            "audit_head": {"entries": self.head_entries, "hash": self.head_hash},
            "log_entries": self.log_entries,
            "problems": self.problems,
        }


def read_seal(text: str) -> SealCheck:
    """The hash a report claims, the hash it has, and the audit head it says it covers."""
    found = _FIELD.findall(text)
    if text.count(FIELD_OPEN) != 1 or len(found) != 1:
        raise SealError(
            "not a sealed wirefix HTML report: it needs exactly one report-sha256 field"
        )
    head = _HEAD.search(text)
    if head is None:
        raise SealError("not a sealed wirefix HTML report: the audit head it covers is missing")
    claimed = found[0]
    actual = digest(_FIELD.sub(BLANK, text, count=1))
    check = SealCheck(claimed, actual, int(head.group(1)), head.group(2))
    if claimed != actual:
        check.problems.append(
            f"the report was altered after wirefix wrote it: with its hash field blank it hashes "
            f"to {actual}, it says {claimed or '(nothing)'}"
        )
    return check


def verify(db: Database, text: str) -> SealCheck:
    """Check the report's own hash, then that the audit log is intact and still holds the head
    the report covers (entry N with hash H; later entries are fine)."""
    check = read_seal(text)
    report = audit.verify(db)
    check.log_entries = report.entries
    check.problems += [f"audit log: {p}" for p in report.problems]
    n, wanted = check.head_entries, check.head_hash
    if n == 0:
        if wanted != GENESIS_HASH:
            check.problems.append(f"the report covers no entries but names head hash {wanted}")
        return check
    row = db.audit_entry(n)
    if row is None:
        check.problems.append(
            f"the report covers audit entries 1-{n}, the log has {report.entries}: entries "
            "were deleted, or the report comes from another database"
        )
    elif row.entry_hash != wanted:
        check.problems.append(
            f"audit entry {n} has hash {row.entry_hash}, the report covers {wanted}: the log "
            "was rewritten since, or the report comes from another database"
        )
    return check
