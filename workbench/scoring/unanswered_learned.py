"""A learned second opinion for the unanswered detector.

The rules in `unanswered.py` are tuned phrasing by phrasing; on every set written by someone who
never saw them, recall on the first run was far lower than after tuning. This module adds a small
text classifier (character 2–5-grams of the folded text plus word 1–2-grams, sublinear TF-IDF,
logistic regression with balanced classes) trained with scikit-learn on the labelled sets shipped
in `workbench/scoring/data/`. Scoring does not need scikit-learn: the trained parameters are
shipped (`PARAMETERS_FILE`, written by ``python -m workbench.scoring.unanswered_learned``) and
`ShippedModel` applies them with the standard library — about 15 ms to read once per process and
under a millisecond a reply, where importing scikit-learn and training took over a second in
every process. A test checks that the shipped parameters give exactly what training on today's
sets gives, so a changed set cannot silently go unshipped. Without the file, the rules decide.

How the two opinions combine (chosen by leave-one-set-out figures, see
`bench/unanswered_bench.py --loso`): the rules decide, except that a probability of at least
`FLAG_ABOVE` flags a reply the rules let through, and one of at most `CLEAR_BELOW` clears a reply
the rules flagged.
"""

from __future__ import annotations

import array
import base64
import functools
import gzip
import json
import math
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.scoring.text import fold

DATA_DIR = Path(__file__).parent / "data"
DATA_FILES = (
    "unanswered_labelled.tsv",
    "unanswered_fresh.tsv",
    "unanswered_third.tsv",
    "unanswered_fourth.tsv",
)
POSITIVE = frozenset({"declined", "deflected"})
FLAG_ABOVE = 0.7
CLEAR_BELOW = 0.1
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
PARAMETERS_FILE = DATA_DIR / "unanswered_model.json.gz"
PARAMETERS_FORMAT = 2  # 1 held each term's [idf, weight] as a JSON list (slow to read)
_WHITE = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WORD_CACHE_SIZE = 200_000

_LOCK = threading.Lock()


@dataclass(frozen=True)
class LabelledReply:
    """One labelled reply of a shipped set."""

    label: str
    text: str

    @property
    def positive(self) -> bool:
        return self.label in POSITIVE


def read_labelled(path: Path) -> list[LabelledReply]:
    """The replies of a labelled TSV (``label<TAB>lang<TAB>reply``; # starts a comment)."""
    replies = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, _lang, text = line.split("\t", 2)
        replies.append(LabelledReply(label, text.replace("\\n", "\n")))
    return replies


def _prepare(text: str) -> str:
    return fold(text)


class LearnedModel:
    """A trained pipeline: `probability(text)` is the chance the reply leaves the question
    unanswered."""

    def __init__(self, pipeline: Any) -> None:
        self._pipeline = pipeline

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        found = self._pipeline.predict_proba([_prepare(t) for t in texts])[:, 1]
        return [round(float(p), 6) for p in found]

    def probability(self, text: str) -> float:
        return self.probabilities([text])[0]

    def parameters(self) -> dict[str, Any]:
        """What `ShippedModel` needs to give the same probabilities without scikit-learn: per
        part, its terms in order and their IDF and weight as packed doubles (`pack_floats`)."""
        union, classifier = self._pipeline.steps[0][1], self._pipeline.steps[1][1]
        parts: list[dict[str, Any]] = []
        coef = classifier.coef_[0]
        offset = 0
        for name, vectorizer in union.transformer_list:
            size = len(vectorizer.vocabulary_)
            weights = coef[offset : offset + size]
            ordered = sorted(vectorizer.vocabulary_.items())
            parts.append(
                {
                    "name": name,
                    "terms": [term for term, _ in ordered],
                    "idf": pack_floats(round(float(vectorizer.idf_[i]), 12) for _, i in ordered),
                    "weight": pack_floats(round(float(weights[i]), 12) for _, i in ordered),
                }
            )
            offset += size
        return {
            "format": PARAMETERS_FORMAT,
            "intercept": float(classifier.intercept_[0]),
            "parts": parts,
        }


def pack_floats(values: Iterable[float]) -> str:
    """Doubles as base64 of their little-endian bytes: read back by `unpack_floats` in a
    millisecond, where JSON lists of number pairs took 30-40 ms to parse at every start."""
    packed = array.array("d", values)
    if sys.byteorder != "little":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def unpack_floats(text: str) -> array.array[float]:
    """The doubles `pack_floats` wrote."""
    found = array.array("d")
    found.frombytes(base64.b64decode(text))
    if sys.byteorder != "little":
        found.byteswap()
    return found


def train(replies: Iterable[LabelledReply]) -> LearnedModel:
    """Train the classifier on `replies` (raises ImportError without scikit-learn)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.pipeline import FeatureUnion, make_pipeline  # type: ignore[import-untyped]

    data = list(replies)
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=CHAR_NGRAMS, min_df=2, sublinear_tf=True
                ),
            ),
            ("words", TfidfVectorizer(ngram_range=WORD_NGRAMS, min_df=1, sublinear_tf=True)),
        ]
    )
    pipeline = make_pipeline(
        features,
        LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear", random_state=0),
    )
    pipeline.fit([_prepare(r.text) for r in data], [int(r.positive) for r in data])
    return LearnedModel(pipeline)


def char_wb_ngrams(text: str) -> list[str]:
    """Character n-grams inside word boundaries, padded with a space (scikit-learn's
    ``char_wb`` analyzer, which the model was trained with)."""
    found: list[str] = []
    low, high = CHAR_NGRAMS
    for word in _WHITE.sub(" ", text.lower()).split():
        padded = f" {word} "
        for size in range(low, high + 1):
            offset = 0
            found.append(padded[offset : offset + size])
            while offset + size < len(padded):
                offset += 1
                found.append(padded[offset : offset + size])
            if offset == 0:  # the word is shorter than this size: no longer n-grams either
                break
    return found


def word_ngrams(text: str) -> list[str]:
    """Word 1–2-grams as scikit-learn's default word analyzer makes them."""
    tokens = _TOKEN.findall(text.lower())
    found = list(tokens)
    low, high = WORD_NGRAMS
    for size in range(max(2, low), high + 1):
        found += [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]
    return found


class _Features:
    """One part's terms (term → position) with their IDF and weight at that position."""

    def __init__(self, part: dict[str, Any]) -> None:
        terms: list[str] = part["terms"]
        self.index = dict(zip(terms, range(len(terms)), strict=True))
        self.idf = unpack_floats(part["idf"])
        self.weight = unpack_floats(part["weight"])
        if not len(self.idf) == len(self.weight) == len(terms):
            raise ValueError(f"unanswered model parameters: part {part['name']!r} is truncated")


class ShippedModel:
    """The trained classifier's parameters (`PARAMETERS_FILE`), applied without scikit-learn:
    sublinear TF-IDF per part, each part L2-normalised, then the logistic regression."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        if parameters.get("format") != PARAMETERS_FORMAT:
            raise ValueError(f"unanswered model parameters: format {PARAMETERS_FORMAT} expected")
        self._intercept = float(parameters["intercept"])
        parts = {part["name"]: part for part in parameters["parts"]}
        self._chars = _Features(parts["chars"])
        self._words = _Features(parts["words"])
        # Character n-grams never cross a word, so each word's known n-grams are worked out
        # once: logs and runs repeat the same words endlessly.
        self._word_grams: dict[str, tuple[str, ...]] = {}

    def _char_terms(self, prepared: str) -> list[str]:
        found: list[str] = []
        cache, features = self._word_grams, self._chars.index
        for word in prepared.lower().split():
            grams = cache.get(word)
            if grams is None:
                grams = tuple(g for g in char_wb_ngrams(word) if g in features)
                if len(cache) < _WORD_CACHE_SIZE:
                    cache[word] = grams
            found.extend(grams)
        return found

    def probability(self, text: str) -> float:
        prepared = _prepare(text)
        decision = self._intercept
        chars = self._char_terms(prepared)
        words = [term for term in word_ngrams(prepared) if term in self._words.index]
        for terms, features in ((chars, self._chars), (words, self._words)):
            if not terms:
                continue
            # One pass: the part's L2 norm and its dot product with the weights.
            squares = dot = 0.0
            for term, count in Counter(terms).items():
                position = features.index[term]
                idf, weight = features.idf[position], features.weight[position]
                value = idf if count == 1 else (1.0 + math.log(count)) * idf
                squares += value * value
                dot += value * weight
            decision += dot / math.sqrt(squares)
        return round(1.0 / (1.0 + math.exp(-decision)), 6)

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        return [self.probability(text) for text in texts]


def shipped_replies() -> list[LabelledReply]:
    """All labelled replies shipped with the package."""
    return [reply for name in DATA_FILES for reply in read_labelled(DATA_DIR / name)]


@functools.cache
def _default_model() -> ShippedModel | None:
    try:
        with gzip.open(PARAMETERS_FILE, "rt", encoding="utf-8") as handle:
            return ShippedModel(json.load(handle))
    except OSError:  # not shipped (a trimmed install): the rules decide alone
        return None


def default_model() -> ShippedModel | None:
    """The model trained on the shipped sets, read once per process; None if it is absent."""
    with _LOCK:
        return _default_model()


def probability(text: str) -> float | None:
    """The learned probability that `text` leaves the question unanswered; None without model."""
    model = default_model()
    return None if model is None else model.probability(text)


def write_parameters(path: Path = PARAMETERS_FILE) -> Path:
    """Train on the shipped sets (needs scikit-learn) and write the parameters `ShippedModel`
    reads. Run after changing a set: ``python -m workbench.scoring.unanswered_learned``."""
    parameters = train(shipped_replies()).parameters()
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as handle:
        json.dump(parameters, handle, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return path


if __name__ == "__main__":
    print(write_parameters())
