"""Text normalisation shared by the criteria: accents, apostrophes, punctuation, words.

French replies mix typographic and straight apostrophes, non-breaking spaces before ``!`` and
``?``, and accented capitals; comparisons that should ignore such differences go through here.
"""

from __future__ import annotations

import re
import unicodedata

# Typographic apostrophes and look-alikes that models and keyboards produce for "'".
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'"})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)
_WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*", re.UNICODE)
# Ligatures NFKD leaves alone but people type either way.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def normalize_apostrophes(text: str) -> str:
    """Replace typographic apostrophes (’) with the straight one (')."""
    return text.translate(_APOSTROPHES)


def strip_accents(text: str) -> str:
    """Remove diacritics: ``Hélène, reçu`` → ``Helene, recu`` (NFKD, then drop combining marks)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str) -> str:
    """Case-, accent- and apostrophe-insensitive form, with spaces collapsed."""
    return _SPACES.sub(" ", strip_accents(normalize_apostrophes(text)).casefold()).strip()


def fold_words(text: str) -> str:
    """`fold` and punctuation replaced by spaces: only words and single spaces remain."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", fold(text))).strip()


def words(text: str) -> list[str]:
    """Words of a text; ``aujourd'hui`` and ``peut-être`` count as one word each."""
    return _WORD.findall(normalize_apostrophes(text))


def collapse_spaces(text: str) -> str:
    """Runs of spaces (including non-breaking ones) and newlines become one space."""
    return _SPACES.sub(" ", text).strip()
