"""Per-agency notice recognisers behind one small interface.

A recogniser looks at a notice's text and either returns the `Notice` it reads there or `None`.
Every recogniser is asked; `wirefix.ingest.evidence` weighs their readings (each module's
`SIGNALS`: the agency's own wording) and the best-supported one is the notice. The generic
fallback always answers, so no notice is dropped: what nobody understood is stored as
`unparsed` with the reason.

Adding an agency is adding one module with a `recognise` function and one line below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from wirefix.model import Notice, PublishedPage


@dataclass
class NoticeText:
    """The words of one candidate notice and what its source says about it."""

    text: str
    source: str
    source_kind: str  # text, email, image, newsml, ninjs
    sent_at: str | None = None  # ISO 8601, from the e-mail Date header or the feed item
    subject: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)  # from the carrier's metadata
    # e.g. an image's byline / city; a feed item's pubstatus, signals, provider, language
    metadata: dict[str, str] = field(default_factory=dict)
    # The published page the words were found on (a news site's article): a copy to be fixed.
    page: PublishedPage | None = None


class Recogniser(Protocol):
    def __call__(self, item: NoticeText) -> Notice | None: ...


def recognisers() -> list[Recogniser]:
    """Every recogniser; each reads the notice and `wirefix.ingest.evidence` weighs the readings,
    so the order matters only to break an exact tie (feed status, then agencies, generic last)."""
    from wirefix.ingest.recognisers import afp, ap, epa, feed, generic, getty, reuters

    return [
        feed.recognise,
        getty.recognise,
        afp.recognise,
        ap.recognise,
        reuters.recognise,
        epa.recognise,
        generic.recognise,
    ]
