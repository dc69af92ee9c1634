"""Decoding an OpenAI-style chat-completions SSE stream from the bytes as they arrive.

`ChatStreamDecoder` is fed whatever the socket delivered (``feed``), in pieces of any size: an
event, a line or a multi-byte character may be cut anywhere. It keeps the incomplete last line
for the next piece and handles the complete ones, so a stream that arrives in one piece costs one
call instead of one ``readline`` await per line (the cost that dominated the lean client's CPU on
fast local servers; see ``bench/README.md``).

Each ``data:`` line is one JSON chunk (blank separators, comments and ``event:`` lines are
skipped; ``data: [DONE]`` ends the answer). The complete lines of a piece are decoded from UTF-8
once and each chunk is read with the standard library's JSON decoder on that text. Anything the
fast path does not take as it is — bytes that are not strict UTF-8, a chunk the decoder refuses —
is read again, line by line, the way the client always did (``json.loads`` on the line's bytes),
so every stream is accepted or refused exactly as before, with the same messages.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from workbench.core.llm import ChatResult, DeltaSink
from workbench.providers.errors import message_from_body

_ASCII_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() removes (str.strip() removes more)
_decode_json = json.JSONDecoder().raw_decode


class MalformedResponse(Exception):
    """The server answered 200 with a body that is not a chat completion."""


class ChatStreamDecoder:
    """Accumulates one streamed chat completion: text, finish reason, usage, model, TTFT.

    Args:
        on_delta: called with each piece of text in order, as soon as its chunk is decoded.
        clock: the time source of the time to first token (`time.perf_counter` units).

    Raises (from `feed` and `finish`): `MalformedResponse` for a chunk that is not a JSON object
    or reports an error; `ConnectionResetError` when the stream ends before the answer does.
    """

    def __init__(
        self, on_delta: DeltaSink | None = None, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self._on_delta = on_delta
        self._clock = clock
        self._tail = b""
        self.pieces: list[str] = []
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] = {}
        self.model: str | None = None
        self.first_token_at: float | None = None
        self.done = False  # ``data: [DONE]`` was seen; nothing after it is read

    def feed(self, data: bytes) -> bool:
        """Take the next bytes of the stream; True once ``[DONE]`` has been seen."""
        if self.done:
            return True
        if self._tail:
            data = self._tail + data
        cut = data.rfind(b"\n")
        if cut < 0:
            self._tail = data
            return False
        self._tail = data[cut + 1 :]
        self._lines(data[:cut])
        return self.done

    def finish(self) -> None:
        """The connection ended: take a last line without a newline, check the answer is whole."""
        if not self.done and self._tail:
            tail, self._tail = self._tail, b""
            self._lines(tail)
        if not self.done and self.finish_reason is None:
            raise ConnectionResetError("the stream ended before the answer was complete")
        if self.finish_reason is None and not self.pieces:
            # A bare [DONE]: the server gave up on the request (an interrupted llama.cpp stream
            # does this). Recording it as an empty answer would score it as a failed reply.
            raise MalformedResponse(
                "the stream ended without an answer (no text, no finish reason)"
            )

    def result(self, started: float, *, count_chunks: bool = False) -> ChatResult:
        """The answer; `started` is when the request was sent (`clock` units).

        `count_chunks`: when the stream carried no usage, report the number of content chunks
        as output tokens (llama.cpp servers send one chunk per token and no usage in streams).
        """
        output_tokens = self.usage.get("completion_tokens")
        if output_tokens is None and count_chunks:
            output_tokens = len(self.pieces)
        first = self.first_token_at
        return ChatResult(
            text="".join(self.pieces),
            finish_reason=self.finish_reason,
            input_tokens=self.usage.get("prompt_tokens"),
            output_tokens=output_tokens,
            latency_ms=(self._clock() - started) * 1000,
            ttft_ms=None if first is None else (first - started) * 1000,
            model=self.model,
        )

    def _lines(self, block: bytes) -> None:
        """Handle complete lines (`block` holds no final newline)."""
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            for raw in block.split(b"\n"):
                if self._line_bytes(raw):
                    return
            return
        for line in text.split("\n"):
            if not line.startswith("data:"):
                line = line.strip(_ASCII_SPACE)
                if not line.startswith("data:"):
                    continue  # blank separators, comments and "event:" lines
            payload = line[5:].strip(_ASCII_SPACE)
            if payload == "[DONE]":
                self.done = True
                return
            try:
                chunk, end = _decode_json(payload)
            except ValueError:
                end = -1
            if end != len(payload):
                # Not plain JSON to this decoder (or extra data): the bytes path decides.
                chunk = _load_chunk(payload.encode("utf-8"))
            self._take(chunk, payload)

    def _line_bytes(self, raw: bytes) -> bool:
        """The original per-line reading, for lines that are not strict UTF-8; True on [DONE]."""
        line = raw.strip()
        if not line.startswith(b"data:"):
            return False
        payload = line[5:].strip()
        if payload == b"[DONE]":
            self.done = True
            return True
        self._take(_load_chunk(payload), payload)
        return False

    def _take(self, chunk: Any, payload: str | bytes) -> None:
        if not isinstance(chunk, dict):
            raise MalformedResponse(f"unexpected stream chunk: {_shown(payload)!r}")
        if "error" in chunk:  # some servers report a failure mid-stream this way
            raise MalformedResponse(f"error in stream: {message_from_body(chunk)}")
        self.model = chunk.get("model") or self.model
        self.usage = chunk.get("usage") or self.usage
        for choice in chunk.get("choices") or ():
            text = (choice.get("delta") or {}).get("content")
            if text:
                if self.first_token_at is None:
                    self.first_token_at = self._clock()
                self.pieces.append(text)
                if self._on_delta is not None:
                    self._on_delta(text)
            self.finish_reason = choice.get("finish_reason") or self.finish_reason


def _load_chunk(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        raise MalformedResponse(f"unreadable stream chunk: {payload[:200]!r}") from None


def _shown(payload: str | bytes) -> bytes:
    """The first 200 bytes of a payload, as the messages have always shown them."""
    return (payload.encode("utf-8") if isinstance(payload, str) else payload)[:200]
