"""Word-level highlighting of two answers, for reading them side by side.

Model answers are paragraphs, often one long line each, so a line diff marks everything as
changed. Comparing word by word (whitespace kept) shows exactly which words differ: removed
words are tinted on the left, added ones on the right, and the rest reads normally.
"""

from __future__ import annotations

import difflib
import re
from html import escape

_TOKENS = re.compile(r"\s+|[^\s]+")
_LEFT = "background-color: rgba(220, 60, 60, 0.28);"
_RIGHT = "background-color: rgba(40, 160, 80, 0.28);"


def word_diff_html(left: str, right: str) -> tuple[str, str]:
    """HTML of both texts with the words only one side has highlighted (newlines kept)."""
    a, b = _TOKENS.findall(left), _TOKENS.findall(right)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    left_parts: list[str] = []
    right_parts: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            left_parts.append(_html(old))
            right_parts.append(_html(new))
            continue
        if old:
            left_parts.append(f"<span style='{_LEFT}'>{_html(old)}</span>")
        if new:
            right_parts.append(f"<span style='{_RIGHT}'>{_html(new)}</span>")
    return "".join(left_parts), "".join(right_parts)


def _html(text: str) -> str:
    return escape(text).replace("\n", "<br/>")
