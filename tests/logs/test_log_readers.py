"""Reading the three log shapes, and what bad lines and missing fields say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.core.errors import FileFormatError
from workbench.interop.conversation_logs import (
    BadLine,
    LogRecord,
    detect_format,
    iter_log_records,
    parse_time,
)


def _write(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
    )
    return path


def test_generic_jsonl_with_aliases_and_optional_fields(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "log.jsonl",
        [
            {
                "conversation": "a",
                "ts": 1762074000,
                "speaker": "customer",
                "message": "Bonjour",
                "csat": "4,5",
                "escalated": "oui",
                "channel": "web",
                "intent": "suivi",
            },
            {
                "conversation_id": "a",
                "timestamp": "2026-11-02T10:00:05+01:00",
                "role": "bot",
                "text": "",
            },
        ],
    )
    records = list(iter_log_records(path))
    assert records == [
        LogRecord(1, "a", "user", "Bonjour", "2025-11-02T09:00:00Z", "web", "suivi", 4.5, True),
        LogRecord(2, "a", "assistant", "", "2026-11-02T09:00:05Z"),
    ]
    assert detect_format(path) == "generic"


def test_bad_lines_name_the_line_and_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(
        '{"conversation_id": "a", "timestamp": "2026-11-02T10:00:00Z", "role": "user",'
        ' "text": "x"}\n'
        "{not json\n"
        '{"timestamp": "2026-11-02T10:00:00Z", "role": "user", "text": "x"}\n'
        '{"conversation_id": "a", "timestamp": "hier", "role": "user", "text": "x"}\n'
        '{"conversation_id": "a", "timestamp": "2026-11-02", "role": "robot", "text": "x"}\n',
        encoding="utf-8",
    )
    items = list(iter_log_records(path))
    assert isinstance(items[0], LogRecord)
    bad = [i for i in items if isinstance(i, BadLine)]
    assert [b.line for b in bad] == [2, 3, 4, 5]
    assert "not valid JSON" in bad[0].reason
    assert bad[1].missing == ("conversation_id",) and "conversation id" in bad[1].reason
    assert "'hier'" in bad[2].reason
    assert "unknown role 'robot'" in bad[3].reason


def test_csv_header_without_role_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("conversation_id,timestamp,text\na,2026-11-02,Bonjour\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as caught:
        list(iter_log_records(path))
    assert "role" in str(caught.value) and "log.csv:1" in str(caught.value)


def test_csv_multiline_cells_keep_their_starting_line(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "conversation_id,timestamp,role,text,handoff\n"
        'a,2026-11-02T10:00:00Z,user,"deux\nlignes",\n'
        "a,2026-11-02T10:00:01Z,assistant,ok,non\n"
        "a,2026-11-02T10:00:02Z,agent\n",
        encoding="utf-8",
    )
    items = list(iter_log_records(path))
    assert (
        isinstance(items[0], LogRecord) and items[0].line == 2 and items[0].text == "deux\nlignes"
    )
    assert isinstance(items[1], LogRecord) and items[1].line == 4 and items[1].handoff is False
    assert isinstance(items[2], BadLine) and items[2].line == 5


def test_openai_messages_shape(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "chat.jsonl",
        [
            {
                "id": "c1",
                "metadata": {"created_at": "2026-11-02T10:00:00Z", "rating": 2},
                "messages": [
                    {"role": "system", "content": "Tu es…"},
                    {"role": "user", "content": "Où est ma commande ?"},
                    {"role": "assistant", "content": [{"type": "text", "text": "Je regarde."}]},
                ],
            },
            {"messages": [{"role": "user", "content": "Bonjour"}]},
        ],
    )
    assert detect_format(path) == "openai"
    records = [r for r in iter_log_records(path) if isinstance(r, LogRecord)]
    assert [(r.conversation, r.role, r.text) for r in records] == [
        ("c1", "system", "Tu es…"),
        ("c1", "user", "Où est ma commande ?"),
        ("c1", "assistant", "Je regarde."),
        ("line-2", "user", "Bonjour"),
    ]
    assert records[1].at == "2026-11-02T10:00:00Z" and records[1].rating == 2


def test_the_projects_simulation_export(tmp_path: Path) -> None:
    # The line `workbench simulate export` writes (docs/conversations.md on the conversations
    # branch): OpenAI messages plus the simulation's keys; a hand-off is its stop reason.
    path = _write(
        tmp_path / "sim-3.jsonl",
        [
            {
                "run": "sim-3",
                "case_id": "late-parcel",
                "column": 1,
                "column_label": "v2",
                "customer": 0,
                "repeat": 0,
                "status": "finished",
                "stop_reason": "handoff",
                "error": None,
                "messages": [
                    {"role": "user", "content": "Mon colis ?"},
                    {"role": "assistant", "content": "[HUMAIN]"},
                ],
            },
        ],
    )
    assert detect_format(path) == "openai"
    records = [r for r in iter_log_records(path) if isinstance(r, LogRecord)]
    assert {r.conversation for r in records} == {"sim-3/late-parcel/1/0/0"}
    assert all(r.handoff for r in records) and records[0].role == "user"


def test_workbench_turns_shape(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "conv.jsonl",
        [
            {
                "id": "sim-1",
                "turns": [
                    {"role": "user", "text": "Salut", "at": "2026-11-02T10:00:00Z"},
                    {"role": "assistant", "text": "Bonjour !"},
                ],
            },
            {"turns": []},
        ],
    )
    assert detect_format(path) == "workbench"
    items = list(iter_log_records(path))
    assert [type(i).__name__ for i in items] == ["LogRecord", "LogRecord", "BadLine"]
    assert isinstance(items[2], BadLine) and "conversation id" in items[2].reason


def test_parse_time_forms() -> None:
    assert parse_time("2026-11-02 10:00:00") == "2026-11-02T10:00:00Z"
    assert parse_time("2026-11-02T10:00:00+02:00") == "2026-11-02T08:00:00Z"
    assert parse_time(0) == "1970-01-01T00:00:00Z"
    with pytest.raises(ValueError, match="not ISO-8601"):
        parse_time("mardi")
