"""How the store writes times: ISO-8601 text in UTC, so they sort as text and keep their zone.

Kept apart from `workbench.store.tables` so modules that only need these (the migrations, the
stdlib listing path) do not import SQLModel.
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_db_time(moment: datetime) -> str:
    """The stored text of a time; a naive time is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str) -> datetime:
    """Read back a time written by `to_db_time`."""
    return datetime.fromisoformat(text)


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
