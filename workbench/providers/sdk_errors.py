"""Classifying exceptions raised by the `openai` and `anthropic` SDKs (and their httpx2 layer).

Both SDKs share one exception family (``APITimeoutError`` ⊂ ``APIConnectionError``,
``APIStatusError`` with ``status_code`` and the response headers, ``APIResponseValidationError``),
so one function serves both. While a stream is being read the SDKs let transport errors through
unwrapped, hence the httpx2 branches.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from types import ModuleType

import httpx2

from workbench.core.llm import ChatResult, ErrorKind, Outcome, ProviderError
from workbench.providers.errors import error_from_status, message_from_body, provider_error

log = logging.getLogger(__name__)


def classify_sdk_exception(
    exc: Exception, sdk: ModuleType, *, secrets: Iterable[str | None] = (), where: str = ""
) -> ProviderError:
    """The `ProviderError` for an exception raised while calling `sdk` (openai or anthropic)."""
    secrets = list(secrets)
    if isinstance(exc, sdk.APITimeoutError | httpx2.TimeoutException | TimeoutError):
        return provider_error(ErrorKind.TIMEOUT, f"request to {where} timed out")
    if isinstance(exc, sdk.APIStatusError):
        body = exc.body if exc.body is not None else exc.message
        return error_from_status(
            exc.status_code, message_from_body(body), exc.response.headers, secrets=secrets
        )
    if isinstance(exc, sdk.APIConnectionError | httpx2.TransportError | ConnectionError):
        cause = exc.__cause__ or exc
        return provider_error(
            ErrorKind.CONNECTION,
            f"connection to {where} failed: {type(cause).__name__}: {cause}",
            secrets=secrets,
        )
    if isinstance(exc, sdk.APIResponseValidationError | json.JSONDecodeError | MalformedAnswer):
        return provider_error(
            ErrorKind.MALFORMED, f"unreadable answer from {where}: {exc}", secrets=secrets
        )
    log.exception("unexpected failure calling %s", where, exc_info=exc)
    return provider_error(
        ErrorKind.CRASHED, f"unexpected {type(exc).__name__}: {exc}", secrets=secrets
    )


class MalformedAnswer(Exception):
    """A 200 answer that lacks what every answer must have (choices, content)."""


async def guarded_sdk_call(
    call: Callable[[], Awaitable[ChatResult]],
    sdk: ModuleType,
    *,
    timeout_s: float,
    secrets: Iterable[str | None],
    where: str,
) -> Outcome:
    """Run one SDK call under `timeout_s`; every failure becomes a `ProviderError`.

    Only cancellation propagates, so the engine can cancel a run; everything else is data.
    """
    try:
        async with asyncio.timeout(timeout_s):
            return await call()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return classify_sdk_exception(exc, sdk, secrets=secrets, where=where)
