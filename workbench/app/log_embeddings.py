"""Embeddings of (anonymised) customer questions from a configured model, for log clustering.

`LogEmbedder` is the ``embed(texts)`` that `analyse_log` hands to the embedding clusterer when
the user picks ``--embeddings MODEL``: texts are de-duplicated, looked up in the store's
response cache, and only the missing ones are sent, in batches, to the model config's
OpenAI-compatible embeddings endpoint (the same client as the ``similar`` criterion). Progress
is reported per batch and a cancel request is honoured between batches. The texts come from the
log store, which holds anonymised text only, so nothing raw can leave the machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from workbench.core.errors import KnownError, ValidationError
from workbench.core.models import Kind, ModelConfigContent
from workbench.providers.compat import resolve_base_url
from workbench.providers.embeddings import embed_or_explain

if TYPE_CHECKING:
    from workbench.store import Store

#: Texts per request (OpenAI takes up to 2,048 inputs; local servers prefer fewer).
EMBEDDING_BATCH = 128
#: Questions the embedding k-means is fitted on (every question is then assigned).
EMBEDDING_FIT = 5000
CACHE_VERSION = "log-embedding-v1"

Progress = Callable[[str, int, int], None]


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


class LogEmbedder:
    """``embed(texts) -> vectors`` on a model config's embeddings endpoint, cached and batched.

    Attributes:
        model: the model config reference given. sent: texts sent to the endpoint so far.
        cached: texts answered from the cache so far. requests: calls made.
    """

    def __init__(
        self,
        store: Store,
        model: str,
        *,
        batch_size: int = EMBEDDING_BATCH,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValidationError("the embeddings batch size must be at least 1")
        version = store.resolve(Kind.MODEL, model)
        config = version.content_as(ModelConfigContent)
        self.model = model
        self._what = f"model '{version.ref}' ({config.provider} {config.model})"
        self._target = embedding_target(config, what=self._what)
        self._store = store
        self._batch = batch_size
        self._progress = progress
        self._cancel = cancel
        self.sent = self.cached = self.requests = 0

    def __call__(self, texts: list[str]) -> list[list[float]]:
        unique = list(dict.fromkeys(texts))
        keys = {text: self._key(text) for text in unique}
        found = self._store.cache_get_many(keys.values())
        vectors: dict[str, list[float]] = {}
        missing: list[str] = []
        for text in unique:
            hit = found.get(keys[text])
            if hit is not None and isinstance(hit.get("vector"), list):
                vectors[text] = hit["vector"]
            else:
                missing.append(text)
        self.cached += len(unique) - len(missing)
        done = len(unique) - len(missing)
        self._report(done, len(unique))
        for start in range(0, len(missing), self._batch):
            if self._cancel is not None and self._cancel.is_set():
                raise KnownError("analysis cancelled")
            batch = missing[start : start + self._batch]
            got = embed_or_explain(batch, self._target, what=self._what)
            self.requests += 1
            self.sent += len(batch)
            self._store.cache_put_many(
                (keys[text], {"vector": vector}) for text, vector in zip(batch, got, strict=True)
            )
            vectors.update(zip(batch, got, strict=True))
            done += len(batch)
            self._report(done, len(unique))
        return [vectors[text] for text in texts]

    def _key(self, text: str) -> str:
        raw = "\0".join(
            (CACHE_VERSION, str(self._target.get("base_url")), self._target["model"], text)
        )
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def _report(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress("embedding", done, total)


def embedding_target(config: ModelConfigContent, *, what: str) -> dict[str, Any]:
    """Where `config`'s embeddings are: ``{model, base_url, api_key_env}``.

    Raises:
        KnownError: the provider has no embeddings endpoint (Anthropic, the embedded model).
    """
    if config.provider == "anthropic":
        raise KnownError(
            f"{what}: Anthropic has no embeddings endpoint; choose an OpenAI or "
            "OpenAI-compatible model config that serves embeddings"
        )
    if config.provider == "local":
        raise KnownError(
            f"{what}: the embedded model serves no embeddings; choose an OpenAI-compatible "
            "model config that does (llama.cpp with --embeddings, Ollama, vLLM…)"
        )
    base_url = resolve_base_url(config.base_url) if config.base_url else None
    if config.provider == "openai-compatible" and not base_url:
        raise KnownError(f"{what} has no base_url")
    return {"model": config.model, "base_url": base_url, "api_key_env": config.api_key_env}


def embedding_model_choices(store: Store) -> list[str]:
    """Model configs that may serve embeddings (OpenAI and OpenAI-compatible), by name."""
    names = []
    for family in store.list_families(Kind.MODEL):
        try:
            config = store.resolve(Kind.MODEL, family.name).content_as(ModelConfigContent)
        except KnownError:
            continue
        if config.provider in {"openai", "openai-compatible"}:
            names.append(family.name)
    return sorted(names)
