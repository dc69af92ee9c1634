"""OpenAI's Batch API through the official SDK: upload a JSONL file, create, poll, read results.

Each request is one line ``{custom_id, method: POST, url: /v1/chat/completions, body}``; the
body is what the interactive provider would send (``max_completion_tokens``, structured output).
The output file holds the answers, the error file the requests that failed (``response`` with a
non-200 status) or never ran (``error`` with ``batch_expired``/``batch_cancelled``). Both files
are streamed line by line, so collecting a 50,000-request batch holds one line at a time.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, Final

import openai

from workbench.core.llm import ChatResult, ErrorKind, ProviderError
from workbench.providers.batch_common import (
    OPENAI_LIMITS,
    BatchApiError,
    BatchItem,
    BatchLimits,
    BatchRequest,
    BatchState,
    expired_error,
    missing_error,
)
from workbench.providers.errors import error_from_status, message_from_body, provider_error
from workbench.providers.openai_params import openai_chat_params, openai_messages
from workbench.providers.sdk_errors import classify_sdk_exception

_ENDED = frozenset({"completed", "failed", "expired", "cancelled"})
ENDPOINT: Final = "/v1/chat/completions"


class OpenAIBatchClient:
    """Batches through `openai.AsyncOpenAI` (SDK retries on: these are few, idempotent reads
    and one upload, outside the engine's per-cell retry layer).

    Args:
        api_key: the key; it never appears in an error message.
        base_url: None for api.openai.com.
        limits: per-batch limits (the documented ones unless a test lowers them).
    """

    provider = "openai"

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        limits: BatchLimits = OPENAI_LIMITS,
    ) -> None:
        self.limits = limits
        self._api_key = api_key
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "unused", base_url=base_url, max_retries=2, timeout=timeout_s
        )
        self._where = str(self._client.base_url).rstrip("/")

    def encode(self, request: BatchRequest) -> dict[str, Any]:
        body = {
            "model": request.model,
            "messages": openai_messages(request.messages),
            **openai_chat_params(request.params, max_tokens_field="max_completion_tokens"),
        }
        return {"custom_id": request.custom_id, "method": "POST", "url": ENDPOINT, "body": body}

    async def submit(self, items: Sequence[dict[str, Any]], *, label: str) -> str:
        data = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode("utf-8")
        try:
            uploaded = await self._client.files.create(
                file=(f"{label}.jsonl", data), purpose="batch"
            )
            batch = await self._client.batches.create(
                input_file_id=uploaded.id,
                endpoint=ENDPOINT,
                completion_window="24h",
                metadata={"workbench": label[:512]},
            )
        except Exception as exc:
            raise self._error(exc) from exc
        return batch.id

    async def poll(self, batch_id: str) -> BatchState:
        try:
            batch = await self._client.batches.retrieve(batch_id)
        except Exception as exc:
            raise self._error(exc) from exc
        counts = batch.request_counts
        total = counts.total if counts else 0
        completed = counts.completed if counts else 0
        failed = counts.failed if counts else 0
        message = None
        if batch.status == "failed" and batch.errors and batch.errors.data:
            reasons = [
                f"{e.message or e.code}" + (f" (line {e.line})" if e.line else "")
                for e in batch.errors.data[:5]
            ]
            message = "OpenAI refused the batch input: " + "; ".join(reasons)
        return BatchState(
            batch_id=batch.id,
            provider_status=batch.status,
            ended=batch.status in _ENDED,
            total=total,
            done=completed + failed,
            failed=failed,
            message=message,
        )

    async def results(self, batch_id: str) -> AsyncIterator[BatchItem]:
        try:
            batch = await self._client.batches.retrieve(batch_id)
        except Exception as exc:
            raise self._error(exc) from exc
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id is None:
                continue
            async for line in self._lines(file_id):
                yield self._item(json.loads(line), batch.status)

    async def _lines(self, file_id: str) -> AsyncIterator[str]:
        try:
            async with self._client.files.with_streaming_response.content(file_id) as response:
                async for line in response.iter_lines():
                    if line.strip():
                        yield line
        except Exception as exc:
            raise self._error(exc) from exc

    def _item(self, line: dict[str, Any], status: str) -> BatchItem:
        custom_id = str(line.get("custom_id"))
        response = line.get("response")
        error = line.get("error")
        if isinstance(response, dict) and response.get("status_code") == 200:
            body = response.get("body") or {}
            choices = body.get("choices") or []
            if not choices:
                return BatchItem(custom_id, self._malformed("the answer has no choices"))
            choice = choices[0]
            usage = body.get("usage") or {}
            return BatchItem(
                custom_id,
                ChatResult(
                    text=(choice.get("message") or {}).get("content") or "",
                    finish_reason=choice.get("finish_reason"),
                    input_tokens=usage.get("prompt_tokens"),
                    output_tokens=usage.get("completion_tokens"),
                    latency_ms=0.0,
                    model=body.get("model"),
                ),
            )
        if isinstance(response, dict) and response.get("status_code") is not None:
            status_code = int(response["status_code"])
            outcome = error_from_status(
                status_code, message_from_body(response.get("body") or {}), secrets=[self._api_key]
            )
            return BatchItem(custom_id, outcome)
        if isinstance(error, dict):
            code = str(error.get("code") or "")
            if code == "batch_expired":
                return BatchItem(custom_id, expired_error("OpenAI"))
            if code == "batch_cancelled":
                return BatchItem(custom_id, missing_error("OpenAI", "cancelled"))
            text = f"OpenAI batch error {code}: {error.get('message') or ''}".strip()
            return BatchItem(custom_id, provider_error(ErrorKind.SERVER, text))
        return BatchItem(custom_id, missing_error("OpenAI", status))

    def _malformed(self, why: str) -> ProviderError:
        return ProviderError(ErrorKind.MALFORMED, f"unreadable batch answer from OpenAI: {why}")

    async def cancel(self, batch_id: str) -> BatchState:
        try:
            await self._client.batches.cancel(batch_id)
        except Exception as exc:
            raise self._error(exc) from exc
        return await self.poll(batch_id)

    def _error(self, exc: Exception) -> BatchApiError:
        return BatchApiError(
            classify_sdk_exception(exc, openai, secrets=[self._api_key], where=self._where)
        )

    async def aclose(self) -> None:
        await self._client.close()
