"""Turning HTTP failures into `ProviderError` values, shared by every transport.

Classification: 429 → rate limited (with the server's ``Retry-After``), 408 → timeout,
401/403 → auth, other 4xx → bad request, 5xx → server. Every message passes through
`scrub_secrets` first, because SDK and server error texts sometimes echo the key they were sent.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from workbench.core.llm import ErrorKind, ProviderError

MAX_MESSAGE_CHARS = 500

# Key shapes used by OpenAI (sk-..., sk-proj-...), Anthropic (sk-ant-...), Google (AIza...)
# and bearer headers; the first pattern's whole match is replaced.
_SECRET_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-]{3,}|AIza[0-9A-Za-z_\-]{30,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{8,}"),
    re.compile(r"(?i)(api[_-]?key['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9._\-]{8,}"),
)


def scrub_secrets(text: str, known: Iterable[str | None] = ()) -> str:
    """Replace anything that looks like an API key, and every known secret value, by ``***``."""
    for secret in known:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _SECRET_PATTERNS[0].sub("***", text)
    for pattern in _SECRET_PATTERNS[1:]:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


def parse_retry_after(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> float | None:
    """Seconds to wait from ``retry-after-ms``, or ``retry-after`` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if (millis := lowered.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def message_from_body(body: bytes | str | Any) -> str:
    """The error message inside an OpenAI or Anthropic error body, else the body itself."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return body.strip()
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return str(body)


def error_from_status(
    status: int,
    message: str,
    headers: Mapping[str, str] | None = None,
    *,
    secrets: Iterable[str | None] = (),
) -> ProviderError:
    """Classify an HTTP error status; the message is scrubbed and shortened."""
    text = f"HTTP {status}: {clean_message(message, secrets)}"
    if status == 429:
        return ProviderError(ErrorKind.RATE_LIMITED, text, status, parse_retry_after(headers))
    if status == 408:
        return ProviderError(ErrorKind.TIMEOUT, text, status)
    if status in (401, 403):
        return ProviderError(ErrorKind.AUTH, text, status)
    if 400 <= status < 500:
        return ProviderError(ErrorKind.BAD_REQUEST, text, status)
    retry_after = parse_retry_after(headers) if status == 503 else None
    return ProviderError(ErrorKind.SERVER, text, status, retry_after)


def clean_message(message: str, secrets: Iterable[str | None] = ()) -> str:
    """Scrub secrets and cut a message to a readable length."""
    text = scrub_secrets(" ".join(message.split()), secrets)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def provider_error(
    kind: ErrorKind, message: str, *, secrets: Iterable[str | None] = (), status: int | None = None
) -> ProviderError:
    """A `ProviderError` whose message is scrubbed and shortened."""
    return ProviderError(kind, clean_message(message, secrets), status)
