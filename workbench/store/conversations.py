"""Simulation runs, their conversations, transcript messages and conversation scores.

A conversation is keyed by (run, case, column, customer, repeat). Each transcript message is
written in its own short transaction the moment it exists (with the response-cache entry of the
call that produced it), so a killed simulation loses no finished turn and resuming replays the
stored messages instead of calling the models again. Writes are plain synchronous calls made on
the engine's loop thread between network awaits, never across one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.runs import Column
from workbench.store.cache import _encode
from workbench.store.connection import Database
from workbench.store.tables import from_db_time, now_utc, to_db_time

if TYPE_CHECKING:  # the conversation models load with the first simulation read, not every store
    from workbench.core.conversations import (
        ConversationKey,
        ConversationResult,
        ConversationStatus,
        SimulationInfo,
        SimulationSpec,
        StopReason,
        TranscriptMessage,
    )

_KEY = ("run_id", "case_id", "column_index", "customer_index", "repeat")
_MSG_FIELDS = (
    "idx",
    "turn",
    "role",
    "content",
    "scripted",
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "cost_usd",
    "cache_hit",
    "attempts",
    "finished_at",
)
_CONV_FIELDS = ("status", "stop_reason", "error_kind", "error_message", "finished_at")


def _key_values(run_id: int, key: ConversationKey) -> tuple[Any, ...]:
    return (run_id, key.case_id, key.column, key.customer, key.repeat)


def _time(value: datetime | None) -> str | None:
    return to_db_time(value) if value is not None else None


class ConversationsMixin:
    """Simulation runs and conversations; mixed into `workbench.store.Store`."""

    _db: Database
    user: str

    # ------------------------------------------------------------------ runs

    def create_simulation(
        self,
        spec: SimulationSpec,
        columns: Sequence[Column],
        *,
        name: str,
        estimated_cost_usd: float | None = None,
    ) -> SimulationInfo:
        """Store a new simulation run (status ``pending``) after checking its version ids.

        Raises:
            NotFoundError: a version id is not stored.
            ValidationError: an id names a version of the wrong kind.
        """
        wanted: dict[str, str] = {spec.conversations_id: "conversations"}
        for vid in spec.prompt_ids:
            wanted[vid] = "prompt"
        for vid in spec.model_ids:
            wanted[vid] = "model"
        for pid in spec.persona_ids:
            if pid is not None:
                wanted[pid] = "persona"
        for cid in spec.customer_ids:
            if cid is not None:
                wanted[cid] = "customer"
        if spec.simulator_model_id is not None:
            wanted[spec.simulator_model_id] = "model"
        if spec.rubric_id is not None:
            wanted[spec.rubric_id] = "rubric"
        created = now_utc()
        with self._db.write() as connection:
            for vid, kind in wanted.items():
                found = connection.exec_driver_sql(
                    "SELECT kind FROM version_contents WHERE version_id = ?", (vid,)
                ).scalar()
                if found is None:
                    raise NotFoundError(f"no {kind} version with id {vid[:12]}")
                if found != kind:
                    raise ValidationError(f"version {vid[:12]} is a {found}, not a {kind}")
            cursor = connection.exec_driver_sql(
                "INSERT INTO simulation_runs (name, spec_json, columns_json, status, created_at,"
                " estimated_cost_usd, made_by) VALUES (?, ?, ?, 'pending', ?, ?, ?) RETURNING id",
                (
                    name,
                    spec.model_dump_json(),
                    json.dumps([c.model_dump(mode="json") for c in columns]),
                    to_db_time(created),
                    estimated_cost_usd,
                    self.user,
                ),
            )
            run_id = int(cursor.scalar_one())
        return self.get_simulation(run_id)

    def get_simulation(self, run_id: int) -> SimulationInfo:
        """A stored simulation run's header (NotFoundError when absent)."""
        with self._db.read() as connection:
            row = connection.exec_driver_sql(
                "SELECT id, name, spec_json, columns_json, status, created_at, finished_at,"
                " estimated_cost_usd FROM simulation_runs WHERE id = ?",
                (run_id,),
            ).first()
        if row is None:
            raise NotFoundError(f"no simulation run sim-{run_id}")
        return _info(tuple(row))

    def list_simulations(self) -> list[SimulationInfo]:
        """Every simulation run, newest first."""
        with self._db.read() as connection:
            rows = connection.exec_driver_sql(
                "SELECT id, name, spec_json, columns_json, status, created_at, finished_at,"
                " estimated_cost_usd FROM simulation_runs ORDER BY id DESC"
            ).all()
        return [_info(tuple(row)) for row in rows]

    def set_simulation_status(self, run_id: int, status: str) -> None:
        """Record a simulation's status; a final status also stamps the finish time."""
        finished = None if status in ("pending", "running") else to_db_time(now_utc())
        with self._db.write() as connection:
            connection.exec_driver_sql(
                "UPDATE simulation_runs SET status = ?, finished_at = ? WHERE id = ?",
                (status, finished, run_id),
            )

    # ------------------------------------------------------------------ conversations

    def add_conversation_message(
        self,
        run_id: int,
        key: ConversationKey,
        message: TranscriptMessage,
        cache_entry: tuple[str, dict[str, Any]] | None = None,
    ) -> None:
        """Write one transcript message (and its call's cache entry) in one transaction.

        The conversation row is created ``running`` if it does not exist yet.
        """
        values = (
            *_key_values(run_id, key),
            message.index,
            message.turn,
            message.role,
            message.content,
            int(message.scripted),
            message.input_tokens,
            message.output_tokens,
            message.latency_ms,
            message.cost_usd,
            int(message.cache_hit),
            message.attempts,
            _time(message.finished_at),
        )
        with self._db.write() as connection:
            connection.exec_driver_sql(
                f"INSERT INTO conversations ({', '.join(_KEY)}, status) VALUES (?, ?, ?, ?, ?,"
                " 'running') ON CONFLICT DO NOTHING",
                _key_values(run_id, key),
            )
            fields = _KEY + _MSG_FIELDS
            connection.exec_driver_sql(
                f"INSERT INTO conversation_messages ({', '.join(fields)})"
                f" VALUES ({', '.join('?' * len(fields))})"
                f" ON CONFLICT ({', '.join(_KEY)}, idx) DO UPDATE SET "
                + ", ".join(f"{f} = excluded.{f}" for f in _MSG_FIELDS[1:]),
                values,
            )
            if cache_entry is not None:
                connection.exec_driver_sql(
                    "INSERT INTO response_cache (key, value_json, created_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,"
                    " created_at = excluded.created_at",
                    (cache_entry[0], _encode(*cache_entry), to_db_time(now_utc())),
                )

    def add_conversation_messages(
        self,
        run_id: int,
        items: Sequence[
            tuple[ConversationKey, TranscriptMessage, tuple[str, dict[str, Any]] | None]
        ],
    ) -> None:
        """Write several transcript messages (and cache entries) in one transaction."""
        if not items:
            return
        fields = _KEY + _MSG_FIELDS
        stamp = to_db_time(now_utc())
        heads = list(dict.fromkeys(_key_values(run_id, key) for key, _, _ in items))
        rows = [
            (
                *_key_values(run_id, key),
                m.index,
                m.turn,
                m.role,
                m.content,
                int(m.scripted),
                m.input_tokens,
                m.output_tokens,
                m.latency_ms,
                m.cost_usd,
                int(m.cache_hit),
                m.attempts,
                _time(m.finished_at),
            )
            for key, m, _ in items
        ]
        entries = [(e[0], _encode(*e), stamp) for _, _, e in items if e is not None]
        with self._db.write() as connection:
            connection.exec_driver_sql(
                f"INSERT INTO conversations ({', '.join(_KEY)}, status) VALUES (?, ?, ?, ?, ?,"
                " 'running') ON CONFLICT DO NOTHING",
                heads,
            )
            connection.exec_driver_sql(
                f"INSERT INTO conversation_messages ({', '.join(fields)})"
                f" VALUES ({', '.join('?' * len(fields))})"
                f" ON CONFLICT ({', '.join(_KEY)}, idx) DO UPDATE SET "
                + ", ".join(f"{f} = excluded.{f}" for f in _MSG_FIELDS[1:]),
                rows,
            )
            if entries:
                connection.exec_driver_sql(
                    "INSERT INTO response_cache (key, value_json, created_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,"
                    " created_at = excluded.created_at",
                    entries,
                )

    def finish_conversation(
        self,
        run_id: int,
        key: ConversationKey,
        status: ConversationStatus,
        *,
        stop_reason: StopReason | None,
        error_kind: str | None = None,
        error_message: str | None = None,
    ) -> None:
        """Record how a conversation ended (upsert)."""
        values = (
            *_key_values(run_id, key),
            status.value,
            stop_reason.value if stop_reason else None,
            error_kind,
            error_message,
            to_db_time(now_utc()),
        )
        fields = _KEY + _CONV_FIELDS
        with self._db.write() as connection:
            connection.exec_driver_sql(
                f"INSERT INTO conversations ({', '.join(fields)})"
                f" VALUES ({', '.join('?' * len(fields))})"
                f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
                + ", ".join(f"{f} = excluded.{f}" for f in _CONV_FIELDS),
                values,
            )

    def truncate_conversation(self, run_id: int, key: ConversationKey, keep: int) -> None:
        """Drop the messages from index `keep` on (a retry of an errored conversation)."""
        with self._db.write() as connection:
            connection.exec_driver_sql(
                "DELETE FROM conversation_messages WHERE run_id = ? AND case_id = ? AND"
                " column_index = ? AND customer_index = ? AND repeat = ? AND idx >= ?",
                (*_key_values(run_id, key), keep),
            )

    def conversations(
        self, run_id: int, statuses: Iterable[ConversationStatus] | None = None
    ) -> list[ConversationResult]:
        """Every stored conversation of a run with its transcript, in key order."""
        from workbench.core.conversations import (
            ConversationKey,
            ConversationResult,
            ConversationStatus,
            StopReason,
        )

        wanted = {s.value for s in statuses} if statuses is not None else None
        with self._db.read() as connection:
            _require_simulation(connection, run_id)
            heads = connection.exec_driver_sql(
                f"SELECT case_id, column_index, customer_index, repeat, {', '.join(_CONV_FIELDS)}"
                " FROM conversations WHERE run_id = ?",
                (run_id,),
            ).all()
            messages = connection.exec_driver_sql(
                f"SELECT case_id, column_index, customer_index, repeat, {', '.join(_MSG_FIELDS)}"
                " FROM conversation_messages WHERE run_id = ? ORDER BY case_id, column_index,"
                " customer_index, repeat, idx",
                (run_id,),
            ).all()
        by_key: dict[ConversationKey, list[TranscriptMessage]] = defaultdict(list)
        for row in messages:
            key = ConversationKey(row[0], row[1], row[2], row[3])
            by_key[key].append(_message(tuple(row[4:])))
        results = []
        for row in heads:
            if wanted is not None and row[4] not in wanted:
                continue
            key = ConversationKey(row[0], row[1], row[2], row[3])
            results.append(
                ConversationResult(
                    key=key,
                    status=ConversationStatus(row[4]),
                    messages=tuple(by_key.get(key, ())),
                    stop_reason=StopReason(row[5]) if row[5] else None,
                    error_kind=row[6],
                    error_message=row[7],
                    finished_at=from_db_time(row[8]) if row[8] else None,
                )
            )
        return sorted(results, key=lambda r: r.key)

    def get_conversation(self, run_id: int, key: ConversationKey) -> ConversationResult:
        """One conversation with its transcript (NotFoundError when never started)."""
        for result in self.conversations(run_id):
            if result.key == key:
                return result
        raise NotFoundError(f"sim-{run_id} has no conversation {key.label()}")

    # ------------------------------------------------------------------ scores

    def upsert_conversation_scores(
        self,
        run_id: int,
        rubric_version_id: str | None,
        scores: Iterable[tuple[ConversationKey, bool | None, dict[str, Any]]],
    ) -> int:
        """Insert or replace conversation scores (one transaction); returns how many."""
        stamp = to_db_time(now_utc())
        rows = [
            (
                *_key_values(run_id, key),
                rubric_version_id or "",
                None if passed is None else int(passed),
                json.dumps(data, ensure_ascii=False, sort_keys=True),
                stamp,
            )
            for key, passed, data in scores
        ]
        if not rows:
            return 0
        with self._db.write() as connection:
            _require_simulation(connection, run_id)
            connection.exec_driver_sql(
                f"INSERT INTO conversation_scores ({', '.join(_KEY)}, rubric_version_id, passed,"
                " score_json, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT ({', '.join(_KEY)}, rubric_version_id) DO UPDATE SET"
                " passed = excluded.passed, score_json = excluded.score_json,"
                " scored_at = excluded.scored_at",
                rows,
            )
        return len(rows)

    def conversation_score_data(
        self, run_id: int, rubric_version_id: str | None
    ) -> dict[ConversationKey, dict[str, Any]]:
        """Stored conversation scores of a run for one rubric version (or none) as JSON data."""
        from workbench.core.conversations import ConversationKey

        with self._db.read() as connection:
            _require_simulation(connection, run_id)
            rows = connection.exec_driver_sql(
                "SELECT case_id, column_index, customer_index, repeat, score_json"
                " FROM conversation_scores WHERE run_id = ? AND rubric_version_id = ?",
                (run_id, rubric_version_id or ""),
            ).all()
        return {ConversationKey(r[0], r[1], r[2], r[3]): json.loads(r[4]) for r in rows}


def _require_simulation(connection: Connection, run_id: int) -> None:
    found = connection.exec_driver_sql(
        "SELECT 1 FROM simulation_runs WHERE id = ?", (run_id,)
    ).scalar()
    if found is None:
        raise NotFoundError(f"no simulation run sim-{run_id}")


def _info(row: tuple[Any, ...]) -> SimulationInfo:
    from workbench.core.conversations import SimulationInfo, SimulationSpec

    return SimulationInfo(
        id=row[0],
        name=row[1],
        spec=SimulationSpec.model_validate_json(row[2]),
        columns=tuple(Column.model_validate(c) for c in json.loads(row[3])),
        status=row[4],
        created_at=from_db_time(row[5]),
        finished_at=from_db_time(row[6]) if row[6] else None,
        estimated_cost_usd=row[7],
    )


def _message(row: tuple[Any, ...]) -> TranscriptMessage:
    from workbench.core.conversations import TranscriptMessage

    return TranscriptMessage(
        index=row[0],
        turn=row[1],
        role=row[2],
        content=row[3],
        scripted=bool(row[4]),
        input_tokens=row[5],
        output_tokens=row[6],
        latency_ms=row[7],
        cost_usd=row[8],
        cache_hit=bool(row[9]),
        attempts=row[10],
        finished_at=from_db_time(row[11]) if row[11] else None,
    )
