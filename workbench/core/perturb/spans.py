"""Protected spans: the parts of a message a perturbation must never touch.

Order numbers, tracking numbers, e-mail addresses, amounts, URLs and any value a dataset marks
as protected stay byte for byte as they were, so the facts a rubric checks stay checkable.
Detection is deliberately generous: any token that contains a digit is protected (order and
tracking numbers, dates, times, phone numbers, postcodes), because a false "protected" only
means a few characters are not perturbed, while a false "free" could break an expected fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+", re.IGNORECASE)
# The look-behinds start a match only at the beginning of a token: without them the engine
# retries from every character inside each word, which made detection quadratic per word.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CURRENCY = r"(?:€|\$|£|¥|EUR|USD|GBP|CHF|CAD|euros?|dollars?|pounds?)"
_NUMBER = r"\d[\d.,']*(?:[\s\u00a0\u202f]\d{3})*(?:[.,]\d+)?"
_AMOUNT = re.compile(
    rf"[$€£¥][\s\u00a0]?{_NUMBER}|{_NUMBER}[\s\u00a0\u202f]?{_CURRENCY}(?!\w)", re.IGNORECASE
)
# A token with at least one digit: ML-104522, 6A23918475520, 1Z999AA10123456784, 04/11, 10h30.
_DIGIT_TOKEN = re.compile(r"(?<![\w#/.:+-])[\w#/.:+-]*\d[\w#/.:+-]*")
_HAS_DIGIT = re.compile(r"\d")
_TRAILING = ".,;:!?)]}»\"'’"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop sentence punctuation caught at the end of a URL or a token."""
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return start, end


def protected_spans(text: str, protected: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Sorted, merged ``(start, end)`` spans of `text` that must stay unchanged.

    Args:
        text: the message.
        protected: literal values that must stay intact wherever they appear (matched without
            regard to case), e.g. a dataset row's expected facts or protected fields.
    """
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    # Cheap guards first: most messages have no URL or e-mail, and many no digit at all.
    patterns = [
        pattern
        for pattern, needed in (
            (_URL, "http" in lowered or "www." in lowered),
            (_EMAIL, "@" in text),
            (_AMOUNT, _HAS_DIGIT.search(text) is not None),
        )
        if needed
    ]
    if _AMOUNT in patterns:
        patterns.append(_DIGIT_TOKEN)
    for pattern in patterns:
        for match in pattern.finditer(text):
            start, end = _trim(text, match.start(), match.end())
            if end > start:
                spans.append((start, end))
    folded = text.casefold()
    same_length = len(folded) == len(text)
    for value in protected:
        value = value.strip()
        if len(value) < 2:
            continue
        haystack, needle = (folded, value.casefold()) if same_length else (text, value)
        start = haystack.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = haystack.find(needle, start + 1)
    return merge_spans(spans)


def merge_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans merged, sorted by start."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def split_protected(text: str, protected: Iterable[str] = ()) -> list[tuple[str, bool]]:
    """`text` cut into ``(piece, is_protected)`` pieces that join back to `text`."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in protected_spans(text, protected):
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces
