"""The response cache: JSON values under keys the engine computes.

The key already encodes what makes a response reusable (provider, model, parameters, messages,
repeat index, cache format version); the store only keeps and returns the values.
"""

from __future__ import annotations

import json
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

    def cache_put(self, key: str, value: dict[str, Any]) -> None:
        """Store (or replace) a value; it must be a JSON object."""
        if not isinstance(value, dict):
            raise ValidationError(
                f"cache value for {key[:16]} must be a dict, got {type(value).__name__}"
            )
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ValidationError(f"cache value for {key[:16]} is not JSON: {error}") from error
        with self._db.write() as connection:
            connection.exec_driver_sql(
                "INSERT INTO response_cache (key, value_json, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,"
                " created_at = excluded.created_at",
                (key, text, to_db_time(now_utc())),
            )

    def cache_clear(self) -> int:
        """Forget every cached response; returns how many were removed."""
        with self._db.write() as connection:
            return int(connection.exec_driver_sql("DELETE FROM response_cache").rowcount)
