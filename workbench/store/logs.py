"""Conversation logs in the store: imports, anonymised messages, FTS search, analyses.

Messages are append-only (triggers refuse UPDATE and DELETE). Each import is one
``log_imports`` row that records how many lines of its file are written, in the same
transaction as each batch of messages, so an interrupted import resumes where it stopped.
A message's fingerprint (conversation, time, role, anonymised text) is unique per log, so
importing the same or an overlapping file again adds nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from workbench.core.errors import NotFoundError
from workbench.store.connection import Database
from workbench.store.tables import now_utc, to_db_time

if TYPE_CHECKING:  # the log records load with the first log read, not with every store
    from workbench.core.logs import LogImportState, LogMessage, NewLogMessage

_MESSAGE_COLUMNS = "id, conversation, role, text, at, channel, intent, rating, handoff, source_line"


def _message(row: Any) -> LogMessage:
    from workbench.core.logs import LogMessage

    return LogMessage(
        id=int(row[0]),
        conversation=row[1],
        role=row[2],
        text=row[3],
        at=row[4],
        channel=row[5],
        intent=row[6],
        rating=row[7],
        handoff=None if row[8] is None else bool(row[8]),
        source_line=int(row[9]),
    )


def _import_state(row: Any) -> LogImportState:
    from workbench.core.logs import LogImportState

    return LogImportState(
        id=int(row[0]),
        family=row[1],
        source_name=row[2],
        source_sha256=row[3],
        format=row[4],
        options=json.loads(row[5]),
        status=row[6],
        lines_done=int(row[7]),
        messages=int(row[8]),
        report=json.loads(row[9]),
        version_id=row[10],
        started_at=row[11],
        finished_at=row[12],
    )


_IMPORT_COLUMNS = (
    "id, family, source_name, source_sha256, format, options_json, status, lines_done, "
    "messages, report_json, version_id, started_at, finished_at"
)


class LogsMixin:
    """Conversation-log tables; mixed into `workbench.store.Store`."""

    _db: Database
    user: str

    # Imports -------------------------------------------------------------------------------

    def find_log_import(
        self, family: str, source_sha256: str, options: dict[str, Any]
    ) -> LogImportState | None:
        """The import of this file with these options into `family`, if one was started."""
        with self._db.read() as connection:
            row = connection.exec_driver_sql(
                f"SELECT {_IMPORT_COLUMNS} FROM log_imports WHERE family = ? AND "
                "source_sha256 = ? AND options_json = ?",
                (family, source_sha256, _options_json(options)),
            ).first()
        return None if row is None else _import_state(row)

    def start_log_import(
        self,
        family: str,
        *,
        source_name: str,
        source_sha256: str,
        fmt: str,
        options: dict[str, Any],
    ) -> LogImportState:
        """Record a new running import (or return the one already recorded)."""
        with self._db.write() as connection:
            connection.exec_driver_sql(
                "INSERT INTO log_imports (family, source_name, source_sha256, format, "
                "options_json, status, started_at, made_by)"
                " VALUES (?, ?, ?, ?, ?, 'running', ?, ?) "
                "ON CONFLICT (family, source_sha256, options_json) DO NOTHING",
                (
                    family,
                    source_name,
                    source_sha256,
                    fmt,
                    _options_json(options),
                    to_db_time(now_utc()),
                    self.user,
                ),
            )
        found = self.find_log_import(family, source_sha256, options)
        assert found is not None
        return found

    def append_log_messages(
        self,
        import_id: int,
        family: str,
        messages: Sequence[NewLogMessage],
        *,
        lines_done: int,
        report: dict[str, Any],
    ) -> int:
        """Insert a batch (duplicates by fingerprint ignored) and move the import's checkpoint,
        in one transaction. Returns how many messages were new."""
        records = [
            (
                family,
                import_id,
                m.conversation,
                m.at,
                m.role,
                m.text,
                m.channel,
                m.intent,
                m.rating,
                None if m.handoff is None else int(m.handoff),
                m.source_line,
                m.fingerprint,
            )
            for m in messages
        ]
        with self._db.write() as connection:
            added = 0
            if records:
                result = connection.exec_driver_sql(
                    "INSERT INTO log_messages (family, import_id, conversation, at, "
                    "role, text, channel, intent, rating, handoff, source_line, fingerprint) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    records,
                )
                # executemany's rowcount sums the rows inserted (ignored duplicates are 0).
                added = max(int(result.rowcount), 0)
            connection.exec_driver_sql(
                "UPDATE log_imports SET lines_done = ?, messages = messages + ?, report_json = ?"
                " WHERE id = ?",
                (lines_done, added, json.dumps(report, sort_keys=True), import_id),
            )
        return added

    def finish_log_import(self, import_id: int, *, version_id: str, report: dict[str, Any]) -> None:
        """Mark an import done and link the log version it produced."""
        with self._db.write() as connection:
            connection.exec_driver_sql(
                "UPDATE log_imports SET status = 'done', version_id = ?, report_json = ?, "
                "finished_at = ? WHERE id = ?",
                (version_id, json.dumps(report, sort_keys=True), to_db_time(now_utc()), import_id),
            )

    def log_imports(self, family: str | None = None) -> list[LogImportState]:
        """Imports, oldest first (all logs, or one)."""
        where, args = ("WHERE family = ?", (family,)) if family else ("", ())
        with self._db.read() as connection:
            rows = connection.exec_driver_sql(
                f"SELECT {_IMPORT_COLUMNS} FROM log_imports {where} ORDER BY id", args
            ).all()
        return [_import_state(r) for r in rows]

    def log_import_message_count(self, import_id: int) -> int:
        with self._db.read() as connection:
            return int(
                connection.exec_driver_sql(
                    "SELECT count(*) FROM log_messages WHERE import_id = ?", (import_id,)
                ).scalar_one()
            )

    def log_import_conversation_count(self, import_id: int) -> int:
        with self._db.read() as connection:
            return int(
                connection.exec_driver_sql(
                    "SELECT count(DISTINCT conversation) FROM log_messages WHERE import_id = ?",
                    (import_id,),
                ).scalar_one()
            )

    # Messages ------------------------------------------------------------------------------

    def log_message_count(self, family: str) -> int:
        with self._db.read() as connection:
            return int(
                connection.exec_driver_sql(
                    "SELECT count(*) FROM log_messages WHERE family = ?", (family,)
                ).scalar_one()
            )

    def log_conversation_count(self, family: str) -> int:
        with self._db.read() as connection:
            return int(
                connection.exec_driver_sql(
                    "SELECT count(DISTINCT conversation) FROM log_messages WHERE family = ?",
                    (family,),
                ).scalar_one()
            )

    def conversation_messages(self, family: str, conversation: str) -> list[LogMessage]:
        """One conversation's messages in stored order.

        Raises:
            NotFoundError: no such conversation in this log.
        """
        with self._db.read() as connection:
            rows = connection.exec_driver_sql(
                f"SELECT {_MESSAGE_COLUMNS} FROM log_messages WHERE family = ? AND "
                "conversation = ? ORDER BY id",
                (family, conversation),
            ).all()
        if not rows:
            raise NotFoundError(f"log '{family}' has no conversation '{conversation}'")
        return [_message(r) for r in rows]

    def iter_log_messages(self, family: str, *, batch_size: int = 5000) -> Iterator[LogMessage]:
        """Every message grouped by conversation (in order), read in keyset-paged batches."""
        last = ("", -1)
        while True:
            with self._db.read() as connection:
                rows = connection.exec_driver_sql(
                    f"SELECT {_MESSAGE_COLUMNS} FROM log_messages WHERE family = ? AND "
                    "(conversation, id) > (?, ?) ORDER BY conversation, id LIMIT ?",
                    (family, last[0], last[1], batch_size),
                ).all()
            if not rows:
                return
            for row in rows:
                yield _message(row)
            last = (rows[-1][1], int(rows[-1][0]))

    def log_messages_by_id(self, ids: Sequence[int]) -> list[LogMessage]:
        """Messages with these ids, in the order given (unknown ids are left out)."""
        found: dict[int, LogMessage] = {}
        with self._db.read() as connection:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                marks = ",".join("?" * len(chunk))
                for row in connection.exec_driver_sql(
                    f"SELECT {_MESSAGE_COLUMNS} FROM log_messages WHERE id IN ({marks})",
                    tuple(chunk),
                ):
                    found[int(row[0])] = _message(row)
        return [found[i] for i in ids if i in found]

    def search_log_messages(self, family: str, query: str, *, limit: int = 200) -> list[LogMessage]:
        """Messages matching an FTS5 query over the anonymised text, best first.

        Plain words are quoted so punctuation typed by a user is not FTS syntax. On PostgreSQL
        (no FTS5) a message matches when it contains every word, case-insensitively.
        """
        terms = " ".join('"' + t.replace('"', '""') + '"' for t in query.split() if t)
        if not terms:
            return []
        if self._db.backend == "postgresql":
            # No FTS5 there: every word must occur in the text (case-insensitive), in import order.
            words = [w for w in query.split() if w]
            like = " AND ".join("text ILIKE ? ESCAPE '\\'" for _ in words)
            patterns = [
                "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                for w in words
            ]
            with self._db.read() as connection:
                rows = connection.exec_driver_sql(
                    f"SELECT {_MESSAGE_COLUMNS} FROM log_messages WHERE family = ? AND {like}"
                    " ORDER BY id LIMIT ?",
                    (family, *patterns, limit),
                ).all()
            return [_message(r) for r in rows]
        with self._db.read() as connection:
            rows = connection.exec_driver_sql(
                f"SELECT {', '.join('m.' + c.strip() for c in _MESSAGE_COLUMNS.split(','))} "
                "FROM log_messages_fts f JOIN log_messages m ON m.id = f.rowid "
                "WHERE log_messages_fts MATCH ? AND m.family = ? ORDER BY f.rank LIMIT ?",
                (terms, family, limit),
            ).all()
        return [_message(r) for r in rows]

    def log_families_with_messages(self) -> list[str]:
        with self._db.read() as connection:
            return [
                r[0]
                for r in connection.exec_driver_sql(
                    "SELECT DISTINCT family FROM log_imports ORDER BY family"
                )
            ]

    # Analyses ------------------------------------------------------------------------------

    def save_log_analysis(
        self,
        family: str,
        version_id: str,
        *,
        params: dict[str, Any],
        result: dict[str, Any],
        turns: Sequence[tuple[int, int, bool]],
    ) -> int:
        """Store an analysis and its (message id, cluster, unanswered) assignment."""
        with self._db.write() as connection:
            analysis_id = int(
                connection.exec_driver_sql(
                    "INSERT INTO log_analyses (family, version_id, params_json, result_json, "
                    "created_at, made_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        family,
                        version_id,
                        json.dumps(params, sort_keys=True),
                        json.dumps(result, ensure_ascii=False),
                        to_db_time(now_utc()),
                        self.user,
                    ),
                ).scalar_one()
            )
            for start in range(0, len(turns), 5000):
                connection.exec_driver_sql(
                    "INSERT INTO log_analysis_turns (analysis_id, message_id, cluster, "
                    "unanswered) VALUES (?, ?, ?, ?)",
                    [(analysis_id, m, c, int(u)) for m, c, u in turns[start : start + 5000]],
                )
        return analysis_id

    def latest_log_analysis(self, family: str) -> tuple[int, str, dict[str, Any]] | None:
        """(analysis id, version id, result) of the newest analysis of `family`."""
        with self._db.read() as connection:
            row = connection.exec_driver_sql(
                "SELECT id, version_id, result_json FROM log_analyses WHERE family = ? "
                "ORDER BY id DESC LIMIT 1",
                (family,),
            ).first()
        return None if row is None else (int(row[0]), row[1], json.loads(row[2]))

    def cluster_message_ids(
        self, analysis_id: int, cluster: int, *, unanswered_only: bool = False
    ) -> list[int]:
        """The customer turns an analysis put in `cluster`."""
        extra = " AND unanswered = 1" if unanswered_only else ""
        with self._db.read() as connection:
            return [
                int(r[0])
                for r in connection.exec_driver_sql(
                    "SELECT message_id FROM log_analysis_turns WHERE analysis_id = ? AND "
                    f"cluster = ?{extra} ORDER BY message_id",
                    (analysis_id, cluster),
                )
            ]


def _options_json(options: dict[str, Any]) -> str:
    return json.dumps(options, sort_keys=True)
