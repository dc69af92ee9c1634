"""Embedding calls for the ``similar`` criterion, through the engine (limits, retries, cache).

An `EngineEmbedder` over the providers' `AsyncEmbeddings`: scoring in an event loop (live during
a run, or a stored run's scoring) fetches vectors through it, so no synchronous HTTP call runs
in the loop, and the same texts are never asked twice (the store's response cache).
"""

from __future__ import annotations

from workbench.engine.embedder import EMBED_CONCURRENCY, EngineEmbedder
from workbench.engine.runner import EngineOptions
from workbench.providers.embeddings import AsyncEmbeddings
from workbench.store import Store


def embedder_from_store(
    store: Store | None,
    *,
    options: EngineOptions | None = None,
    concurrency: int = EMBED_CONCURRENCY,
    use_cache: bool = True,
) -> EngineEmbedder:
    """The embedder scoring uses in an event loop (`store`'s response cache when given).

    Build it inside the loop that uses it and close it (``async with``, or ``await
    embedder.aclose()``): it closes its HTTP clients.
    """
    return EngineEmbedder(
        AsyncEmbeddings(),
        cache=store,
        options=options,
        concurrency=concurrency,
        use_cache=use_cache,
    )
