"""Embeddings from an OpenAI-compatible endpoint, for the ``similar`` criterion.

Scoring does not talk to the network itself: the application layer hands the scorer this
function (through `ScoringContext.embed`), so the SDK stays in the providers layer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from workbench.core.errors import KnownError

DEFAULT_MODEL = "text-embedding-3-large"
TIMEOUT_S = 30.0


def embed_texts(texts: list[str], target: Mapping[str, Any]) -> list[list[float]]:
    """One vector per text from ``target``'s endpoint: ``{model, base_url, api_key_env}``.

    Defaults follow promptfoo: ``text-embedding-3-large`` at the OpenAI SDK's base URL
    (``OPENAI_BASE_URL`` when set) with the key in ``OPENAI_API_KEY``.

    Raises:
        Exception: whatever the SDK raises (the caller turns it into an error result).
    """
    from openai import OpenAI

    client = OpenAI(
        api_key=os.environ.get(str(target.get("api_key_env") or "OPENAI_API_KEY")) or "not-needed",
        base_url=target.get("base_url"),
        timeout=TIMEOUT_S,
        max_retries=1,
    )
    try:
        response = client.embeddings.create(
            model=str(target.get("model") or DEFAULT_MODEL), input=texts
        )
    finally:
        client.close()
    return [list(item.embedding) for item in response.data]


class EmbeddingsError(KnownError):
    """The embeddings endpoint cannot give vectors (none there, unreachable, refused)."""


#: Statuses by which servers say they serve no embeddings (llama.cpp without ``--embeddings``
#: answers 501; a chat-only server 404 or 405).
NO_ENDPOINT_STATUSES = frozenset({404, 405, 501})


def embed_or_explain(
    texts: list[str], target: Mapping[str, Any], *, what: str
) -> list[list[float]]:
    """`embed_texts`, with SDK failures turned into an `EmbeddingsError` naming `what` (the
    model config), the URL and the cause; the vectors' count is checked."""
    import openai

    url = target.get("base_url") or os.environ.get("OPENAI_BASE_URL") or "api.openai.com"
    try:
        vectors = embed_texts(texts, target)
    except openai.APIStatusError as error:
        if error.status_code in NO_ENDPOINT_STATUSES:
            raise EmbeddingsError(
                f"{what} has no embeddings endpoint at {url} (HTTP {error.status_code}): "
                "choose a model config whose server serves /embeddings, or cluster with "
                "TF-IDF (the default)"
            ) from None
        detail = str(error.message)[:200]
        raise EmbeddingsError(
            f"the embeddings endpoint of {what} at {url} answered HTTP {error.status_code}: "
            f"{detail}"
        ) from None
    except openai.APIConnectionError as error:
        raise EmbeddingsError(
            f"cannot reach the embeddings endpoint of {what} at {url}: {error}"
        ) from None
    if len(vectors) != len(texts):
        raise EmbeddingsError(
            f"the embeddings endpoint of {what} returned {len(vectors)} vectors "
            f"for {len(texts)} texts"
        )
    return vectors
