"""Anthropic's Message Batches through the official SDK: create, poll, stream results.

Each request is ``{custom_id, params}`` where params are what the interactive provider sends to
``messages.create`` (system joined, ``max_tokens`` always set, sampling parameters in the body).
Results stream as JSONL; each is ``succeeded``, ``errored`` (with the API error), ``expired`` or
``canceled``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import anthropic

from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, ProviderError
from workbench.providers.anthropic_provider import anthropic_arguments
from workbench.providers.batch_common import (
    ANTHROPIC_LIMITS,
    BatchApiError,
    BatchItem,
    BatchLimits,
    BatchRequest,
    BatchState,
    expired_error,
    missing_error,
)
from workbench.providers.errors import provider_error
from workbench.providers.sdk_errors import classify_sdk_exception

# Anthropic error types → the workbench's kinds (an errored batch request has no HTTP status).
_ERROR_KINDS = {
    "invalid_request_error": ErrorKind.BAD_REQUEST,
    "authentication_error": ErrorKind.AUTH,
    "permission_error": ErrorKind.AUTH,
    "not_found_error": ErrorKind.BAD_REQUEST,
    "request_too_large": ErrorKind.BAD_REQUEST,
    "rate_limit_error": ErrorKind.RATE_LIMITED,
    "api_error": ErrorKind.SERVER,
    "overloaded_error": ErrorKind.SERVER,
}


class AnthropicBatchClient:
    """Message batches through `anthropic.AsyncAnthropic`.

    Args:
        api_key: the key; it never appears in an error message.
        base_url: None for api.anthropic.com.
        limits: per-batch limits (the documented ones unless a test lowers them).
    """

    provider = "anthropic"

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        limits: BatchLimits = ANTHROPIC_LIMITS,
    ) -> None:
        self.limits = limits
        self._api_key = api_key
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key or "unused", base_url=base_url, max_retries=2, timeout=timeout_s
        )
        self._where = str(self._client.base_url).rstrip("/")

    def encode(self, request: BatchRequest) -> dict[str, Any]:
        arguments = anthropic_arguments(
            ChatRequest(model=request.model, messages=request.messages, params=request.params)
        )
        extra = arguments.pop("extra_body", None) or {}
        return {"custom_id": request.custom_id, "params": {**arguments, **extra}}

    async def submit(self, items: Sequence[dict[str, Any]], *, label: str) -> str:
        try:
            batch = await self._client.messages.batches.create(requests=list(items))  # type: ignore[arg-type]
        except Exception as exc:
            raise self._error(exc) from exc
        return batch.id

    async def poll(self, batch_id: str) -> BatchState:
        try:
            batch = await self._client.messages.batches.retrieve(batch_id)
        except Exception as exc:
            raise self._error(exc) from exc
        counts = batch.request_counts
        failed = counts.errored + counts.expired + counts.canceled
        total = counts.processing + counts.succeeded + failed
        return BatchState(
            batch_id=batch.id,
            provider_status=batch.processing_status,
            ended=batch.processing_status == "ended",
            total=total,
            done=total - counts.processing,
            failed=failed,
        )

    async def results(self, batch_id: str) -> AsyncIterator[BatchItem]:
        try:
            decoder = await self._client.messages.batches.results(batch_id)
            async for entry in decoder:
                yield BatchItem(entry.custom_id, self._outcome(entry.result))
        except BatchApiError:
            raise
        except Exception as exc:
            raise self._error(exc) from exc

    def _outcome(self, result: Any) -> ChatResult | ProviderError:
        kind = getattr(result, "type", None)
        if kind == "succeeded":
            message = result.message
            text = "".join(
                getattr(block, "text", "") for block in message.content if block.type == "text"
            )
            return ChatResult(
                text=text,
                finish_reason=message.stop_reason,
                input_tokens=message.usage.input_tokens,
                output_tokens=message.usage.output_tokens,
                latency_ms=0.0,
                model=message.model,
            )
        if kind == "errored":
            error = result.error.error
            error_type = str(getattr(error, "type", "api_error"))
            reason = f"Anthropic {error_type}: {getattr(error, 'message', '')}"
            return provider_error(
                _ERROR_KINDS.get(error_type, ErrorKind.SERVER), reason, secrets=[self._api_key]
            )
        if kind == "expired":
            return expired_error("Anthropic")
        return missing_error("Anthropic", "canceled")

    async def cancel(self, batch_id: str) -> BatchState:
        try:
            await self._client.messages.batches.cancel(batch_id)
        except Exception as exc:
            raise self._error(exc) from exc
        return await self.poll(batch_id)

    def _error(self, exc: Exception) -> BatchApiError:
        return BatchApiError(
            classify_sdk_exception(exc, anthropic, secrets=[self._api_key], where=self._where)
        )

    async def aclose(self) -> None:
        await self._client.close()
