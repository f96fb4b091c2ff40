"""Facts that every recogniser pulls out of a notice's words: event date, place, urgency, language.

Kept apart from the agency recognisers so that each of them stays about its agency's wording.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from wirefix.ingest.dates import event_date

_URGENCY = re.compile(
    r"\b(?:immediately|immédiatement|inmediatamente|urgent(?:ly)?|as soon as possible|"
    r"without delay|mandatory kill|sans délai)\b",
    re.I,
)


def urgency(text: str) -> str | None:
    """The sentence that carries the agency's urgency wording, as written.

    The keyword is found first and the sentence grown around it: a pattern that matched the
    whole sentence at once would take quadratic time on a long line without full stops.
    """
    m = _URGENCY.search(text)
    if not m:
        return None
    start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
    ends = [i for i in (text.find(".", m.end()), text.find("\n", m.end())) if i >= 0]
    end = min(ends) if ends else len(text)
    return " ".join(text[start:end].split())


#: Languages the recognisers read (AFP writes in English, French and Spanish; the others English).
RECOGNISED_LANGUAGES = frozenset({"en", "fr", "es"})


# The languages agencies and newsrooms write notices in. Identifying among these only (not all
# 97 of the model) keeps a short notice full of names from being called Luxembourgish or Latin.
_NEWS_LANGUAGES = {
    "en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
    "ar": "Arabic", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "cs": "Czech",
    "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian", "el": "Greek", "tr": "Turkish",
    "he": "Hebrew", "fa": "Persian", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
    "fi": "Finnish", "ca": "Catalan", "id": "Indonesian", "vi": "Vietnamese", "th": "Thai",
    "hi": "Hindi", "hr": "Croatian", "sr": "Serbian", "bg": "Bulgarian",
}  # fmt: skip


# Text that says nothing of the language it sits in: bracketed values ("[ERIC FEFERBERG]"),
# words in capitals (names, agency codes, slugs), addresses, numbers and photo ids.
_NOT_LANGUAGE = re.compile(
    r"\[[^\]\n]{0,120}\]|https?://\S+|\S+@\S+|\b[\w-]*\d[\w-]*\b|"
    r"\b[A-ZÀ-Ý][A-ZÀ-Ý'’\-]+\b(?:\s+[A-ZÀ-Ý][A-ZÀ-Ý'’\-]+\b)*"
)


@functools.cache
def _identifier() -> Any:
    """py3langid's model, loaded once per process and only when a notice is read (0.6 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted(_NEWS_LANGUAGES))
    return identifier


@functools.lru_cache(maxsize=64)
def language(text: str) -> str:
    """The notice's language (ISO 639-1), identified by py3langid among the news languages.

    Names, capitals and bracketed values are taken out first; a notice with too few words of
    its own left to tell (a bare "KILL" line) is English, the wire's working language.
    """
    words = _NOT_LANGUAGE.sub(" ", text[:20_000])
    if sum(ch.isalpha() for ch in words) < 12:
        # A notice in capitals throughout: its words, lower-cased (the model knows lower case).
        words = text[:20_000].lower()
        if sum(ch.isalpha() for ch in words) < 12:
            return "en"
    code, _confidence = _identifier().classify(words)
    return str(code)


def language_name(code: str) -> str:
    return _NEWS_LANGUAGES.get(code, code)


_REPLACEMENT = re.compile(
    r"(?P<neg>\bno\b[^.\n]{0,40}|\bnot\b[^.\n]{0,10}|\bpas\s+de\s+|\bsin\s+)?"
    r"\b(?:replacement|remplacement|substitute|sustituci[oó]n|reemplazo|will\s+be\s+replaced|"
    r"sera\s+remplac[ée]e?|ser[aá]\s+sustituid[ao]|REFILED?\s+TO\s+FOLLOW)\b"
    r"(?P<after>[^.\n]{0,40})",
    re.I,
)


def replacement_follows(text: str) -> bool:
    """Whether the agency says a replacement or corrected version will be sent.

    "No replacement will follow" and "will not be replaced" say the opposite, so negations
    right before the word (or "will not" right after it) count against it.
    """
    for m in _REPLACEMENT.finditer(text):
        if m.group("neg") or re.match(r"\s*(?:will|shall)\s+not\b", m.group("after"), re.I):
            continue
        return True
    return False


_TRANSMITTED = re.compile(
    r"\b(?:transmitted|moved|sent|transmise?|transmitida)\s+(?:on\s+|le\s+|el\s+)?", re.I
)


def transmitted(text: str) -> str | None:
    """The date a notice says the photo was transmitted ("transmitted on February 20, 2017")."""
    for m in _TRANSMITTED.finditer(text):
        day = event_date(text[m.end() : m.end() + 40])
        if day:
            return day
    return None
