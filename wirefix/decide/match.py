"""Stage 2b, match: which indexed files a notice concerns, how sure, and why (SPEC §5).

In the manner of beets' autotagger: each piece of evidence is named, has a configured weight and a
strength in 0..1, and is shown to the user. The score is the sum of the points, clamped to 0..1;
thresholds turn it into `auto` / `review` / `no`, and caps hold it down because precision comes
first (docs/matching.md explains each with an example):

- a correction needs the erroneous value in the file: a file without it is already right (`no`);
- `auto` needs an identifier, or the event date together with a near-identical caption; a name,
  a date, a place, an agency or a story slug never reaches `auto` on its own;
- an identifier whose file was taken on another date than the notice says is a reused reference:
  `no` when another file has both, `review` otherwise;
- a file credited only to another agency is `no` unless an identifier ties it to the notice;
- a notice that is not fully parsed never makes `auto`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from wirefix.agencies import agencies_in, same_agency
from wirefix.model import Candidate, Decision, Evidence, IndexedFile, Notice, nfc
from wirefix.storage.files import norm_name
from wirefix.tagmap import file_stem, norm_key

#: Weights of each kind of evidence (beets' `distance_weights`). Configurable per store.
DEFAULT_WEIGHTS: dict[str, float] = {
    "identifier": 1.0,  # transmission reference / photo id / Getty asset id equal
    "original_filename": 0.6,  # the notice's file name is the file's original name
    "slug": 0.1,  # object name equal: a story slug, shared by many photos
    "erroneous_value": 0.3,  # the value the notice corrects is in the file
    "photographer": 0.1,  # byline names the notice's photographer
    "agency": 0.1,  # credit / source names the notice's agency
    "other_agency": -0.3,  # credit / source name someone else only
    "event_date": 0.25,
    "date_mismatch": -0.6,
    "place": 0.15,  # city or country of the event
    "caption": 0.3,  # times the caption similarity (0..1)
    "rendition": 0.2,  # smaller copy of a file decided `auto`
}

#: Evidence that makes a `no` worth listing (the look-alikes a person may ask about).
_NOTABLE = {"identifier", "original_filename", "slug", "erroneous_value", "photographer", "caption"}
_ID_FIELDS = ("transmission_ref", "image_id")
_NO_STRONG_EVIDENCE = "no identifier, and not the event's date with its caption"


@dataclass(frozen=True)
class MatchConfig:
    """score >= auto_threshold -> `auto` (unless capped); >= review_threshold -> `review`."""

    auto_threshold: float = 0.75
    review_threshold: float = 0.35
    caption_min_similarity: float = 0.6  # below this the caption is no evidence at all
    caption_auto_similarity: float = 0.85  # without an identifier, `auto` needs date + this
    max_candidates: int = 20000
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


def notice_keys(notice: Notice) -> set[tuple[str, str]]:
    """(kind, value) keys of `file_keys` that can tie a file to `notice` (the SQL prefilter)."""
    keys: set[tuple[str, str]] = set()
    for name, value in notice.identifiers.items():
        if not value:
            continue
        if name == "object_name":
            keys.add(("slug", norm_key(value)))
            continue
        keys.add(("id", norm_key(value)))
        keys.add(("fname", file_stem(value)))
    agency = norm_key(notice.agency or "")
    unnamed = False  # a correction whose wrong value names no one: search the event's day
    for correction in notice.corrections:
        if correction.field in ("byline", "credit"):
            # "JOHN DOE/AFP": the person's name, never the agency alone (half the store).
            parts = [norm_key(p) for p in correction.erroneous.replace(",", "/").split("/")]
            names = {("name", p) for p in parts if p and p != agency}
            if correction.field == "byline":
                # A byline is one value even with a "/" in it ("JOHN DOE/JANE ROE"): the index
                # keys it whole, so it is looked up whole as well as by its parts.
                names.add(("name", norm_key(correction.erroneous)))
            keys.update(names)
            unnamed = unnamed or not names
    if notice.photographer:
        keys.add(("name", norm_key(notice.photographer)))
    if notice.event.date and (unnamed or _needs_event_search(notice)):
        keys.add(("date", notice.event.date))
    return {(k, v) for k, v in keys if v}


def _needs_event_search(notice: Notice) -> bool:
    """Files of the event day are searched unless names or identifiers already pin them down."""
    if any(v for k, v in notice.identifiers.items() if k != "object_name"):
        return False
    return notice.kind != "correction" or any(
        c.field not in ("byline", "credit") for c in notice.corrections
    )


def match(
    notice: Notice, files: Iterable[IndexedFile], config: MatchConfig | None = None
) -> list[Candidate]:
    """Score every file against `notice`; candidates best first. `no` candidates with notable
    evidence stay in the list, so the user can see why a look-alike was left alone."""
    config = config or MatchConfig()
    candidates = [_score(notice, f, config) for f in files]
    _reused_identifiers(candidates)
    _link_renditions(candidates, config)
    kept = [c for c in candidates if c.decision != "no" or _NOTABLE & _names(c)]
    kept.sort(key=lambda c: (-c.score, c.file.rel_path))
    return kept


def _names(c: Candidate) -> set[str]:
    return {e.name for e in c.evidence}


def _score(notice: Notice, file: IndexedFile, config: MatchConfig) -> Candidate:
    w = config.weights
    ev: list[Evidence] = []

    def add(name: str, detail: str, strength: float = 1.0) -> None:
        ev.append(Evidence(name, w[name], strength, detail))

    ids = {norm_key(v): k for k, v in notice.identifiers.items() if v and k != "object_name"}
    for fname in _ID_FIELDS:
        hit = next((v for v in file.fields.get(fname, []) if norm_key(v) in ids), None)
        if hit:
            add("identifier", f"{fname} is {hit}")
            break
    stems = {file_stem(v) for v in ids}
    own = [*file.fields.get("original_filename", []), file.rel_path]
    hit = next((v for v in own if file_stem(v) in stems), None)
    if hit:
        add("original_filename", f"original file name {file_stem(hit)}")
    slug = notice.identifiers.get("object_name")
    if slug and any(norm_key(v) == norm_key(slug) for v in file.fields.get("object_name", [])):
        add("slug", f"object name {slug} (a story slug, shared by many photos)")

    carriers = _erroneous_carriers(notice, file)
    if carriers:
        add("erroneous_value", "carries " + "; ".join(carriers))
    if notice.photographer and any(
        norm_key(notice.photographer) == norm_key(v) for v in file.fields.get("byline", [])
    ):
        add("photographer", f"byline is {notice.photographer}")

    credits = file.fields.get("credit", []) + file.fields.get("source", [])
    ours = notice.agencies  # the originator and every distributor that carried the photo
    if ours and credits:
        named = _agencies_credited(credits)
        hit = next((a for a in ours if any(same_agency(a, n) for n in named)), None)
        if hit:
            role = "originator" if hit == notice.agency else "distributor"
            add("agency", f"credit/source names {hit} (the notice's {role})")
        elif named:
            add("other_agency", f"credited to {credits[0]}, not {' or '.join(ours)}")

    dates = sorted(set(file.fields.get("date", [])))
    if notice.event.date and dates and not any(c.field == "date" for c in notice.corrections):
        if notice.event.date in dates:
            add("event_date", f"taken {notice.event.date}")
        else:
            add("date_mismatch", f"taken {dates[0]}, notice says {notice.event.date}")

    place = _place(notice, file)
    if place:
        add("place", f"place {place}")
    similarity = _caption_similarity(notice, file)
    if similarity >= config.caption_min_similarity:
        add("caption", f"caption {similarity:.0%} similar", similarity)
    return _decide(notice, file, ev, config)


def _decide(
    notice: Notice, file: IndexedFile, evidence: list[Evidence], config: MatchConfig
) -> Candidate:
    names = {e.name for e in evidence}
    score = round(max(0.0, min(1.0, sum(e.points for e in evidence))), 4)
    decision: Decision = (
        "auto"
        if score >= config.auto_threshold
        else "review"
        if score >= config.review_threshold
        else "no"
    )
    cap: str | None = None
    identified = bool({"identifier", "original_filename"} & names) and "date_mismatch" not in names
    caption = max((e.strength for e in evidence if e.name == "caption"), default=0.0)
    event = "event_date" in names and caption >= config.caption_auto_similarity
    if notice.kind == "correction" and "erroneous_value" not in names:
        decision, cap = "no", "does not carry the erroneous value: already right or not concerned"
    elif not identified and "other_agency" in names:
        decision, cap = "no", f"credited to another agency than {' or '.join(notice.agencies)}"
    elif decision == "auto" and not identified and not event:
        decision, cap = "review", _NO_STRONG_EVIDENCE
    if decision == "auto" and notice.status != "parsed":
        decision, cap = "review", f"notice is {notice.status}"
    return Candidate(file=file, score=score, decision=decision, evidence=evidence, capped_by=cap)


def _reused_identifiers(candidates: list[Candidate]) -> None:
    """A transmission reference reused on another day names another photo: when some file has
    both the identifier and the notice's date, the others with the identifier are `no`."""
    exact = any({"identifier", "event_date"} <= _names(c) for c in candidates)
    for c in candidates:
        names = _names(c)
        if "identifier" in names and "date_mismatch" in names and c.decision != "auto":
            if exact:
                c.decision, c.capped_by = "no", "identifier reused: another file has it on the date"
            elif c.decision == "no" and c.capped_by is None:
                c.decision, c.capped_by = "review", "identifier equal but the date differs"
    # Without a date in the notice, a reference on photos of different days is ambiguous.
    named = [c for c in candidates if "identifier" in _names(c)]
    days = {tuple(sorted(c.file.fields.get("date", []))) for c in named}
    if len(days) > 1 and not any("event_date" in _names(c) for c in named):
        for c in named:
            if c.decision == "auto":
                c.decision = "review"
                c.capped_by = "identifier on photos of different dates; the notice gives none"


def _agencies_credited(credits: list[str]) -> list[str]:
    """The agencies a file's credit and source fields name, canonical ("AFP PHOTO" -> AFP); a
    credit naming no agency wirefix knows ("Staff", "Jane Doe Photography") stays as written,
    so it still counts as someone else's credit."""
    named: list[str] = []
    for value in credits:
        named.extend(a for a in agencies_in(value) if a not in named)
        if not agencies_in(value) and value.strip():
            named.append(value.strip())
    return named


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
    country = notice.event.country
    if country and any(norm_key(v) == norm_key(country) for v in file.fields.get("country", [])):
        return country
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
    """A smaller copy of an `auto` file (same identifier, or same caption and date at another
    size) is reported as its rendition, and is `auto` too unless a cap says otherwise."""
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
                if c.decision == "review" and c.capped_by == _NO_STRONG_EVIDENCE:
                    c.decision, c.capped_by = "auto", None
                break


def _same_photo(a: IndexedFile, b: IndexedFile) -> bool:
    if (a.width, a.height) == (b.width, b.height):
        return False
    for name in _ID_FIELDS:
        if set(a.fields.get(name, [])) & set(b.fields.get(name, [])):
            return True
    return (
        bool(a.fields.get("caption"))
        and a.fields.get("caption") == b.fields.get("caption")
        and a.fields.get("date") == b.fields.get("date")
    )


def _pixels(f: IndexedFile) -> int:
    return (f.width or 0) * (f.height or 0)
