"""`ChatStreamDecoder`: SSE chat streams fed in arbitrary pieces, checked against a line reader.

The reference (`line_by_line`) is the lean client's previous reading, one ``readline`` per line
and ``json.loads`` per ``data:`` line: whatever way a stream is cut into pieces, the decoder must
give the same answer, deltas and errors as that reading. The client over a real socket is tested
in test_openai_style.py (cut streams, malformed bodies, bare [DONE], deltas in order).
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import pytest

from workbench.providers.chat_stream import ChatStreamDecoder, MalformedResponse
from workbench.providers.errors import message_from_body


def event(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> str:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "m-1",
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"


WORDS = ["Réponse ", "à: ", "€ 12,50 ", "— ", "ça ", "va ", "😀 ", "\\n ", '"cité"']
USAGE = {"prompt_tokens": 17, "completion_tokens": len(WORDS), "total_tokens": 17 + len(WORDS)}
STREAM = (
    event({"role": "assistant", "content": ""})
    + "".join(event({"content": w}) for w in WORDS)
    + event({}, "stop")
    + "data: "
    + json.dumps({"id": "chatcmpl-1", "model": "m-1", "choices": [], "usage": USAGE})
    + "\n\n"
    + "data: [DONE]\n\n"
).encode()


def line_by_line(stream: bytes) -> tuple[dict[str, Any], list[str]]:
    """The previous reading: what it answered, or the error it raised, and the deltas."""
    deltas: list[str] = []
    pieces: list[str] = []
    finish: str | None = None
    usage: dict[str, Any] = {}
    model: str | None = None
    finished = False
    lines = stream.split(b"\n")
    try:
        for raw in [line + b"\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else []):
            line = raw.strip()
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == b"[DONE]":
                finished = True
                break
            try:
                chunk = json.loads(payload)
            except ValueError:
                raise MalformedResponse(f"unreadable stream chunk: {payload[:200]!r}") from None
            if not isinstance(chunk, dict):
                raise MalformedResponse(f"unexpected stream chunk: {payload[:200]!r}")
            if "error" in chunk:
                raise MalformedResponse(f"error in stream: {message_from_body(chunk)}")
            model = chunk.get("model") or model
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or ():
                text = (choice.get("delta") or {}).get("content")
                if text:
                    pieces.append(text)
                    deltas.append(text)
                finish = choice.get("finish_reason") or finish
        if not finished and finish is None:
            raise ConnectionResetError("the stream ended before the answer was complete")
        if finish is None and not pieces:
            raise MalformedResponse(
                "the stream ended without an answer (no text, no finish reason)"
            )
    except (MalformedResponse, ConnectionResetError) as exc:
        return {"error": (type(exc).__name__, str(exc))}, deltas
    answer = {
        "text": "".join(pieces),
        "finish_reason": finish,
        "input_tokens": usage.get("prompt_tokens"),
        "output_tokens": usage.get("completion_tokens"),
        "model": model,
    }
    return answer, deltas


def decoded(pieces: list[bytes]) -> tuple[dict[str, Any], list[str]]:
    """What the decoder answers when the stream arrives in `pieces` (the client's loop)."""
    deltas: list[str] = []
    decoder = ChatStreamDecoder(deltas.append, clock=lambda: 2.0)
    try:
        for piece in pieces:
            if decoder.feed(piece):
                break
        decoder.finish()
    except (MalformedResponse, ConnectionResetError) as exc:
        return {"error": (type(exc).__name__, str(exc))}, deltas
    result = decoder.result(1.0)
    answer = {
        "text": result.text,
        "finish_reason": result.finish_reason,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "model": result.model,
    }
    return answer, deltas


def split_at(stream: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(set(cuts)), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def ways_to_cut(stream: bytes, seed: int = 0) -> list[list[bytes]]:
    """Whole, byte by byte, inside every event, and random cuts (inside characters too)."""
    rng = random.Random(seed)
    ways = [[stream], [stream[i : i + 1] for i in range(len(stream))]]
    ways += [split_at(stream, [i]) for i in range(1, len(stream), 7)]
    ways += [split_at(stream, rng.sample(range(1, len(stream)), 5)) for _ in range(50)]
    return ways


def test_a_whole_stream_gives_text_usage_finish_and_model() -> None:
    answer, deltas = decoded([STREAM])

    assert answer == {
        "text": "".join(WORDS),
        "finish_reason": "stop",
        "input_tokens": 17,
        "output_tokens": len(WORDS),
        "model": "m-1",
    }
    assert deltas == WORDS


def test_events_split_anywhere_decode_the_same() -> None:
    expected = line_by_line(STREAM)
    assert expected[0]["text"] == "".join(WORDS)
    for pieces in ways_to_cut(STREAM):
        assert decoded(pieces) == expected, [len(p) for p in pieces]


def test_a_multibyte_character_cut_between_pieces_is_not_damaged() -> None:
    at = STREAM.index("😀".encode()) + 2  # inside the emoji's four bytes
    answer, _ = decoded([STREAM[:at], STREAM[at:]])

    assert "😀" in answer["text"]


def test_the_usage_chunk_after_the_finish_is_kept() -> None:
    answer, _ = decoded([STREAM])

    assert (answer["input_tokens"], answer["output_tokens"]) == (17, len(WORDS))


@pytest.mark.parametrize("count_chunks", [False, True])
def test_a_stream_without_usage_counts_chunks_only_when_asked(count_chunks: bool) -> None:
    stream = event({"content": "a"}) + event({"content": "b"}, "stop") + "data: [DONE]\n\n"
    decoder = ChatStreamDecoder()
    decoder.feed(stream.encode())
    decoder.finish()

    result = decoder.result(0.0, count_chunks=count_chunks)

    assert result.input_tokens is None
    assert result.output_tokens == (2 if count_chunks else None)


@pytest.mark.parametrize(
    ("cut", "error"),
    [
        # A clean end inside an event leaves half a JSON line: unreadable, as it always was
        # (over a socket, a connection cut mid-answer is a payload error before this).
        pytest.param(
            lambda s: s[: s.index(b"data:", 200) + 30], "MalformedResponse", id="mid-event"
        ),
        pytest.param(
            lambda s: s[: s.index(b"\n\n", 200) + 1], "ConnectionResetError", id="between-lines"
        ),
        pytest.param(
            lambda s: s[: s.index(b'"finish_reason": "stop"')],
            "MalformedResponse",
            id="before-finish",
        ),
        pytest.param(
            lambda s: s[: s.index(b'data: {"id": "chatcmpl-1", "model": "m-1", "choices": []')],
            None,
            id="before-usage",
        ),
    ],
)
def test_a_stream_cut_short(cut: Any, error: str | None) -> None:
    stream = cut(STREAM)
    for pieces in ways_to_cut(stream)[:20]:
        answer, deltas = decoded(pieces)
        assert (answer, deltas) == line_by_line(stream)
        if error is None:  # the finish reason came: an answer, without its usage
            assert answer["finish_reason"] == "stop" and answer["output_tokens"] is None
        else:
            assert answer["error"][0] == error


def test_a_stream_cut_after_the_finish_reason_but_before_done_is_an_answer() -> None:
    stream = STREAM[: STREAM.index(b"data: [DONE]")]

    assert decoded([stream])[0]["finish_reason"] == "stop"
    assert decoded([stream]) == line_by_line(stream)


def test_a_last_line_without_newline_is_read_at_the_end() -> None:
    stream = (event({"content": "fin"}) + event({}, "stop")).rstrip("\n").encode()

    assert decoded([stream])[0]["text"] == "fin"
    assert decoded([stream[:-5], stream[-5:]]) == line_by_line(stream)


def test_an_error_event_is_malformed_with_its_message() -> None:
    error = {"error": {"message": "model overloaded", "type": "server_error"}}
    stream = (event({"content": "Bon"}) + f"data: {json.dumps(error)}\n\n").encode()

    for pieces in ways_to_cut(stream)[:30]:
        answer, deltas = decoded(pieces)
        assert answer["error"][0] == "MalformedResponse"
        assert "model overloaded" in answer["error"][1]
        assert deltas == ["Bon"]
        assert (answer, deltas) == line_by_line(stream)


@pytest.mark.parametrize(
    "line",
    [
        b'data: {"choices": [{"delta": {"cont',  # cut JSON
        b"data: [1, 2]",  # JSON, not an object
        b"data: ",  # nothing
        b'data: {"choices": []} trailing',  # extra data
        b'data: {"choices": []}\xc2\xa0',  # a no-break space is not JSON's white space
        b'data: {"choices": [{"delta": {"content": "\xff"}}]}',  # not UTF-8
    ],
)
def test_unreadable_chunks_are_refused_as_before(line: bytes) -> None:
    stream = event({"content": "ok"}).encode() + line + b"\n\n" + event({}, "stop").encode()

    answer, _ = decoded([stream])

    assert answer["error"][0] == "MalformedResponse"
    assert (answer, _) == line_by_line(stream)
    for pieces in ways_to_cut(stream)[:40]:
        assert decoded(pieces) == line_by_line(stream)


def test_comments_event_lines_crlf_and_a_bom_read_as_before() -> None:
    stream = (
        b": keep-alive\r\n\r\n"
        b"event: chunk\r\n"
        + event({"content": "a"}).replace("\n", "\r\n").encode()
        + b": not UTF-8 \xff\xfe here\n\n"
        + b"data: \xef\xbb\xbf"
        + event({"content": "b"}, "stop")[6:].encode()
        + b"   data: [DONE]  \n\n"
        + b"data: this is never read\n\n"
    )

    answer, deltas = decoded([stream])

    assert answer["text"] == "ab" and answer["finish_reason"] == "stop" and deltas == ["a", "b"]
    for pieces in ways_to_cut(stream):
        assert decoded(pieces) == line_by_line(stream)


def test_a_bare_done_is_no_answer() -> None:
    answer, _ = decoded([b"data: [DONE]\n\n"])

    assert answer["error"] == (
        "MalformedResponse",
        "the stream ended without an answer (no text, no finish reason)",
    )


def test_nothing_is_read_after_done() -> None:
    decoder = ChatStreamDecoder()

    assert decoder.feed(event({"content": "x"}, "stop").encode() + b"data: [DONE]\n\ndata: {")
    assert decoder.feed(b"garbage\n\n")
    decoder.finish()
    assert decoder.result(0.0).text == "x"


def test_time_to_first_token_is_taken_at_the_first_text() -> None:
    times = iter([5.0, 9.0])
    decoder = ChatStreamDecoder(clock=lambda: next(times))
    decoder.feed(event({"role": "assistant", "content": ""}).encode())
    decoder.feed(event({"content": "a"}).encode())  # the first text: 5.0
    decoder.feed(event({}, "stop").encode())
    decoder.finish()

    result = decoder.result(1.0)  # ends at 9.0

    assert result.ttft_ms == 4000.0 and result.latency_ms == 8000.0
