"""Stage 2b, match: which indexed files a notice concerns, how sure, and why (SPEC §5).

In the manner of beets' autotagger: each piece of evidence is named, has a configured weight and a
strength in 0..1, and is shown to the user. The score is the sum of the points, clamped to 0..1.
The decision then applies caps, because precision comes first:

- a correction needs the erroneous value in the file: a file without it is already right (`no`);
- `auto` needs an identifier, or the event date together with the place or the caption; a name
  alone never reaches `auto`, so a photographer's other photos are never rewritten;
- a date that contradicts the notice counts against the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from wirefix.model import Candidate, Evidence, IndexedFile, Notice, nfc
from wirefix.storage.database import norm_name

#: Weights of each kind of evidence (beets' `distance_weights`). Configurable per store.
DEFAULT_WEIGHTS: dict[str, float] = {
    "identifier": 1.0,
    "erroneous_value": 0.3,
    "agency": 0.1,
    "event_date": 0.25,
    "date_mismatch": -0.6,
    "place": 0.15,
    "caption": 0.3,
    "rendition": 0.2,
}


@dataclass(frozen=True)
class MatchConfig:
    """Thresholds: score >= auto -> `auto` (if no cap applies), >= review -> `review`."""

    auto_threshold: float = 0.75
    review_threshold: float = 0.35
    caption_min_similarity: float = 0.6
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


_ID_FIELDS = ("transmission_ref", "object_name", "original_filename", "image_id")


def match(
    notice: Notice, files: list[IndexedFile], config: MatchConfig | None = None
) -> list[Candidate]:
    """Score every file against `notice`; returns candidates best first (decision `no` included,
    so the user can see why a look-alike was left alone)."""
    config = config or MatchConfig()
    candidates = [_score(notice, f, config) for f in files]
    _link_renditions(candidates, config)
    candidates.sort(key=lambda c: (-c.score, c.file.rel_path))
    return candidates


def _score(notice: Notice, file: IndexedFile, config: MatchConfig) -> Candidate:
    w = config.weights
    evidence: list[Evidence] = []

    ids = {v.casefold() for v in notice.identifiers.values() if v}
    file_ids = {v.casefold(): (name, v) for name in _ID_FIELDS for v in file.fields.get(name, [])}
    shared = sorted(set(file_ids) & ids)
    if shared:
        name, value = file_ids[shared[0]]
        evidence.append(Evidence("identifier", w["identifier"], 1.0, f"{name} is {value}"))

    carriers = _erroneous_carriers(notice, file)
    if carriers:
        evidence.append(
            Evidence("erroneous_value", w["erroneous_value"], 1.0, "carries " + "; ".join(carriers))
        )

    if notice.agency and any(
        notice.agency.casefold() in v.casefold()
        for v in file.fields.get("credit", []) + file.fields.get("source", [])
    ):
        evidence.append(
            Evidence("agency", w["agency"], 1.0, f"credit/source names {notice.agency}")
        )

    file_dates = set(file.fields.get("date", []))
    if notice.event.date and file_dates:
        if notice.event.date in file_dates:
            evidence.append(
                Evidence("event_date", w["event_date"], 1.0, f"taken {notice.event.date}")
            )
        else:
            evidence.append(
                Evidence(
                    "date_mismatch",
                    w["date_mismatch"],
                    1.0,
                    f"taken {sorted(file_dates)[0]}, notice says {notice.event.date}",
                )
            )

    place = _place(notice, file)
    if place:
        evidence.append(Evidence("place", w["place"], 1.0, f"place {place}"))

    similarity = _caption_similarity(notice, file)
    if similarity >= config.caption_min_similarity:
        evidence.append(
            Evidence("caption", w["caption"], similarity, f"caption {similarity:.0%} similar")
        )

    return _decide(notice, file, evidence, config)


def _decide(
    notice: Notice, file: IndexedFile, evidence: list[Evidence], config: MatchConfig
) -> Candidate:
    names = {e.name for e in evidence}
    score = max(0.0, min(1.0, sum(e.points for e in evidence)))
    cap: str | None = None
    if notice.kind == "correction" and "erroneous_value" not in names:
        cap = "does not carry the erroneous value: already right or not concerned"
        decision = "no"
    else:
        decision = (
            "auto"
            if score >= config.auto_threshold
            else "review"
            if score >= config.review_threshold
            else "no"
        )
        strong_event = "event_date" in names and ({"place", "caption"} & names)
        if decision == "auto" and "identifier" not in names and not strong_event:
            decision, cap = "review", "no identifier and no event date with place or caption"
        if decision == "auto" and notice.status != "parsed":
            decision, cap = "review", f"notice is {notice.status}"
    return Candidate(
        file=file, score=round(score, 4), decision=decision, evidence=evidence, capped_by=cap
    )  # type: ignore[arg-type]


def _erroneous_carriers(notice: Notice, file: IndexedFile) -> list[str]:
    """Where in the file the notice's erroneous values appear ("byline ERIC FEFERBERG")."""
    found = []
    for correction in notice.corrections:
        wrong = norm_name(correction.erroneous)
        if not wrong:
            continue
        for name, values in file.fields.items():
            if any(wrong in norm_name(v) for v in values):
                found.append(f"{name} {correction.erroneous}")
    return found


def _place(notice: Notice, file: IndexedFile) -> str | None:
    haystack = norm_name(" ".join(filter(None, [notice.caption, notice.event.city, notice.text])))
    for city in file.fields.get("city", []):
        if len(city) > 2 and norm_name(city) in haystack:
            return city
    return None


def _strip_signoff(text: str) -> str:
    return nfc(text).split(" / ")[0]


def _caption_similarity(notice: Notice, file: IndexedFile) -> float:
    if not notice.caption:
        return 0.0
    ours = _strip_signoff(notice.caption)
    best = 0.0
    for caption in file.fields.get("caption", []):
        best = max(best, fuzz.token_set_ratio(ours, _strip_signoff(caption)) / 100.0)
    return round(best, 3)


def _link_renditions(candidates: list[Candidate], config: MatchConfig) -> None:
    """A smaller copy of a matched photo (same caption and date, other size) is its rendition."""
    matched = [c for c in candidates if c.decision == "auto"]
    for c in candidates:
        for parent in matched:
            if parent is c or not _same_photo(parent.file, c.file):
                continue
            if _pixels(c.file) < _pixels(parent.file):
                c.rendition_of = parent.file.id
                c.evidence.append(
                    Evidence(
                        "rendition",
                        config.weights["rendition"],
                        1.0,
                        f"smaller copy of {parent.file.rel_path}",
                    )
                )
                break


def _same_photo(a: IndexedFile, b: IndexedFile) -> bool:
    return (
        bool(a.fields.get("caption"))
        and a.fields.get("caption") == b.fields.get("caption")
        and a.fields.get("date") == b.fields.get("date")
        and (a.width, a.height) != (b.width, b.height)
    )


def _pixels(f: IndexedFile) -> int:
    return (f.width or 0) * (f.height or 0)
