"""The response cache: JSON values under keys the engine computes.

The key already encodes what makes a response reusable (provider, model, parameters, messages,
repeat index, cache format version); the store only keeps and returns the values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import islice
from typing import Any

from workbench.core.errors import ValidationError
from workbench.store.connection import Database
from workbench.store.tables import now_utc, to_db_time


class CacheMixin:
    """Cached responses; mixed into `workbench.store.Store`."""

    _db: Database

    def cache_get(self, key: str) -> dict[str, Any] | None:
        """The cached value, or None."""
        with self._db.read() as connection:
            text = connection.exec_driver_sql(
                "SELECT value_json FROM response_cache WHERE key = ?", (key,)
            ).scalar()
        return None if text is None else json.loads(text)

    def cache_get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The cached values among `keys` (missing keys are absent), in few queries.

        A warm run looks up every cell's key before it starts; one query per key cost more
        than the calls it saved (see bench/engine_bench.py).
        """
        found: dict[str, dict[str, Any]] = {}
        pending = iter(dict.fromkeys(keys))
        with self._db.read() as connection:
            while chunk := list(islice(pending, _CHUNK)):
                marks = ",".join("?" * len(chunk))
                rows = connection.exec_driver_sql(
                    f"SELECT key, value_json FROM response_cache WHERE key IN ({marks})",
                    tuple(chunk),
                )
                found.update((key, json.loads(text)) for key, text in rows)
        return found

    def cache_put(self, key: str, value: dict[str, Any]) -> None:
        """Store (or replace) a value; it must be a JSON object."""
        self.cache_put_many([(key, value)])

    def cache_put_many(self, items: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Store (or replace) several values in one transaction; each must be a JSON object."""
        stamp = to_db_time(now_utc())
        rows = [(key, _encode(key, value), stamp) for key, value in items]
        if not rows:
            return
        with self._db.write() as connection:
            connection.exec_driver_sql(
                "INSERT INTO response_cache (key, value_json, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,"
                " created_at = excluded.created_at",
                rows,
            )

    def cache_clear(self) -> int:
        """Forget every cached response; returns how many were removed."""
        with self._db.write() as connection:
            return int(connection.exec_driver_sql("DELETE FROM response_cache").rowcount)


# SQLite's default limit on bound parameters is 32,766; stay far below it.
_CHUNK = 500


def _encode(key: str, value: dict[str, Any]) -> str:
    if not isinstance(value, dict):
        raise ValidationError(
            f"cache value for {key[:16]} must be a dict, got {type(value).__name__}"
        )
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"cache value for {key[:16]} is not JSON: {error}") from error
