"""Which language a text is written in, offline, with lingua.

Building a lingua detector loads its n-gram models (slow, and memory grows with every language),
so one detector is built per set of languages, on first use, and reused: `detector_for` caches
it. The set is restricted to the languages that matter here — the usual languages of European
customer support plus any a persona or rubric names — which keeps detection fast and lets a
reply in, say, Spanish be recognised as *not* French rather than forced into French.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lingua is imported on first use only
    from lingua import LanguageDetector

BASE_LANGUAGES = frozenset({"en", "fr", "es", "de", "it", "pt", "nl"})
"""ISO 639-1 codes always in the detector, so "another language" has somewhere to go."""

MIN_WORDS = 3
"""Below this many letters-bearing words a language guess is not worth reporting."""


@dataclass(frozen=True)
class LanguageGuess:
    """The most likely language of a text (ISO 639-1, lower case) and lingua's confidence."""

    code: str
    confidence: float


class UnknownLanguageError(ValueError):
    """A language code lingua does not know."""


@functools.cache
def detector_for(codes: frozenset[str]) -> LanguageDetector:
    """The lingua detector for these ISO 639-1 codes, built once per set (cached)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = []
    for code in sorted(codes):
        try:
            iso = getattr(IsoCode639_1, code.upper())
        except AttributeError:
            raise UnknownLanguageError(f"unknown language code {code!r}") from None
        languages.append(Language.from_iso_code_639_1(iso))
    return LanguageDetectorBuilder.from_languages(*languages).build()


def check_codes(codes: Iterable[str]) -> None:
    """Raise `UnknownLanguageError` for a code lingua does not know (without building)."""
    from lingua import IsoCode639_1

    for code in codes:
        if not isinstance(code, str) or not hasattr(IsoCode639_1, code.upper()):
            raise UnknownLanguageError(f"unknown language code {code!r}")


def detect_language(text: str, extra: Iterable[str] = ()) -> LanguageGuess | None:
    """The language of `text`, or None when it is too short or lingua cannot tell."""
    return _detect(text, frozenset(code.lower() for code in extra))


@functools.lru_cache(maxsize=2048)
def _detect(text: str, extra: frozenset[str]) -> LanguageGuess | None:
    # Cached: a run asks for the language of the same customer message once per column.
    if sum(1 for word in text.split() if any(char.isalpha() for char in word)) < MIN_WORDS:
        return None
    detector = detector_for(BASE_LANGUAGES | extra)
    values = detector.compute_language_confidence_values(text)
    if not values:
        return None
    best = values[0]
    return LanguageGuess(best.language.iso_code_639_1.name.lower(), float(best.value))
