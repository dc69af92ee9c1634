"""The word lists the perturbations ship with (``data/*.txt``), loaded once per process.

Each list is ``phrase<TAB>replacement`` per line (``#`` starts a comment). A phrase may appear
on several lines: one replacement is then chosen by the seed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from workbench.core.errors import ValidationError


def fold_accents(text: str) -> str:
    """`text` without diacritics, character for character (``é`` → ``e``; length unchanged)."""
    return "".join(unicodedata.normalize("NFD", ch)[0] for ch in text)


class _FoldTable(dict[int, str]):
    """`str.translate` table folding each character to its base letter, filled on demand."""

    def __missing__(self, code: int) -> str:
        base = unicodedata.normalize("NFD", chr(code))[0]
        self[code] = base
        return base


_FOLD = _FoldTable()


def match_form(text: str, *, accents: bool) -> str:
    """Lower-cased `text` (accents folded unless `accents`), character for character."""
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two (İ): keep those as they are
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    low = low.replace("’", "'")
    if accents or low.isascii():
        return low
    return low.translate(_FOLD)


def _key(phrase: str, *, accents: bool) -> str:
    return match_form(phrase, accents=accents)


@dataclass(frozen=True)
class WordList:
    """A compiled list: a regex over lower-cased text and the replacements of each phrase.

    Attributes:
        name: file stem, e.g. ``sms_fr``.
        accent_sensitive: whether ``a`` and ``à`` are different phrases (phonetic lists) or
            the same (SMS lists, where customers often type no accents anyway).
        replacements: lower-cased phrase → its possible replacements, in file order.
        pattern: matches any phrase at word boundaries, longest first.
        max_words: the most words (runs of letters, digits, ``'`` and ``-``) in a phrase.
    """

    name: str
    accent_sensitive: bool
    replacements: dict[str, tuple[str, ...]]
    pattern: re.Pattern[str]
    max_words: int = 1

    def key(self, matched: str) -> str:
        """The lookup key of a matched piece of text."""
        return _key(matched, accents=self.accent_sensitive)


def parse_word_list(name: str, text: str, *, accent_sensitive: bool) -> WordList:
    """Parse a list's text; a malformed line raises `ValidationError` naming the line."""
    replacements: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValidationError(
                f"word list {name}, line {number}: expected 'phrase<TAB>replacement', got {raw!r}"
            )
        key = _key(parts[0].strip(), accents=accent_sensitive)
        replacements.setdefault(key, []).append(parts[1].strip())
    phrases = sorted(replacements, key=len, reverse=True)
    body = "|".join(re.escape(p) for p in phrases)
    pattern = re.compile(rf"(?<![\w'-])(?:{body})(?![\w'-])") if phrases else re.compile(r"(?!)")
    most = max((len(re.findall(r"[\w'-]+", p)) for p in phrases), default=1)
    table = {k: tuple(v) for k, v in replacements.items()}
    return WordList(name, accent_sensitive, table, pattern, most)


@cache
def word_list(name: str) -> WordList:
    """A shipped list by stem: ``sms_fr``, ``sms_en``, ``phonetic_fr``, ``phonetic_en``."""
    text = resources.files("workbench.core.perturb").joinpath(f"data/{name}.txt").read_text("utf-8")
    return parse_word_list(name, text, accent_sensitive=name.startswith("phonetic"))
