"""Per-agency notice recognisers behind one small interface.

A recogniser looks at a notice's text and either returns the `Notice` it reads there or `None`.
They are tried in `RECOGNISERS` order; the generic fallback comes last and always answers, so no
notice is dropped: what nobody understood is stored as `unparsed` with the reason.

Adding an agency is adding one module with a `recognise` function and one line below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from wirefix.model import Notice


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


class Recogniser(Protocol):
    def __call__(self, item: NoticeText) -> Notice | None: ...


def recognisers() -> list[Recogniser]:
    """In order: feed status first (it is the agency's own machine-readable word), Getty before
    AFP (Getty redistributes "AFP via Getty Images" photos under its own notices), the generic
    fallback last."""
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
