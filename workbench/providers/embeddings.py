"""Embeddings from an OpenAI-compatible endpoint, for the ``similar`` criterion.

Scoring does not talk to the network itself: the application layer hands the scorer this
function (through `ScoringContext.embed`), so the SDK stays in the providers layer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

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
        api_key=os.environ.get(str(target.get("api_key_env") or "OPENAI_API_KEY"))
        or "not-needed",
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
