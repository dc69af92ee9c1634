"""Topic clusters of customer questions on the CPU: TF-IDF and k-means (scikit-learn).

Fitting uses a bounded sample (reservoir sampling, `max_fit` questions) so memory stays flat
for millions of questions; every question is then assigned to its nearest centroid in chunks.
Each cluster is labelled by its most typical questions (closest to the centroid) and its top
terms. Placeholders left by anonymisation (``<PERSON_1>``) are removed before vectorising so
they do not become topics.
"""

from __future__ import annotations

import heapq
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

_PLACEHOLDER = re.compile(r"<[A-Z]+_\d+>")
FRENCH_STOP_WORDS = frozenset(
    """a à ai aie ais ait alors as au aucun aura aurai auraient aurais aurait aussi autre aux
    avais avait avec avez aviez avoir avons bonjour bonsoir ça ce ceci cela celle celui ces cet
    cette ci comme comment dans de des du elle elles en encore est et étaient était été être eu
    fait faire faut hello il ils je j la le les leur lui ma mais me merci même mes moi mon ne
    ni non nos notre nous on ont ou où par pas peu peut peux plus pour pourquoi puis qu quand
    que quel quelle quels qui sa salut sans se ses si son sont sur svp stp ta te tes toi ton
    très tu un une vos votre vous y s c d l m n t cordialement madame monsieur ok oui bien
    est-ce the is my i to and of it for in on you can please thanks hi""".split()  # noqa: SIM905 - a word list reads better as text
)


def clean_question(text: str) -> str:
    """Text as clustered: placeholders removed."""
    return _PLACEHOLDER.sub(" ", text)


@dataclass
class ClusterModel:
    """A fitted vectoriser and k-means, plus per-cluster bookkeeping while assigning."""

    vectorizer: Any
    kmeans: Any
    k: int
    sizes: list[int] = field(default_factory=list)
    unanswered: list[int] = field(default_factory=list)
    typical: list[list[tuple[float, int, str]]] = field(default_factory=list)
    examples_per_cluster: int = 5

    def terms(self, cluster: int, n: int = 4) -> tuple[str, ...]:
        names = self.vectorizer.get_feature_names_out()
        order = self.kmeans.cluster_centers_[cluster].argsort()[::-1][:n]
        return tuple(str(names[i]) for i in order)

    def assign(self, texts: Sequence[str], unanswered: Sequence[bool]) -> list[int]:
        """Nearest cluster of each text; updates sizes, unanswered counts and typical texts."""
        matrix = self.vectorizer.transform([clean_question(t) for t in texts])
        distances = self.kmeans.transform(matrix)
        return self.record(texts, unanswered, distances, [row.nnz > 0 for row in matrix])

    def record(
        self,
        texts: Sequence[str],
        unanswered: Sequence[bool],
        distances: Any,
        typical_ok: Sequence[bool],
    ) -> list[int]:
        """Count each text in its nearest cluster (by `distances`, texts × clusters) and keep
        the closest few as typical questions (only where `typical_ok`)."""
        if not self.sizes:
            self.sizes = [0] * self.k
            self.unanswered = [0] * self.k
            self.typical = [[] for _ in range(self.k)]
        labels = distances.argmin(axis=1)
        for index, label in enumerate(labels):
            cluster = int(label)
            self.sizes[cluster] += 1
            self.unanswered[cluster] += int(unanswered[index])
            heap = self.typical[cluster]
            text = texts[index].strip()
            if not typical_ok[index] or any(t == text for _, _, t in heap):
                continue
            # A max-heap on distance (stored negated) keeps the closest few.
            entry = (-float(distances[index, cluster]), -len(heap) - sum(self.sizes), text)
            if len(heap) < self.examples_per_cluster:
                heapq.heappush(heap, entry)
            elif entry[0] > heap[0][0]:
                heapq.heapreplace(heap, entry)
        return [int(x) for x in labels]

    def examples(self, cluster: int) -> tuple[str, ...]:
        ordered = sorted(self.typical[cluster], key=lambda e: -e[0])
        return tuple(text for _, _, text in ordered)


class Reservoir:
    """A uniform random sample of at most `size` items from a stream (Algorithm R, seeded)."""

    def __init__(self, size: int, seed: int = 7) -> None:
        self.size = size
        self.items: list[str] = []
        self.seen = 0
        self._random = random.Random(seed)

    def add(self, item: str) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        slot = self._random.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = item


def default_cluster_count(questions: int) -> int:
    """Roughly one topic per 150 questions, between 2 and 30."""
    return max(2, min(30, round(questions / 150) or 2))


def fit_clusters(
    sample: Iterable[str], *, k: int | None = None, seed: int = 7
) -> ClusterModel | None:
    """Fit TF-IDF + k-means on `sample`; None when there are too few distinct questions."""
    texts = [clean_question(t) for t in sample if t.strip()]
    if len(texts) < 4:
        return None
    vectorizer = make_vectorizer(len(texts))
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return None
    k = cluster_count(texts, k, matrix.shape[0])
    model = make_kmeans(k, matrix.shape[0], seed)
    model.fit(matrix)
    return ClusterModel(vectorizer=vectorizer, kmeans=model, k=k)


def make_vectorizer(texts: int) -> Any:
    """The TF-IDF vectoriser of customer questions (French and English stop words removed)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    return TfidfVectorizer(
        lowercase=True,
        strip_accents="unicode",
        stop_words=sorted(_stop_words_folded()),
        ngram_range=(1, 2),
        min_df=2 if texts >= 50 else 1,
        max_df=0.5 if texts >= 50 else 1.0,
        max_features=30_000,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
    )


def cluster_count(texts: Sequence[str], k: int | None, rows: int) -> int:
    """`k` (or one per 150 questions), at least 2, at most the distinct texts."""
    distinct = len({t.strip().lower() for t in texts})
    return max(2, min(k or default_cluster_count(len(texts)), distinct, rows))


def make_kmeans(k: int, rows: int, seed: int) -> Any:
    """k-means, mini-batch beyond 20,000 rows."""
    from sklearn.cluster import KMeans, MiniBatchKMeans  # type: ignore[import-untyped]

    if rows > 20_000:
        return MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096)
    return KMeans(n_clusters=k, random_state=seed, n_init=4)


def _stop_words_folded() -> set[str]:
    import unicodedata

    out = set()
    for word in FRENCH_STOP_WORDS:
        out.add(word)
        out.add(
            "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
        )
    return out
