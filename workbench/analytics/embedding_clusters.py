"""Topic clusters of customer questions from embeddings (an option next to TF-IDF).

The caller hands in `embed(texts) -> vectors` (the application layer builds it on a configured
provider's embeddings endpoint, batched and cached), so this module never talks to the network.
Vectors are scaled to unit length, so k-means on them groups by cosine similarity. Clusters are
labelled, as with TF-IDF, by their most typical questions (closest to the centroid) and by the
TF-IDF terms that weigh most in their fitted sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.analytics.clusters import (
    ClusterModel,
    clean_question,
    cluster_count,
    make_kmeans,
    make_vectorizer,
)
from workbench.core.errors import KnownError

Embed = Callable[[list[str]], list[list[float]]]
"""One vector per text, in order."""

#: Texts embedded at once: vectors arrive as Python lists (about 32 bytes a number, so 100 KB
#: per 3,072-dimension vector); converting every chunk to float32 keeps memory bounded.
CHUNK = 512
#: Characters of a question sent at most (embedding models refuse inputs over their limit).
MAX_CHARS = 2000


def embeddable(text: str) -> str:
    """What is sent for `text`: placeholders removed (an endpoint refuses an empty input, so a
    text that was only placeholders is sent as it is stored — anonymised either way)."""
    cleaned = " ".join(clean_question(text).split())
    return (cleaned or " ".join(text.split()) or "-")[:MAX_CHARS]


def embed_matrix(embed: Embed, texts: list[str]) -> Any:
    """Unit-length float32 rows for `texts`, embedded `CHUNK` at a time."""
    import numpy as np

    parts = []
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        vectors = embed(chunk)
        if len(vectors) != len(chunk):
            raise KnownError(
                f"the embeddings endpoint returned {len(vectors)} vectors for {len(chunk)} texts"
            )
        parts.append(unit_rows(vectors))
    return np.vstack(parts)


def unit_rows(vectors: Sequence[Sequence[float]]) -> Any:
    """The vectors as a float32 matrix with rows of unit length (zero rows stay zero)."""
    import numpy as np

    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or not matrix.shape[1]:
        raise KnownError("the embeddings endpoint returned no vectors")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


@dataclass
class EmbeddingClusterModel(ClusterModel):
    """k-means over embeddings; `vectorizer` (TF-IDF, may be None) only names the terms."""

    embed: Embed | None = None
    term_weights: Any = None  # clusters × vocabulary, from the fitted sample

    def terms(self, cluster: int, n: int = 4) -> tuple[str, ...]:
        if self.vectorizer is None or self.term_weights is None:
            return ()
        names = self.vectorizer.get_feature_names_out()
        weights = self.term_weights[cluster]
        order = weights.argsort()[::-1][:n]
        return tuple(str(names[i]) for i in order if weights[i] > 0)

    def assign(self, texts: Sequence[str], unanswered: Sequence[bool]) -> list[int]:
        assert self.embed is not None
        sent = [embeddable(t) for t in texts]
        distances = self.kmeans.transform(embed_matrix(self.embed, sent))
        return self.record(
            texts, unanswered, distances, [bool(clean_question(t).strip()) for t in texts]
        )


def fit_embedding_clusters(
    sample: Iterable[str], embed: Embed, *, k: int | None = None, seed: int = 7
) -> EmbeddingClusterModel | None:
    """Fit k-means on the embeddings of `sample`; None when there are too few questions."""
    import numpy as np

    texts = [embeddable(t) for t in sample if t.strip()]
    if len(texts) < 4:
        return None
    vectors = embed_matrix(embed, texts)
    k = cluster_count(texts, k, vectors.shape[0])
    model = make_kmeans(k, vectors.shape[0], seed)
    model.fit(vectors)
    vectorizer: Any = make_vectorizer(len(texts))
    weights: Any = None
    try:
        tfidf = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words: clusters keep their examples, no terms
        vectorizer = None
    else:
        labels = np.asarray(model.labels_)
        weights = np.vstack(
            [
                np.asarray(tfidf[labels == c].mean(axis=0)).ravel()
                if (labels == c).any()
                else np.zeros(tfidf.shape[1])
                for c in range(k)
            ]
        )
    return EmbeddingClusterModel(
        vectorizer=vectorizer, kmeans=model, k=k, embed=embed, term_weights=weights
    )
