"""The perturbations: how customers really write, as pure seeded functions of a text.

Each perturbation takes the free (unprotected) pieces of a message and an intensity between 0
and 1, and draws every random choice from one `random.Random` seeded from the caller's seed,
the perturbation's name, the intensity and the text itself — so the same inputs always give
the same output, on every machine and Python run, and two different messages perturbed with
the same seed do not get the same pattern of mistakes.

Intensity means, per kind: the probability that each eligible character (accents, typos,
letters), word or phrase (sms, phonetic), sentence (caps) or punctuation mark (punctuation)
is changed. Intensity 0 leaves the text unchanged.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from workbench.core.errors import ValidationError
from workbench.core.perturb.language import detect_language, normalise_language
from workbench.core.perturb.spans import split_protected
from workbench.core.perturb.wordlists import WordList, match_form, word_list

# Keyboard rows, left to right; each row sits about half a key to the right of the one above.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "azerty": ("azertyuiop", "qsdfghjklm", "wxcvbn"),
    "qwerty": ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
}
LAYOUT_OF_LANGUAGE = {"fr": "azerty", "en": "qwerty"}


def _neighbours(rows: Sequence[str]) -> dict[str, str]:
    """Each key's physical neighbours: left, right, and the touching keys above and below."""
    result: dict[str, str] = {}
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            near = [(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c)]
            result[key] = "".join(
                rows[i][j] for i, j in near if 0 <= i < len(rows) and 0 <= j < len(rows[i])
            )
    return result


NEIGHBOURS = {name: _neighbours(rows) for name, rows in LAYOUTS.items()}


@dataclass(frozen=True)
class Perturbation:
    """One kind of perturbation.

    Attributes:
        name: the name used on the command line and in tags (``noise:<name>``).
        description: one line for help texts and the GUI.
        default_intensity: used when the user gives none.
    """

    name: str
    description: str
    default_intensity: float
    apply: Callable[[str, float, random.Random, str], str]


def _case_like(source: str, replacement: str) -> str:
    """`replacement` in the case pattern of `source` (ALL CAPS, Capitalised, or as is)."""
    letters = [ch for ch in source if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return replacement.upper()
    if letters and source[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _strip_accents(text: str, intensity: float, rng: random.Random, language: str) -> str:
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        if ch in "œŒæÆ":
            expanded = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}[ch]
            out.append(expanded if rng.random() < intensity else ch)
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        if len(decomposed) > 1 and decomposed[0].isascii() and rng.random() < intensity:
            out.append(decomposed[0])
        else:
            out.append(ch)
    return "".join(out)


def _picked(count: int, intensity: float, rng: random.Random) -> list[int]:
    """Positions among `count` eligible ones, each picked with probability `intensity`.

    Draws the gaps between picks (geometric distribution) instead of one number per position,
    so a 5 % typo rate costs about one random draw per twenty letters.
    """
    if intensity >= 1:
        return list(range(count))
    log_miss = math.log1p(-intensity)
    picked: list[int] = []
    position = -1
    while True:
        gap = math.log(1.0 - rng.random()) / log_miss  # may be huge (or inf) at tiny rates
        if position + 1 + gap >= count:
            return picked
        position += 1 + int(gap)
        picked.append(position)


def _keyboard_typos(text: str, intensity: float, rng: random.Random, language: str) -> str:
    neighbours = NEIGHBOURS[LAYOUT_OF_LANGUAGE.get(language, "azerty")]
    eligible = [i for i, ch in enumerate(text) if ch.lower() in neighbours]
    chars = list(text)
    for pick in _picked(len(eligible), intensity, rng):
        i = eligible[pick]
        typo = rng.choice(neighbours[chars[i].lower()])
        chars[i] = typo.upper() if chars[i].isupper() else typo
    return "".join(chars)


def _letter_slips(text: str, intensity: float, rng: random.Random, language: str) -> str:
    eligible = [i for i, ch in enumerate(text) if ch.isalpha()]
    chars: list[str] = list(text)
    swapped: set[int] = set()
    for pick in _picked(len(eligible), intensity, rng):
        i = eligible[pick]
        if i in swapped:
            continue  # this letter already moved with its neighbour
        ch = text[i]
        action = rng.choice(("drop", "double", "swap"))
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if action == "swap" and nxt.isalpha() and nxt.lower() != ch.lower():
            chars[i], chars[i + 1] = nxt, ch
            swapped.add(i + 1)
        elif action == "drop":
            chars[i] = ""
        else:
            chars[i] = ch + ch  # a double, or a swap with nothing to swap with
    return "".join(chars)


_TOKEN = re.compile(r"[\w'-]+")


def _replace_words(text: str, intensity: float, rng: random.Random, words: WordList) -> str:
    form = match_form(text, accents=words.accent_sensitive)
    tokens = [m.span() for m in _TOKEN.finditer(form)]
    # reach[i]: how many words from i on are joined by single spaces (a phrase may span them).
    reach = [1] * len(tokens)
    for j in range(len(tokens) - 2, -1, -1):
        if form[tokens[j][1] : tokens[j + 1][0]] == " ":
            reach[j] = reach[j + 1] + 1
    replacements = words.replacements
    out = []
    position = 0
    i = 0
    while i < len(tokens):
        matched = 1
        start = tokens[i][0]
        for n in range(min(words.max_words, reach[i]), 0, -1):
            end = tokens[i + n - 1][1]
            choices = replacements.get(form[start:end])
            if choices:
                matched = n
                if rng.random() < intensity:
                    out.append(text[position:start])
                    out.append(_case_like(text[start:end], rng.choice(choices)))
                    position = end
                break
        i += matched
    out.append(text[position:])
    return "".join(out)


def _sms(text: str, intensity: float, rng: random.Random, language: str) -> str:
    return _replace_words(text, intensity, rng, word_list(f"sms_{language}"))


def _phonetic(text: str, intensity: float, rng: random.Random, language: str) -> str:
    return _replace_words(text, intensity, rng, word_list(f"phonetic_{language}"))


_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*|[.!?\n]+")


def _capitals(text: str, intensity: float, rng: random.Random, language: str) -> str:
    if intensity >= 1:
        return text.upper()
    return "".join(
        part.upper() if rng.random() < intensity else part
        for part in (m.group() for m in _SENTENCE.finditer(text))
    )


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def _punctuation(text: str, intensity: float, rng: random.Random, language: str) -> str:
    kept: list[str] = []
    skip_space = False
    for i, ch in enumerate(text):
        if skip_space and ch == " ":
            skip_space = False
            continue
        skip_space = False
        if _is_punctuation(ch) and rng.random() < intensity:
            # "Merci ! Au revoir" → "Merci Au revoir", not "Merci  Au revoir".
            before_is_gap = not kept or kept[-1] == " "
            after_is_gap = i + 1 < len(text) and text[i + 1] == " "
            skip_space = before_is_gap and after_is_gap and bool(kept)
            continue
        kept.append(ch)
    return "".join(kept)


PERTURBATIONS: dict[str, Perturbation] = {
    p.name: p
    for p in (
        Perturbation("accents", "accents removed (numéro → numero)", 1.0, _strip_accents),
        Perturbation(
            "typos",
            "neighbouring-key typos (AZERTY for French, QWERTY for English)",
            0.05,
            _keyboard_typos,
        ),
        Perturbation("letters", "letters dropped, doubled or swapped", 0.05, _letter_slips),
        Perturbation("sms", "SMS-speak and abbreviations (bonjour → bjr, please → pls)", 1.0, _sms),
        Perturbation("caps", "written in capitals", 1.0, _capitals),
        Perturbation(
            "punctuation", "punctuation and apostrophes removed (j'ai → jai)", 1.0, _punctuation
        ),
        Perturbation(
            "phonetic", "frequent phonetic misspellings (commande → comande, a/à)", 0.5, _phonetic
        ),
    )
}


def _needs_model(text: str, intensity: float, rng: random.Random, language: str) -> str:
    raise ValidationError(
        "the paraphrase perturbation asks a model: it runs through the engine"
        " (workbench.app.paraphrase), not through perturb_text"
    )


MODEL_PERTURBATIONS: dict[str, Perturbation] = {
    "paraphrase": Perturbation(
        "paraphrase",
        "rewritten by a model the way a real customer would write it, facts kept"
        " (needs a model: --perturb-model)",
        1.0,
        _needs_model,
    ),
}
"""Perturbations made by a model call (cached, budgeted): not available to `perturb_text`."""
ALL_PERTURBATIONS: dict[str, Perturbation] = {**PERTURBATIONS, **MODEL_PERTURBATIONS}


def perturbation_names() -> tuple[str, ...]:
    """The valid perturbation names, in their documented order (model-based ones last)."""
    return tuple(ALL_PERTURBATIONS)


def check_kind(kind: str) -> Perturbation:
    """The perturbation called `kind`; a `ValidationError` naming the valid ones otherwise."""
    found = ALL_PERTURBATIONS.get(kind.strip().lower())
    if found is None:
        raise ValidationError(
            f"unknown perturbation '{kind}': choose from {', '.join(ALL_PERTURBATIONS)}"
        )
    return found


def check_intensity(kind: str, intensity: float) -> float:
    """`intensity` if it lies in 0–1; a `ValidationError` naming the perturbation otherwise."""
    if not 0.0 <= intensity <= 1.0 or intensity != intensity:  # NaN fails both
        raise ValidationError(
            f"intensity {intensity:g} of perturbation '{kind}' is outside 0–1"
            f" (valid perturbations: {', '.join(ALL_PERTURBATIONS)})"
        )
    return float(intensity)


def derive_seed(seed: int, *parts: object) -> int:
    """A 64-bit seed from `seed` and any parts, identical on every machine and run."""
    text = "\x1f".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def perturb_text(
    text: str,
    kind: str,
    intensity: float | None = None,
    seed: int = 0,
    language: str | None = None,
    protected: Iterable[str] = (),
) -> str:
    """`text` as a customer might have written it, with protected spans left intact.

    This is the one entry point for any caller (dataset rows, the user turns of scripted
    conversations, benchmarks). It is pure: no I/O, no global state, no model.

    Args:
        text: the message to perturb.
        kind: a name from `PERTURBATIONS` (``accents``, ``typos``, ``letters``, ``sms``,
            ``caps``, ``punctuation``, ``phonetic``).
        intensity: 0–1 (see the module docstring); None for the kind's default.
        seed: any integer; the same seed and inputs always give the same output.
        language: ``fr`` or ``en`` (or a code such as ``fr-FR``); detected from `text` when
            None or unknown. It chooses the keyboard layout and the word lists.
        protected: literal values that must stay intact wherever they appear, in addition to
            the order and tracking numbers, e-mails, amounts and URLs detected automatically.

    Raises:
        ValidationError: unknown `kind`, or `intensity` outside 0–1.
    """
    perturbation = check_kind(kind)
    if perturbation.name in MODEL_PERTURBATIONS:
        perturbation.apply(text, 1.0, random.Random(0), "fr")  # raises: it needs a model
    level = perturbation.default_intensity if intensity is None else intensity
    level = check_intensity(perturbation.name, level)
    if level == 0 or not text:
        return text
    lang = normalise_language(language) or detect_language(text)
    rng = random.Random(derive_seed(seed, perturbation.name, f"{level:.6f}", text))
    result = "".join(
        piece if is_protected else perturbation.apply(piece, level, rng, lang)
        for piece, is_protected in split_protected(text, tuple(protected))
    )
    # A mark removed at the very end ("oui ?" → "oui ") must not leave a trailing space.
    return result if text[-1:].isspace() else result.rstrip(" ")
