"""Character-level differences between an original message and its perturbed variant."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

DiffOp = Literal["equal", "delete", "insert"]


@dataclass(frozen=True)
class DiffPiece:
    """A run of characters that both texts share (``equal``) or only one has."""

    op: DiffOp
    text: str


def char_diff(original: str, variant: str) -> list[DiffPiece]:
    """The pieces that turn `original` into `variant`, in order (a replace is delete + insert)."""
    matcher = difflib.SequenceMatcher(None, original, variant, autojunk=False)
    pieces: list[DiffPiece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(DiffPiece("equal", original[i1:i2]))
            continue
        if i2 > i1:
            pieces.append(DiffPiece("delete", original[i1:i2]))
        if j2 > j1:
            pieces.append(DiffPiece("insert", variant[j1:j2]))
    return pieces


def inline_diff(original: str, variant: str) -> str:
    """A plain-text rendering: removed text as ``[-x-]``, added text as ``{+y+}``."""
    marks = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
    return "".join(marks[p.op][0] + p.text + marks[p.op][1] for p in char_diff(original, variant))


def changed_characters(original: str, variant: str) -> int:
    """How many characters were removed or added: a rough size of the perturbation."""
    return sum(len(p.text) for p in char_diff(original, variant) if p.op != "equal")
