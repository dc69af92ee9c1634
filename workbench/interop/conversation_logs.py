"""Streaming readers for production conversation logs (see docs/conversation-logs.md).

Three shapes are read, one message or conversation per line, never the whole file in memory:

- **generic** JSONL or CSV: one message per line with a conversation id, a timestamp, a role
  and the text, plus optional channel, intent, rating (CSAT) and hand-off flag;
- **openai**: JSONL where each line is one conversation ``{"messages": [{"role", "content"}]}``
  (the fine-tuning / chat-completions shape), with an optional ``id`` and ``metadata``;
  this is also the shape of the project's simulation export (``workbench simulate export``:
  ``run``, ``case_id``, ``column``, ``customer``, ``repeat``, ``stop_reason`` beside
  ``messages``), whose conversation id is built from those keys;
- **workbench**: the project's conversation sets (``NAME.conversations.jsonl``), one
  conversation per line ``{"id", "turns": [{"role", "content"|"text", "at"?}], ...}``.

Readers yield `LogRecord` for good messages and `BadLine` for lines that cannot be read; the
caller decides whether one bad line refuses the file. A file whose header (CSV) lacks a
required column raises `FileFormatError` naming what is missing.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.core.errors import FileFormatError

FORMATS = ("generic", "openai", "workbench")

# Accepted names for each generic field, first one documented.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "conversation_id": ("conversation_id", "conversation", "conv_id", "session_id", "thread_id"),
    "timestamp": ("timestamp", "ts", "time", "created_at", "date", "at"),
    "role": ("role", "speaker", "author", "sender"),
    "text": ("text", "message", "content", "utterance"),
    "channel": ("channel",),
    "intent": ("intent",),
    "rating": ("rating", "csat", "score"),
    "handoff": ("handoff", "hand_off", "handed_off", "escalated", "transfer"),
}
REQUIRED = ("conversation_id", "timestamp", "role", "text")

ROLE_NAMES: dict[str, str] = {
    "user": "user",
    "customer": "user",
    "client": "user",
    "human": "user",
    "visitor": "user",
    "assistant": "assistant",
    "bot": "assistant",
    "ai": "assistant",
    "chatbot": "assistant",
    "agent": "agent",
    "operator": "agent",
    "conseiller": "agent",
    "human_agent": "agent",
    "system": "system",
    "developer": "system",
}
_TRUE = {"1", "true", "yes", "y", "oui", "vrai", "t"}
_FALSE = {"0", "false", "no", "n", "non", "faux", "f", ""}


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One message read from a log file (raw text: it must be anonymised before storing).

    Attributes:
        line: 1-based line of the file it came from.
        conversation: the conversation id.
        role: ``user``, ``assistant``, ``agent`` (a human after hand-off) or ``system``.
        text: the message text as written in the file.
        at: ISO-8601 UTC time, or None when the shape has none.
    """

    line: int
    conversation: str
    role: str
    text: str
    at: str | None = None
    channel: str | None = None
    intent: str | None = None
    rating: float | None = None
    handoff: bool | None = None


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that could not be read, with the reason (missing fields name themselves)."""

    line: int
    reason: str
    missing: tuple[str, ...] = ()


def detect_format(path: Path) -> str:
    """``generic``, ``openai`` or ``workbench`` from the file name and its first record."""
    if path.suffix.lower() in {".csv", ".tsv"}:
        return "generic"
    first = _first_json_line(path)
    if isinstance(first, dict):
        if isinstance(first.get("messages"), list):
            return "openai"
        if isinstance(first.get("turns"), list):
            return "workbench"
    return "generic"


def _first_json_line(path: Path) -> Any:
    with _open(path) as handle:
        for raw in handle:
            if raw.strip():
                try:
                    return json.loads(raw)
                except ValueError:
                    return None
    return None


def _open(path: Path) -> Any:
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as error:
        raise FileFormatError(
            f"cannot read the file: {error.strerror or error}", path=str(path)
        ) from None
    return handle


def iter_log_records(path: Path, fmt: str | None = None) -> Iterator[LogRecord | BadLine]:
    """Every message of the file in file order, or a `BadLine` where one cannot be read.

    Raises:
        FileFormatError: the file cannot be opened, is not UTF-8, or (CSV) its header lacks a
            required column.
    """
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise FileFormatError(
            f"unknown log format '{fmt}' (use {', '.join(FORMATS)})", path=str(path)
        )
    if fmt == "generic" and path.suffix.lower() in {".csv", ".tsv"}:
        reader = _csv_records(path)
    elif fmt == "generic":
        reader = _jsonl_lines(path, _generic_from_dict)
    elif fmt == "openai":
        reader = _jsonl_lines(path, _openai_from_dict)
    else:
        reader = _jsonl_lines(path, _workbench_from_dict)
    try:
        yield from reader
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"not valid UTF-8 ({error.reason}); save the file again as UTF-8", path=str(path)
        ) from None


def _jsonl_lines(path: Path, convert: Any) -> Iterator[LogRecord | BadLine]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as handle:
        for number, raw_bytes in enumerate(handle, start=1):
            try:
                raw = decoder.decode(raw_bytes)
            except UnicodeDecodeError:
                yield BadLine(number, "not valid UTF-8 text")
                decoder.reset()
                continue
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except ValueError as error:
                yield BadLine(number, f"not valid JSON ({error})")
                continue
            if not isinstance(data, dict):
                yield BadLine(number, "expected a JSON object on the line")
                continue
            yield from convert(number, data)


def _pick(data: dict[str, Any], field: str) -> Any:
    for name in FIELD_ALIASES[field]:
        if name in data and data[name] not in (None, ""):
            return data[name]
    return None


def _generic_from_dict(number: int, data: dict[str, Any]) -> Iterator[LogRecord | BadLine]:
    values = {field: _pick(data, field) for field in FIELD_ALIASES}
    # An empty reply is a real (unanswered) message; only a missing key is an error.
    if values["text"] is None and any(name in data for name in FIELD_ALIASES["text"]):
        values["text"] = ""
    yield _generic_record(number, values)


def _generic_record(number: int, values: dict[str, Any]) -> LogRecord | BadLine:
    missing = tuple(f for f in REQUIRED if values[f] is None)
    if missing:
        return BadLine(number, "missing " + ", ".join(_describe(f) for f in missing), missing)
    role = _role(values["role"])
    if role is None:
        return BadLine(number, f"unknown role {values['role']!r} (use user, assistant or agent)")
    try:
        at = parse_time(values["timestamp"])
        rating = _rating(values["rating"])
        handoff = _flag(values["handoff"])
    except ValueError as error:
        return BadLine(number, str(error))
    if not isinstance(values["text"], str):
        return BadLine(number, "the text is not a string")
    return LogRecord(
        line=number,
        conversation=str(values["conversation_id"]),
        role=role,
        text=values["text"],
        at=at,
        channel=_opt_str(values["channel"]),
        intent=_opt_str(values["intent"]),
        rating=rating,
        handoff=handoff,
    )


def _describe(field: str) -> str:
    names = FIELD_ALIASES[field]
    return f"{field.replace('_', ' ')} ('{names[0]}'" + (
        f" or {', '.join(repr(n) for n in names[1:3])})" if len(names) > 1 else ")"
    )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _role(value: Any) -> str | None:
    return ROLE_NAMES.get(str(value).strip().lower())


def _rating(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        raise ValueError(f"rating {value!r} is not a number") from None


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"hand-off flag {value!r} is not yes/no")


def parse_time(value: Any) -> str:
    """ISO-8601 UTC text from an ISO string (``Z`` or offset; naive means UTC) or epoch seconds.

    Raises:
        ValueError: the value is neither, with the value quoted.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(float(value), tz=UTC)
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                moment = datetime.fromtimestamp(float(text), tz=UTC)
            except ValueError:
                raise ValueError(f"timestamp {value!r} is not ISO-8601 or epoch seconds") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _openai_from_dict(number: int, data: dict[str, Any]) -> Iterator[LogRecord | BadLine]:
    messages = data.get("messages")
    if not isinstance(messages, list):
        yield BadLine(number, "missing 'messages' (a list of {role, content})", ("messages",))
        return
    meta = {**_metadata(data), **_top_meta(data)}
    conversation = data.get("id") or meta.get("conversation_id")
    if conversation is None and "run" in data and "case_id" in data:
        # The project's simulation export (`workbench simulate export`): one conversation per
        # (run, case, column, customer, repeat); a hand-off is its stop reason.
        conversation = "/".join(
            str(data.get(k, "")) for k in ("run", "case_id", "column", "customer", "repeat")
        )
        if data.get("stop_reason") == "handoff":
            meta["handoff"] = True
    yield from _turns(number, str(conversation or f"line-{number}"), messages, meta)


def _metadata(data: dict[str, Any]) -> dict[str, Any]:
    found = data.get("metadata")
    return found if isinstance(found, dict) else {}


def _top_meta(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in {"messages", "turns", "id", "metadata"}}


def _workbench_from_dict(number: int, data: dict[str, Any]) -> Iterator[LogRecord | BadLine]:
    turns = data.get("turns")
    conversation = data.get("id") or data.get("conversation_id")
    if conversation is None:
        yield BadLine(number, "missing conversation id ('id')", ("conversation_id",))
        return
    if not isinstance(turns, list):
        yield BadLine(number, "missing 'turns' (a list of {role, text})", ("turns",))
        return
    meta = _metadata(data)
    yield from _turns(number, str(conversation), turns, {**meta, **_top_meta(data)})


def _turns(
    number: int, conversation: str, turns: list[Any], meta: dict[str, Any]
) -> Iterator[LogRecord | BadLine]:
    base_time = meta.get("timestamp") or meta.get("created_at") or meta.get("started_at")
    try:
        conversation_at = None if base_time is None else parse_time(base_time)
        rating = _rating(_pick(meta, "rating"))
        handoff = _flag(_pick(meta, "handoff"))
    except ValueError as error:
        yield BadLine(number, str(error))
        return
    records: list[LogRecord] = []
    for index, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict):
            yield BadLine(number, f"turn {index} is not an object")
            return
        role = _role(turn.get("role", ""))
        if role is None:
            yield BadLine(
                number, f"turn {index}: missing or unknown role {turn.get('role')!r}", ("role",)
            )
            return
        text = turn.get("content", turn.get("text"))
        if isinstance(text, list):  # content parts: keep the text ones
            text = " ".join(str(p.get("text", "")) for p in text if isinstance(p, dict))
        if text is None:
            text = ""
        if not isinstance(text, str):
            yield BadLine(number, f"turn {index}: the text is not a string")
            return
        stamp = turn.get("at") or turn.get("timestamp") or turn.get("created_at")
        try:
            at = parse_time(stamp) if stamp is not None else conversation_at
        except ValueError as error:
            yield BadLine(number, f"turn {index}: {error}")
            return
        records.append(
            LogRecord(
                line=number,
                conversation=conversation,
                role=role,
                text=text,
                at=at,
                channel=_opt_str(_pick(meta, "channel")),
                intent=_opt_str(turn.get("intent") or _pick(meta, "intent")),
                rating=rating,
                handoff=handoff,
            )
        )
    yield from records


def _csv_records(path: Path) -> Iterator[LogRecord | BadLine]:
    with _open(path) as handle:
        dialect: type[csv.Dialect] | str = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
        reader = csv.reader(handle, dialect=dialect)
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip().lower() for h in header]
        columns: dict[str, int] = {}
        for field, aliases in FIELD_ALIASES.items():
            for alias in aliases:
                if alias in names:
                    columns[field] = names.index(alias)
                    break
        missing = [f for f in REQUIRED if f not in columns]
        if missing:
            raise FileFormatError(
                "no "
                + ", ".join(_describe(f) for f in missing)
                + " column; the header has: "
                + ", ".join(header),
                path=str(path),
                line=1,
            )
        width = len(names)
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != width:
                yield BadLine(start, f"{len(cells)} cells where the header has {width}")
                continue
            values: dict[str, Any] = {
                f: (cells[columns[f]] if f in columns and cells[columns[f]] != "" else None)
                for f in FIELD_ALIASES
            }
            if values["text"] is None:
                values["text"] = ""
            yield _generic_record(start, values)
