"""``similar``: cosine similarity of embeddings, as promptfoo's ``similar`` assertion.

Config: ``value`` (the expected text, or a list — passing when any is similar enough),
``threshold`` (default 0.75), ``inverse`` (promptfoo's ``not-similar``: passes below the
threshold) and ``embedding``: ``{model, base_url, api_key_env}`` of an OpenAI-compatible
embeddings endpoint. Defaults follow promptfoo: ``text-embedding-3-large`` at the OpenAI SDK's
base URL (``OPENAI_BASE_URL`` when set) with the key in ``OPENAI_API_KEY``. The call itself is
the scoring context's `embed` (the application layer supplies the providers' client). Vectors
are cached in memory per (endpoint, model, text). A failed embedding call is an error, never a
fail.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from workbench.core.models import CriterionSpec
from workbench.scoring.config import config_error
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.results import (
    CriterionResult,
    Embedder,
    ScoringContext,
    criterion_name,
    error_result,
)

DEFAULT_MODEL = "text-embedding-3-large"
DEFAULT_THRESHOLD = 0.75
_cache: dict[tuple[str | None, str, str], list[float]] = {}
_lock = threading.Lock()


class EmbeddingError(Exception):
    """The embeddings endpoint did not answer with vectors."""


def _embed(
    texts: list[str], target: dict[str, Any], embed: Embedder | None
) -> list[list[float]]:
    if embed is None:
        raise EmbeddingError("no embedding client was given to the scorer")
    model = str(target.get("model") or DEFAULT_MODEL)
    key = (target.get("base_url"), model)
    missing = [t for t in dict.fromkeys(texts) if (*key, t) not in _cache]
    if missing:
        try:
            vectors = embed(missing, target)
        except Exception as error:
            raise EmbeddingError(f"embedding call failed: {error}") from error
        with _lock:
            for text, vector in zip(missing, vectors, strict=True):
                _cache[(*key, text)] = vector
    return [_cache[(*key, t)] for t in texts]


def cosine(left: list[float], right: list[float]) -> float:
    """Cosine similarity (0 when either vector is all zeros)."""
    dot = sum(a * b for a, b in zip(left, right, strict=False))
    norm = math.sqrt(sum(a * a for a in left)) * math.sqrt(sum(b * b for b in right))
    return dot / norm if norm else 0.0


def _validate(spec: CriterionSpec) -> None:
    unknown = sorted(set(spec.config) - {"value", "threshold", "inverse", "embedding"})
    if unknown:
        raise config_error(spec, f"unknown option(s) {', '.join(unknown)}")
    value = spec.config.get("value")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise config_error(spec, "needs 'value': the expected text (or a list of texts)")
    threshold = spec.config.get("threshold", DEFAULT_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise config_error(spec, f"'threshold' must be a number, not {threshold!r}")
    if not isinstance(spec.config.get("embedding", {}), dict):
        raise config_error(spec, "'embedding' must be {model, base_url, api_key_env}")


def evaluate_similar(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """promptfoo's ``similar`` (see the module docstring)."""
    _validate(spec)
    value = spec.config["value"]
    expected = [value] if isinstance(value, str) else list(value)
    threshold = float(spec.config.get("threshold", DEFAULT_THRESHOLD))
    inverse = bool(spec.config.get("inverse", False))
    try:
        target = dict(spec.config.get("embedding") or {})
        vectors = _embed([ctx.output, *expected], target, ctx.embed)
    except EmbeddingError as error:
        return error_result(spec, str(error))
    best = max(cosine(vectors[0], vector) for vector in vectors[1:])
    passed = (best >= threshold) != inverse
    relation = "≥" if best >= threshold else "<"
    return CriterionResult(
        kind=spec.kind,
        name=criterion_name(spec),
        passed=passed,
        score=1.0 if passed else 0.0,
        detail=f"similarity {best:.3f} {relation} threshold {threshold:g}",
        value=best,
    )


KINDS = (
    CriterionKind(
        "similar",
        evaluate_similar,
        _validate,
        "embedding cosine similarity with an expected text (promptfoo's similar)",
    ),
)
