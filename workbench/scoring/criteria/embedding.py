"""``similar``: cosine similarity of embeddings, as promptfoo's ``similar`` assertion.

Config: ``value`` (the expected text, or a list — passing when any is similar enough),
``threshold`` (default 0.75), ``inverse`` (promptfoo's ``not-similar``: passes below the
threshold) and ``embedding``: ``{model, base_url, api_key_env}`` of an OpenAI-compatible
embeddings endpoint. Defaults follow promptfoo: ``text-embedding-3-large`` at the OpenAI SDK's
base URL (``OPENAI_BASE_URL`` when set) with the key in ``OPENAI_API_KEY``. The call itself is
the scoring context's `embed` (the application layer supplies the providers' client). Vectors
are cached in memory per (endpoint, model, text). A failed embedding call is an error, never a
fail.

Scoring inside an event loop (live scoring while a run is under way) must not make that
synchronous call: `with_embeddings` fetches every vector a rubric needs for one output through
an asynchronous embedder first (the engine's `EngineEmbedder`: limits, retries, cache) and
returns a context whose `embed` only reads what was fetched.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
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

AsyncEmbedder = Callable[[list[str], Mapping[str, Any]], Awaitable[list[list[float]]]]
"""The asynchronous form of `Embedder`: raises when the endpoint gives no vectors."""

EMBEDDING_KINDS = frozenset({"similar"})
"""Criterion kinds that need embeddings (``not-similar`` is ``similar`` with ``inverse``)."""

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


def _endpoint(target: Mapping[str, Any]) -> tuple[str | None, str, str | None]:
    return (
        target.get("base_url"),
        str(target.get("model") or DEFAULT_MODEL),
        target.get("api_key_env"),
    )


def needs_embeddings(criteria: Sequence[CriterionSpec]) -> bool:
    """Whether scoring these criteria asks an embeddings endpoint for vectors."""
    return any(spec.kind in EMBEDDING_KINDS for spec in criteria)


async def with_embeddings(
    criteria: Sequence[CriterionSpec], ctx: ScoringContext, embed: AsyncEmbedder
) -> ScoringContext:
    """`ctx` with every vector its ``similar`` criteria need fetched through `embed` (one call
    per endpoint, run concurrently); its `embed` then reads those vectors and never calls out.

    A failed call becomes the error of the criteria on that endpoint; a misconfigured criterion
    is left for its evaluation to report.
    """
    wanted: dict[tuple[str | None, str, str | None], tuple[dict[str, Any], list[str]]] = {}
    for spec in criteria:
        if spec.kind not in EMBEDDING_KINDS:
            continue
        try:
            _validate(spec)
        except Exception:  # reported with its position when the criterion is evaluated
            continue
        target = dict(spec.config.get("embedding") or {})
        value = spec.config["value"]
        expected = [value] if isinstance(value, str) else list(value)
        _, texts = wanted.setdefault(_endpoint(target), (target, []))
        texts.extend(t for t in (ctx.output, *expected) if t not in texts)
    if not wanted:
        return ctx
    endpoints = list(wanted)
    answers = await asyncio.gather(
        *(embed(wanted[key][1], wanted[key][0]) for key in endpoints), return_exceptions=True
    )
    vectors: dict[tuple[str | None, str, str | None], dict[str, list[float]]] = {}
    failures: dict[tuple[str | None, str, str | None], BaseException] = {}
    for key, answer in zip(endpoints, answers, strict=True):
        if isinstance(answer, BaseException):
            if not isinstance(answer, Exception):
                raise answer  # cancellation goes on up
            failures[key] = answer
        else:
            vectors[key] = dict(zip(wanted[key][1], answer, strict=True))

    def fetched(texts: list[str], target: Mapping[str, Any]) -> list[list[float]]:
        key = _endpoint(target)
        if key in failures:
            raise failures[key]
        known = vectors.get(key, {})
        if any(text not in known for text in texts):
            raise EmbeddingError("the vectors were not fetched before scoring")
        return [known[text] for text in texts]

    return dataclasses.replace(ctx, embed=fetched)


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
