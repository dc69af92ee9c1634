"""Response cache: a versioned hash of what was asked, mapped to the successful answer.

The key is the SHA-256 of a canonical JSON of (cache version, provider, base URL, model,
parameters, messages, repeat index). Bump `CACHE_VERSION` whenever the key or the stored value
changes shape, so old entries are simply never found again. Only successful answers are stored.

`use_cache=False` on a run bypasses *reads* but still *writes*: a fresh answer replaces the cached
one, so the next cached run shows the newest output rather than a stale one.

At run start the engine loads every key the run needs in one pass (`ResponseCache.preload`);
later lookups are dictionary reads, so a warm run does no per-cell database round trip.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from workbench.core.llm import ChatResult, Message
from workbench.core.models import ModelConfigContent

CACHE_VERSION = 1


class CacheBackend(Protocol):
    """The store's cache methods the engine uses."""

    def cache_get(self, key: str) -> dict[str, Any] | None: ...

    def cache_put(self, key: str, value: dict[str, Any]) -> None: ...


def cache_key(
    config: ModelConfigContent,
    params: dict[str, Any],
    messages: Sequence[Message],
    repeat: int,
) -> str:
    """The hex key for one call."""
    payload = {
        "v": CACHE_VERSION,
        "provider": config.provider,
        "base_url": (config.base_url or "").rstrip("/"),
        "model": config.model,
        "params": params,
        "messages": [[m.role, m.content] for m in messages],
        "repeat": repeat,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def result_to_entry(result: ChatResult) -> dict[str, Any]:
    """The JSON-able value stored for a successful answer."""
    return {
        "text": result.text,
        "finish_reason": result.finish_reason,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "latency_ms": result.latency_ms,
        "ttft_ms": result.ttft_ms,
        "model": result.model,
    }


def entry_to_result(entry: dict[str, Any]) -> ChatResult:
    """Rebuild the answer from a stored value."""
    return ChatResult(
        text=entry["text"],
        finish_reason=entry.get("finish_reason"),
        input_tokens=entry.get("input_tokens"),
        output_tokens=entry.get("output_tokens"),
        latency_ms=float(entry.get("latency_ms") or 0.0),
        ttft_ms=entry.get("ttft_ms"),
        model=entry.get("model"),
    )


class ResponseCache:
    """An in-memory layer over the store's cache, filled once per run.

    Reads hit only the preloaded dictionary; writes go to the dictionary at once and to the
    store through the run's writer (see `workbench.engine.writer`), never across a network await.
    """

    def __init__(self, backend: CacheBackend) -> None:
        self._backend = backend
        self._entries: dict[str, dict[str, Any]] = {}
        self._missed: set[str] = set()

    def preload(self, keys: Iterable[str]) -> int:
        """Load the entries for `keys` in one batch; returns how many were found.

        Keys already looked up (found or not) are skipped, so preloading twice costs nothing.

        Uses the store's ``cache_get_many`` when it offers one (one query), otherwise one
        ``cache_get`` per key inside this single synchronous pass.
        """
        wanted = [
            k for k in dict.fromkeys(keys) if k not in self._entries and k not in self._missed
        ]
        get_many = getattr(self._backend, "cache_get_many", None)
        if get_many is not None:
            found: dict[str, dict[str, Any]] = get_many(wanted)
        else:
            found = {}
            for key in wanted:
                value = self._backend.cache_get(key)
                if value is not None:
                    found[key] = value
        self._entries.update(found)
        self._missed.update(k for k in wanted if k not in found)
        return len(found)

    def has(self, key: str) -> bool:
        """Whether an answer for `key` is known."""
        return key in self._entries

    def get(self, key: str) -> ChatResult | None:
        """The cached answer for `key`, if preloaded or written during this run."""
        entry = self._entries.get(key)
        return entry_to_result(entry) if entry is not None else None

    def remember(self, key: str, result: ChatResult) -> dict[str, Any]:
        """Keep a successful answer in memory; returns the entry the writer must persist."""
        entry = result_to_entry(result)
        self._entries[key] = entry
        return entry
