"""Which reading of a notice the words support best, and the facts every reading shares.

Every recogniser that claims a notice gives its reading; none wins by coming first. Each reading
is weighed by what the words show for it: the agency's own wording (AFP's correction boilerplate,
an AP transmission reference, a Reuters USN: each module's `SIGNALS`), whether the credit chain
names that agency as the photo's originator or only as a distributor, and whether the reading
found something to act on. The best-supported reading is the notice; when a reading close behind
it says something else (another kind, other corrections), the notice goes to a person
(`needs_review`) with both readings named, rather than being silently wrong.

Then one facts pass, shared by all agencies, completes the notice from the credits: originator
and distributors, the photographer and credit line the notice gives, and the field of an
"[X] instead of [Y]" pair whose name is the caption's sign-off (a byline, not "other").
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from wirefix.agencies import agencies_in
from wirefix.ingest import dates
from wirefix.ingest.credits import Credits, agency_name, credit_names
from wirefix.model import Correction, Event, Notice, Reading, nfc


@dataclass(frozen=True)
class Signal:
    """Words that show a notice is this agency's own, and how much they count."""

    pattern: re.Pattern[str]
    weight: float
    label: str


#: What a reading starts with: an agency's recogniser knows its wording, the fallback does not;
#: a feed item's status is the agency's machine-readable word.
BASE_SUPPORT = {"feed": 0.6, "generic": 0.05}
AGENCY_BASE = 0.2
ORIGINATOR = 0.3  # the credit chain names this agency as the photo's maker
DISTRIBUTOR_ONLY = -0.2  # the credit chain names it only as a carrier of another's photo
ACTIONABLE = 0.1  # the reading found corrections or identifiers to act on
#: A reading this close behind the best one, saying something else, is a conflict.
CONFLICT_MARGIN = 0.2


def recogniser_name(fn: Callable[..., object]) -> str:
    return getattr(fn, "__module__", "").rsplit(".", 1)[-1] or getattr(fn, "__name__", "?")


def _signals_of(fn: Callable[..., object]) -> Sequence[Signal]:
    module = sys.modules.get(getattr(fn, "__module__", ""))
    return getattr(module, "SIGNALS", ())


def weigh(fn: Callable[..., object], notice: Notice, text: str, credits: Credits) -> Reading:
    """How well the words support `notice` as read by recogniser `fn`."""
    name = recogniser_name(fn)
    support = BASE_SUPPORT.get(name, AGENCY_BASE)
    seen: list[str] = []
    for signal in _signals_of(fn):
        if signal.pattern.search(text):
            support += signal.weight
            seen.append(signal.label)
    if notice.agency and credits.originator:
        if notice.agency == credits.originator:
            support += ORIGINATOR
            seen.append(f"the credit names {notice.agency} as the photo's originator")
        elif notice.agency in credits.distributors:
            support += DISTRIBUTOR_ONLY
            seen.append(
                f"the credit names {notice.agency} only as a distributor of "
                f"{credits.originator}'s photo"
            )
    if notice.status == "parsed" and (notice.corrections or notice.identifiers):
        support += ACTIONABLE
        seen.append("found " + ("corrections" if notice.corrections else "identifiers"))
    return Reading(
        recogniser=name,
        agency=notice.agency,
        kind=notice.kind,
        support=round(max(0.0, min(1.0, support)), 3),
        signals=seen,
    )


def _pairs(notice: Notice) -> set[tuple[str, str]]:
    return {(c.erroneous.casefold(), c.corrected.casefold()) for c in notice.corrections}


def _says(notice: Notice) -> str:
    pairs = "; ".join(f"{c.erroneous} -> {c.corrected}" for c in notice.corrections)
    return f"{notice.kind}" + (f" ({pairs})" if pairs else "")


def choose(readings: list[tuple[Reading, Notice]], failures: list[str]) -> Notice:
    """The best-supported reading, flagged for a person when a close one disagrees."""
    ranked = sorted(readings, key=lambda rn: -rn[0].support)
    best_reading, best = ranked[0]
    conflicts = [
        (r, n)
        for r, n in ranked[1:]
        if r.recogniser != "generic"
        and r.agency != best.agency
        and best_reading.support - r.support < CONFLICT_MARGIN
        and (n.kind != best.kind or (_pairs(n) and _pairs(n) != _pairs(best)))
    ]
    # Identifiers any agreeing reading found name the same photo (an AFP number, a Getty AssetID).
    ids = dict(best.identifiers)
    for r, n in ranked[1:]:
        if (r, n) in conflicts or n.kind != best.kind:
            continue
        for key, value in n.identifiers.items():
            if value not in ids.values():
                ids.setdefault(key, value)
    notice = replace(best, identifiers=ids, readings=[r for r, _ in ranked])
    if conflicts:
        others = "; ".join(
            f"{r.agency or r.recogniser} reads {_says(n)} (support {r.support:.2f})"
            for r, n in conflicts
        )
        notice = replace(
            notice,
            status="needs_review",
            reason=f"readings disagree: {best.agency or best_reading.recogniser} reads "
            f"{_says(best)} (support {best_reading.support:.2f}); {others}",
        )
    if failures and notice.status == "parsed":
        notice = replace(notice, status="needs_review", reason="; ".join(failures))
    return notice


def _same(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _tagged(read: str, name: str) -> bool:
    """ "Priyanka Deshmukh-Rao TPX IMAGES OF THE DAY" is `name` with a wire tag after it."""
    rest = read[len(name) :].split() if read.startswith(name) and read != name else []
    return bool(rest) and all(w.isupper() and len(w) > 1 for w in rest)


def _field_of(c: Correction, signed: list[str], notice: Notice) -> str:
    """The field of a pair the words did not name ("[X] instead of [Y]").

    A byline when the name is the caption's sign-off or the notice speaks of the photographer;
    a credit when both sides are credit lines ("X/AFP/Getty Images"); a date when they are
    dates; the city or country when the right value is the caption's place; a caption when the
    notice names its photographer and the pair is about someone or something else in it.
    """
    named = any(_same(c.corrected, s) or _same(c.erroneous, s) for s in signed)
    if c.field == "byline" and signed and not named and not _PHOTOGRAPHER_WORDS.search(notice.text):
        # "CORRECTS SPELLING OF SURNAME TO KOWALCZYK" in a photo signed by someone else: the
        # name is of a person in the picture, corrected in the caption.
        return "caption"
    if c.field != "other":
        return c.field
    if named:
        return "byline"
    person = not any(ch.isdigit() for ch in c.corrected + c.erroneous)
    if person and _PHOTOGRAPHER_WORDS.search(notice.text):
        return "byline"
    if agencies_in(c.corrected) and agencies_in(c.erroneous) and "/" in c.corrected + c.erroneous:
        return "credit"
    if dates.event_date(c.corrected) and dates.event_date(c.erroneous):
        return "date"
    place = _PREPOSITION.sub("", c.corrected)
    if _same(place, notice.event.city) or _PLACE_WORDS.search(notice.text):
        return "city"
    if _same(place, notice.event.country):
        return "country"
    if signed or (notice.caption and c.corrected in notice.caption):
        return "caption"
    return "other"


_PREPOSITION = re.compile(r"^(?:à|a|in|en|em|au|aux|bei|im|near|at)\s+", re.I)
# Words that say a notice is about where the photo was taken.
_PLACE_WORDS = re.compile(
    r"place\s*name|plaatsnaam|località|localidade|\bOrtsname|\blieu\b|dateline|地点|地名",
    re.I,
)


# Words that say a notice is about who took the photo (not "name", which names anything).
_PHOTOGRAPHER_WORDS = re.compile(
    r"photographer|\bbyline|\bby-line|fot[oó]grafo|\bFotografen?\b|fotograaf|photographe|摄影|署名|"
    r"\bfirmat[ao]\b|사진기자|カメラマン",
    re.I,
)


def complete(notice: Notice, credits: Credits, signed: list[str]) -> Notice:
    """Originator, distributors, credit line, photographer and pair fields from the credits.

    `signed` are the names the notice's credits and caption sign-offs give for the photographer.
    """
    agency = notice.agency
    issuer = agency
    if credits.originator and (
        agency is None or agency == credits.originator or agency in credits.distributors
    ):
        agency = credits.originator
    distributors = [d for d in credits.distributors if d != agency]
    if issuer and issuer != agency and issuer not in distributors:
        distributors.append(issuer)

    corrections = [
        Correction(_field_of(c, signed, notice), c.erroneous, c.corrected)
        for c in notice.corrections
    ]
    byline = next((c for c in corrections if c.field == "byline"), None)
    credit_line = credits.credit_line
    if (
        byline
        and credit_line
        and byline.corrected.casefold() in credit_line.casefold()
        and not any(c.field == "credit" for c in corrections)
    ):
        # "Photo credit should read MOHAMAD ABAZEED/AFP/Getty Images": the credit carried the
        # wrong name too, so it is corrected as a whole where a file holds it that way.
        wrong_credit = re.sub(re.escape(byline.corrected), byline.erroneous, credit_line,
                              flags=re.I)  # fmt: skip
        corrections.append(Correction("credit", nfc(wrong_credit), credit_line))

    photographer = notice.photographer
    if byline and not _same(photographer, byline.corrected):
        photographer = byline.corrected
        if "/" in photographer:  # "EFE/Sebastián Iturralde": the name, not the credit line
            named = credit_names(photographer)
            photographer = named[0] if named else photographer
    elif credits.photographer and (
        not photographer
        or agency_name(photographer)
        # "Priyanka Deshmukh-Rao TPX IMAGES OF THE DAY": the credit's reading is the name alone
        or _tagged(photographer, credits.photographer)
    ):
        photographer = credits.photographer
    if photographer and agency_name(photographer):
        photographer = None  # "AFP" is an agency, never a photographer
    return replace(
        notice,
        agency=agency,
        distributors=distributors,
        credit_line=credit_line or notice.credit_line,
        corrections=corrections,
        photographer=photographer,
        identifiers=_identifiers_in(notice.text, notice.identifiers),
        event=_event_after(notice.event, corrections),
    )


# Identifiers any notice may carry, whoever's reading won: an AFP photo number, a Getty id
# ("Editorial #: 1923456780", "Asset ID"), a Reuters USN. Their shapes are unmistakable.
_IDS = (
    ("afp_id", re.compile(r"\b000_[A-Z0-9]{5,12}\b")),
    # "Transmission reference: WAR105", "AP PHOTO ELIMINATION: LON811", "la foto NAP-0512",
    # "EFE FOTOS - VAL2281": a photo desk's reference, named as such.
    ("transmission_ref", re.compile(
        r"\b(?:transmission\s+reference|(?:photo|foto|fotograf[ií]a|picture|image|imagen|immagine)s?"
        r"(?:\s+(?:elimination|eliminación|de\s+referencia|ref(?:erence)?|n[°º]|no\.?|number))?)"
        r"\s*[:#-]?\s*(?P<ref>[A-Z]{2,6}-?\d{2,5}[A-Z]{0,3})\b", re.I)),
    ("getty_id", re.compile(
        r"\b(?:Asset\s*ID|Image\s*#|(?:Getty\s+Images\s+)?(?:Editorial|Creative)\s*(?:#|No\.?|ID))"
        r"\s*[:#]?\s*(\d{6,12})\b", re.I)),
    ("usn", re.compile(r"\b(?=[A-Z0-9]*\d)RC[A-Z0-9]{10}\b")),
)  # fmt: skip


def _identifiers_in(text: str, ids: dict[str, str]) -> dict[str, str]:
    found = dict(ids)
    # A feed's own names ("altid_afp", "guid") for an AFP number or a USN get the usual name too.
    carried = " ".join(ids.values())
    for key, pattern in _IDS[:1] + _IDS[3:]:
        for m in pattern.finditer(carried):
            found.setdefault(key, m.group(0))
    for key, pattern in _IDS:
        for m in pattern.finditer(text):
            value = m.group(m.lastindex or 0) if pattern.groups else m.group(0)
            if key == "transmission_ref" and not (
                value.isupper() and any(c.isdigit() for c in value)
            ):
                continue  # "photo number 12": a reference has capitals and digits
            if value not in found.values():
                n = sum(1 for k in found if k == key or k.startswith(key + "_"))
                found[key if n == 0 else f"{key}_{n + 1}"] = value
    return found


def _event_after(event: Event, corrections: list[Correction]) -> Event:
    """A date correction says when the photo was taken: its right value is the event date (the
    first date in the words may be the wrong one it corrects)."""
    for c in corrections:
        if c.field == "date":
            right = dates.event_date(c.corrected)
            if right:
                return replace(event, date=right)
    return event
