"""Plain data passed between the pipeline stages.

notice -> corrections -> candidates -> edit plan -> rewrite -> audit entry.
Nothing here knows about the database or ExifTool, so each stage can be tested alone.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

NoticeKind = Literal["correction", "kill", "advisory"]
NoticeStatus = Literal["parsed", "needs_review", "unparsed"]
Decision = Literal["auto", "review", "no"]
#: What a remediation does to a file of the store.
EditAction = Literal["rewrite", "kill"]
#: How a remediation (or an undo, a restore) ended: the audit entry's `outcome`.
Outcome = Literal["ok", "failed"]
#: What applying a notice did, or would do, to one candidate file.
FileStatus = Literal["planned", "changed", "already-correct", "failed", "skipped"]
#: A person's decision on a `review` candidate, as the reviews table keeps it.
ReviewDecision = Literal["approved", "rejected"]

#: The fields a correction can name (SPEC section 2).
CORRECTION_FIELDS = (
    "byline",
    "credit",
    "caption",
    "date",
    "headline",
    "city",
    "country",
    "copyright",
    "other",
)


def nfc(text: str) -> str:
    """Names come from e-mails, feeds and files in every normal form; compare and store NFC."""
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Correction:
    """One change a notice asks for: in `field`, `erroneous` must become `corrected`."""

    field: str
    erroneous: str
    corrected: str


@dataclass(frozen=True)
class Event:
    """When and where the photo was taken, as the notice says it."""

    date: str | None = None  # ISO 8601 date, e.g. "2017-02-20"
    city: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class PublishedPage:
    """A web page that published the photo with the notice in it: itself a copy to be fixed.

    `found_in` says where on the page the notice was (figcaption, alt, caption, body);
    `image_urls` are the images shown with the notice, `page_image_urls` every image of the page.
    """

    url: str | None = None
    title: str | None = None
    published_at: str | None = None  # the page's own date (ISO 8601), never the event's
    found_in: str | None = None
    image_urls: list[str] = field(default_factory=list)
    page_image_urls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reading:
    """What one recogniser read in a notice and how well the words support it (0..1)."""

    recogniser: str
    agency: str | None
    kind: str
    support: float
    signals: list[str] = field(default_factory=list)


@dataclass
class Notice:
    """One message from an agency, parsed.

    `text` is the notice as received (the part that carried it), kept so that a person can
    always read what the agency said. `caption` is the agency's caption with the correction
    boilerplate removed, when the notice came inside a re-sent caption.

    `agency` is the photo's originator, which issued the notice (AFP); `distributors` are the
    agencies that carried it to the newsroom ("MOHAMAD ABAZEED/AFP/Getty Images": Getty Images).
    `credit_line` is the credit the notice says the photo should carry. `readings` are what each
    recogniser that claimed the words saw, best supported first, so a person can see why.
    """

    agency: str | None
    kind: NoticeKind
    language: str
    corrections: list[Correction]
    identifiers: dict[str, str]
    event: Event
    photographer: str | None
    urgency: str | None
    status: NoticeStatus
    text: str
    source: str
    source_kind: str
    reason: str | None = None
    caption: str | None = None
    replacement_follows: bool = False
    sent_at: str | None = None  # the notice's own date (e-mail Date header), ISO 8601
    # When the agency first transmitted the photo the notice is about ("AP PHOTO TOK801
    # TRANSMITTED JULY 16, 2011"), ISO date; not the event date, which the caption gives.
    transmitted: str | None = None
    distributors: list[str] = field(default_factory=list)
    credit_line: str | None = None
    page: PublishedPage | None = None
    readings: list[Reading] = field(default_factory=list)

    @property
    def agencies(self) -> list[str]:
        """The originator and every distributor: the names a file's credit may rightly carry."""
        return [a for a in [self.agency, *self.distributors] if a]

    @property
    def content_hash(self) -> str:
        """Hash of the notice's words, so the same notice from a file and from its e-mail is one."""
        words = " ".join(nfc(self.text).casefold().split())
        return hashlib.sha256(words.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["content_hash"] = self.content_hash
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notice:
        # Rows stored by older versions lack newer fields (they have defaults); keys this version
        # does not know are dropped rather than refused, so a downgrade can still read them.
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        data["corrections"] = [Correction(**c) for c in data.get("corrections", [])]
        data["event"] = Event(**(data.get("event") or {}))
        if data.get("page") is not None:
            data["page"] = PublishedPage(**data["page"])
        data["readings"] = [Reading(**r) for r in data.get("readings") or []]
        data["distributors"] = list(data.get("distributors") or [])
        return cls(**data)


@dataclass(frozen=True)
class IndexedFile:
    """A file of the media store as the index knows it (matching-relevant fields only)."""

    id: int
    root: str
    rel_path: str
    path: str  # absolute path on this host
    size: int
    fields: dict[str, list[str]]  # index field name -> every distinct value found in EXIF/IPTC/XMP
    width: int | None = None
    height: int | None = None

    def first(self, name: str) -> str | None:
        values = self.fields.get(name) or []
        return values[0] if values else None


@dataclass(frozen=True)
class Evidence:
    """One named reason for (or against) a candidate, with its weight, in the manner of beets."""

    name: str
    weight: float
    strength: float  # 0..1 how strongly this evidence holds; negative weight counts against
    detail: str

    @property
    def points(self) -> float:
        return self.weight * self.strength


@dataclass
class Candidate:
    """A file that may be affected by a notice."""

    file: IndexedFile
    score: float
    decision: Decision
    evidence: list[Evidence]
    rendition_of: int | None = None  # file id of the photo this is a smaller copy of
    capped_by: str | None = None  # why the decision was held below `auto`, if it was

    def reasons(self, limit: int | None = None) -> list[str]:
        ranked = sorted(self.evidence, key=lambda e: abs(e.points), reverse=True)
        return [e.detail for e in ranked[:limit]]


@dataclass(frozen=True)
class TagWrite:
    """One tag the rewrite will set: `tag` is an ExifTool group-1 name such as `IPTC:By-line`."""

    tag: str
    old: str | list[str] | None
    new: str | list[str]
    field: str  # the correction field that caused it, or "cleanup"


@dataclass
class EditPlan:
    """Exactly what a remediation will do to one file."""

    path: str
    action: EditAction
    writes: list[TagWrite] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.action == "rewrite" and not self.writes


@dataclass
class RewriteResult:
    """What happened to one file; becomes one audit entry."""

    path: str
    action: str  # an EditAction, or undo, restore
    outcome: Outcome
    changes: list[TagWrite]
    sha256_before: str | None
    sha256_after: str | None
    image_hash_before: str | None
    image_hash_after: str | None
    image_hash_method: str | None
    backup: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    writer: str | None = None  # who wrote the new file: "wirefix-jpeg" or "exiftool"


def canonical_json(data: Any) -> str:
    """The one serialisation hashed by the audit chain: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
