"""A learned second opinion for the unanswered detector (optional: rules alone without sklearn).

The rules in `unanswered.py` are tuned phrasing by phrasing; on every set written by someone who
never saw them, recall on the first run was far lower than after tuning. This module trains a
small text classifier (character 2–5-grams of the folded text plus word 1–2-grams, TF-IDF,
logistic regression with balanced classes) on the labelled sets shipped in
`workbench/scoring/data/` the first time it is asked, and keeps it in memory. Training is
deterministic (fixed solver and random state), so the same text always gets the same
probability; nothing is pickled or downloaded.

How the two opinions combine (chosen by leave-one-set-out figures, see
`bench/unanswered_bench.py --loso`): the rules decide, except that a probability of at least
`FLAG_ABOVE` flags a reply the rules let through, and one of at most `CLEAR_BELOW` clears a reply
the rules flagged.
"""

from __future__ import annotations

import functools
import threading
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
                    analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
                ),
            ),
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
        ]
    )
    pipeline = make_pipeline(
        features,
        LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear", random_state=0),
    )
    pipeline.fit([_prepare(r.text) for r in data], [int(r.positive) for r in data])
    return LearnedModel(pipeline)


def shipped_replies() -> list[LabelledReply]:
    """All labelled replies shipped with the package."""
    return [reply for name in DATA_FILES for reply in read_labelled(DATA_DIR / name)]


@functools.cache
def _default_model() -> LearnedModel | None:
    try:
        return train(shipped_replies())
    except ImportError:
        return None


def default_model() -> LearnedModel | None:
    """The model trained on the shipped sets (once per process), or None without scikit-learn."""
    with _LOCK:
        return _default_model()


def probability(text: str) -> float | None:
    """The learned probability that `text` leaves the question unanswered; None without sklearn."""
    model = default_model()
    return None if model is None else model.probability(text)
