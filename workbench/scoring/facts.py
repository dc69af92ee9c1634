"""Is an expected fact stated in a reply? Word-bounded, negation-aware, number- and lemma-tolerant.

A fact is looked for as a run of whole words of the reply, never inside a word (``lien`` is not
in "client", ``XXL`` not in "XXXL"). The similarity of the best run (rapidfuzz ``ratio`` on folded
words, 0–100) must reach the threshold, which forgives a typo in a long word. Then:

* **numbers** written in words count as digits, in French and English ("trente jours" states
  "30 jours"), and every number of the fact must appear in the reply exactly;
* **negation** just before the fact in the same sentence ("n'est pas imperméable", "not
  refundable", "sans frais") means the fact is denied, not stated — unless the fact itself is a
  negation;
* **inflections**: when the words do not match as written, they are compared as lemmas with
  spaCy's French pipeline (``expédiées``/``expédié``, ``remboursée``/``rembourser``).

The similarity reported is the real one (one decimal), not rounded up to a threshold.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.scoring.french_nlp import french_pipeline
from workbench.scoring.numbers_words import replace_number_words
from workbench.scoring.text import fold

_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_SENTENCE = re.compile(r"[.!?]+(?=\s|$)|[;\n]+")
_TOKEN = re.compile(r"[a-z0-9]+")

# Folded negation words; "plus" only counts after "ne"/"n'" ("ne ... plus"), since "plus de
# 30 jours" is a comparison.
_NEGATIONS = {
    "pas",
    "jamais",
    "aucun",
    "aucune",
    "ni",
    "sans",
    "non",
    "not",
    "no",
    "never",
    "without",
    "nor",
    "none",
    "nothing",
    "rien",
}
_NEGATION_SPAN = 4
"""How many words before the fact a negation may stand and still deny it."""


def numbers_in(text: str) -> list[str]:
    """Numbers in a text, normalised: ``10 452`` → ``10452``, ``3,5`` → ``3.5``, ``03`` → ``3``."""
    found = []
    for raw in _NUMBER.findall(_THOUSANDS.sub("", text)):
        number = raw.replace(",", ".")
        found.append(str(int(number)) if "." not in number else number.rstrip("0").rstrip("."))
    return found


@dataclass(frozen=True)
class FactMatch:
    """Whether one fact was found, and the evidence.

    Attributes:
        similarity: the best similarity (0–100) of a run of the reply's words to the fact.
        missing_numbers: numbers of the fact absent from the reply.
        negated: the best match stands in a negation ("n'est pas …").
        matched: the words of the reply that matched best.
        lemmas: the match was made on lemmas, not on the words as written.
    """

    fact: str
    present: bool
    similarity: float
    missing_numbers: tuple[str, ...]
    negated: bool = False
    matched: str = ""
    lemmas: bool = False


def _sentences(text: str) -> list[list[str]]:
    folded = fold(_THOUSANDS.sub("", text))
    return [
        replace_number_words(_TOKEN.findall(part))
        for part in _SENTENCE.split(folded)
        if part.strip()
    ]


def _worded_numbers(text: str) -> list[str]:
    """Numbers written in words in `text`, as digits ("trente" → "30")."""
    tokens = _TOKEN.findall(fold(text))
    return [word for word in replace_number_words(tokens) if word.isdigit() and word not in tokens]


@functools.lru_cache(maxsize=512)
def _lemma_sentences(text: str) -> tuple[tuple[str, ...], ...] | None:
    """Folded lemmas per sentence; cached, as a reply is lemmatised once for all its facts."""
    nlp = french_pipeline()
    if nlp is None:
        return None
    sentences: list[list[str]] = [[]]
    for token in nlp(_THOUSANDS.sub("", text)):
        if (token.is_punct and token.text in {".", "!", "?", ";", "…"}) or "\n" in token.text:
            sentences.append([])
            continue
        lemma = token.lemma_ if token.pos_ not in {"PROPN", "NUM"} else token.text
        sentences[-1].extend(_TOKEN.findall(fold(lemma)))
    return tuple(tuple(replace_number_words(sentence)) for sentence in sentences if sentence)


def _is_negated(before: list[str]) -> bool:
    window = before[-_NEGATION_SPAN:]
    if any(word in _NEGATIONS for word in window):
        return True
    if "plus" in window and ({"ne", "n"} & set(before[-_NEGATION_SPAN - 2 :])):
        return True
    # English contractions fold to "isn t", "doesn t", "can t", "won t".
    return any(
        word == "t" and index > 0 and window[index - 1].endswith("n")
        for index, word in enumerate(window)
    )


@dataclass(frozen=True)
class _Best:
    similarity: float
    negated: bool
    matched: str


def _best_run(fact: list[str], sentences: Sequence[Sequence[str]]) -> _Best:
    """The most similar run of words; a run not under a negation wins over a negated one."""
    from rapidfuzz import fuzz  # loads with the first fact checked, not with every rubric

    target = " ".join(fact)
    free = _Best(0.0, False, "")
    denied = _Best(0.0, True, "")
    fact_negative = any(word in _NEGATIONS for word in fact)
    sizes = sorted({max(1, len(fact) + delta) for delta in (-1, 0, 1)})
    for sentence in sentences:
        for size in sizes:
            for start in range(0, max(1, len(sentence) - size + 1)):
                run = sentence[start : start + size]
                similarity = fuzz.ratio(target, " ".join(run))
                if similarity <= min(free.similarity, denied.similarity):
                    continue
                negated = not fact_negative and _is_negated(list(sentence[:start]))
                if negated and similarity > denied.similarity:
                    denied = _Best(similarity, True, " ".join(run))
                elif not negated and similarity > free.similarity:
                    free = _Best(similarity, False, " ".join(run))
    return free if free.similarity >= denied.similarity else denied


def match_fact(fact: str, output: str, *, min_similarity: float) -> FactMatch:
    """Look for `fact` in `output` (see the module docstring)."""
    fact_words = [word for sentence in _sentences(fact) for word in sentence]
    output_sentences = _sentences(output)
    wanted = [*numbers_in(fact), *_worded_numbers(fact)]
    have = {*numbers_in(output), *_worded_numbers(output)}
    missing = tuple(dict.fromkeys(n for n in wanted if n not in have))
    if not fact_words:
        return FactMatch(fact, False, 0.0, missing)
    if all(word.isdigit() for word in fact_words):
        # A fact made only of numbers ("10452", "trente") is judged on its numbers alone.
        return FactMatch(fact, not missing, 100.0 if not missing else 0.0, missing)
    best = _best_run(fact_words, output_sentences)
    lemmas = False
    if best.similarity < min_similarity or best.negated:
        fact_lemmas = _lemma_sentences(fact)
        output_lemmas = _lemma_sentences(output)
        if fact_lemmas and output_lemmas:
            by_lemma = _best_run([w for s in fact_lemmas for w in s], output_lemmas)
            if by_lemma.similarity > best.similarity and not by_lemma.negated:
                best, lemmas = by_lemma, True
    present = not missing and not best.negated and best.similarity >= min_similarity
    return FactMatch(
        fact, present, round(best.similarity, 1), missing, best.negated, best.matched, lemmas
    )
