"""HTTP status → ErrorKind classification and Retry-After parsing."""

from __future__ import annotations

import email.utils

import pytest

from workbench.core.llm import ErrorKind
from workbench.providers.errors import error_from_status, message_from_body, parse_retry_after


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),  # ms is the more precise one
        ({"Retry-After": "-4"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str] | None, seconds: float | None) -> None:
    assert parse_retry_after(headers) == seconds


def test_parse_retry_after_http_date() -> None:
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)

    assert parse_retry_after({"Retry-After": header}, now=now) == pytest.approx(30.0)


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (429, ErrorKind.RATE_LIMITED, True),
        (408, ErrorKind.TIMEOUT, True),
        (401, ErrorKind.AUTH, False),
        (403, ErrorKind.AUTH, False),
        (400, ErrorKind.BAD_REQUEST, False),
        (404, ErrorKind.BAD_REQUEST, False),
        (422, ErrorKind.BAD_REQUEST, False),
        (500, ErrorKind.SERVER, True),
        (502, ErrorKind.SERVER, True),
        (529, ErrorKind.SERVER, True),
    ],
)
def test_error_from_status(status: int, kind: ErrorKind, retryable: bool) -> None:
    error = error_from_status(status, "boom", {"Retry-After": "2"})

    assert (error.kind, error.status, error.retryable) == (kind, status, retryable)
    assert error.message == f"HTTP {status}: boom"
    assert (error.retry_after_s == 2.0) == (status == 429)


def test_long_messages_are_cut() -> None:
    error = error_from_status(500, "x" * 5000)

    assert len(error.message) < 600 and error.message.endswith("…")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"error": {"message": "Bad model", "type": "invalid_request_error"}}', "Bad model"),
        ('{"type": "error", "error": {"type": "overloaded_error", "message": "Busy"}}', "Busy"),
        ({"error": "plain string"}, "plain string"),
        (b"<html>502 Bad Gateway</html>", "<html>502 Bad Gateway</html>"),
    ],
)
def test_message_from_body(body: object, message: str) -> None:
    assert message_from_body(body) == message
