"""SQLModel tables: the current shape of the database, used to build queries.

The tables are *created and changed only by the named migrations* in
`workbench.store.migrations`; these classes describe the schema those migrations produce (a test
checks that both agree). Times are stored as ISO-8601 text in UTC so they sort as text and keep
their time zone when read back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKeyConstraint, String, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

# Re-exported: the other store modules import them from here.
from workbench.store.times import from_db_time as from_db_time
from workbench.store.times import now_utc as now_utc
from workbench.store.times import to_db_time as to_db_time


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as sortable ISO-8601 UTC text."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else to_db_time(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else from_db_time(value)


class SchemaMetaRow(SQLModel, table=True):
    """The single row holding the schema version (major.minor) of the file."""

    __tablename__ = "schema_meta"

    id: int = Field(primary_key=True)
    major: int
    minor: int
    updated_at: datetime = Field(sa_type=UtcDateTime)


class SchemaMigrationRow(SQLModel, table=True):
    """One applied migration, by name."""

    __tablename__ = "schema_migrations"

    name: str = Field(primary_key=True)
    applied_at: datetime = Field(sa_type=UtcDateTime)


class VersionContentRow(SQLModel, table=True):
    """Content addressed by its hash (the version id), stored once even if families share it.

    For datasets `content_json` holds everything but the rows, which live in `dataset_rows`.
    """

    __tablename__ = "version_contents"

    version_id: str = Field(primary_key=True)
    kind: str
    content_json: str


class FamilyRow(SQLModel, table=True):
    """A named family of one kind, with its mutable head pointer."""

    __tablename__ = "families"
    __table_args__ = (
        UniqueConstraint("kind", "name"),
        ForeignKeyConstraint(["id", "head_id"], ["versions.family_id", "versions.version_id"]),
    )

    # Explicit, because the composite head foreign key would otherwise turn autoincrement off.
    id: int | None = Field(default=None, primary_key=True, sa_column_kwargs={"autoincrement": True})
    kind: str
    name: str
    head_id: str | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)
    description: str = ""


class VersionRow(SQLModel, table=True):
    """A version of a family: its number, parent and metadata; content is in `version_contents`."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("family_id", "version_id"),
        UniqueConstraint("family_id", "number"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    family_id: int = Field(foreign_key="families.id")
    version_id: str = Field(foreign_key="version_contents.version_id", index=True)
    number: int
    parent_id: str | None = Field(default=None, foreign_key="version_contents.version_id")
    author: str = ""
    note: str = ""
    created_at: datetime = Field(sa_type=UtcDateTime)


class DatasetRowRow(SQLModel, table=True):
    """One row of a dataset version, so large datasets can be paged without loading them."""

    __tablename__ = "dataset_rows"
    __table_args__ = (UniqueConstraint("version_id", "row_id"),)

    version_id: str = Field(primary_key=True, foreign_key="version_contents.version_id")
    position: int = Field(primary_key=True)
    row_id: str
    row_json: str


class LabelRow(SQLModel, table=True):
    """A label (``production``, ``staging``, ...) pointing at a version of its family."""

    __tablename__ = "labels"
    __table_args__ = (
        ForeignKeyConstraint(
            ["family_id", "version_id"], ["versions.family_id", "versions.version_id"]
        ),
    )

    family_id: int = Field(primary_key=True, foreign_key="families.id")
    name: str = Field(primary_key=True)
    version_id: str
    updated_at: datetime = Field(sa_type=UtcDateTime)


class LabelEventRow(SQLModel, table=True):
    """Append-only audit of label moves; triggers refuse UPDATE and DELETE."""

    __tablename__ = "label_events"

    id: int | None = Field(default=None, primary_key=True)
    family_id: int = Field(foreign_key="families.id")
    label: str
    from_version_id: str | None = None
    to_version_id: str | None = None
    actor: str
    at: datetime = Field(sa_type=UtcDateTime)


class RunRow(SQLModel, table=True):
    """A run's header: its spec and columns as JSON, status and times."""

    __tablename__ = "runs"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    spec_json: str
    columns_json: str
    status: str
    created_at: datetime = Field(sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    estimated_cost_usd: float | None = None
    made_by: str = ""


class CellRow(SQLModel, table=True):
    """One cell result, keyed by (run, row, column, repeat) so writes are upserts."""

    __tablename__ = "cells"

    run_id: int = Field(primary_key=True, foreign_key="runs.id")
    row_id: str = Field(primary_key=True)
    column_index: int = Field(primary_key=True)
    repeat: int = Field(primary_key=True)
    status: str
    output: str = ""
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    tokens_estimated: bool = False
    ttft_ms: float | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    cache_hit: bool = False
    attempts: int = 0
    error_kind: str | None = None
    error_message: str | None = None
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ResponseCacheRow(SQLModel, table=True):
    """A cached model response (JSON), keyed by the engine's versioned request hash."""

    __tablename__ = "response_cache"

    key: str = Field(primary_key=True)
    value_json: str
    created_at: datetime = Field(sa_type=UtcDateTime)


class ScoreRow(SQLModel, table=True):
    """A rubric version's result on one cell; another rubric version adds its own row."""

    __tablename__ = "scores"

    run_id: int = Field(primary_key=True, foreign_key="runs.id")
    row_id: str = Field(primary_key=True)
    column_index: int = Field(primary_key=True)
    repeat: int = Field(primary_key=True)
    rubric_version_id: str = Field(primary_key=True, foreign_key="version_contents.version_id")
    passed: bool | None = None
    score: float | None = None
    error: str | None = None
    criteria_json: str = "[]"
    scored_at: datetime = Field(sa_type=UtcDateTime)


class RatingRow(SQLModel, table=True):
    """One reviewer's rating of one cell (a new rating by the same reviewer replaces it)."""

    __tablename__ = "ratings"

    run_id: int = Field(primary_key=True, foreign_key="runs.id")
    row_id: str = Field(primary_key=True)
    column_index: int = Field(primary_key=True)
    repeat: int = Field(primary_key=True)
    reviewer: str = Field(primary_key=True)
    passed: bool | None = None
    score: int | None = None
    comment: str = ""
    tags_json: str = "[]"
    at: datetime = Field(sa_type=UtcDateTime)


class PreferenceRow(SQLModel, table=True):
    """One reviewer's preference between two columns on a row; `column_a` < `column_b`."""

    __tablename__ = "preferences"

    run_id: int = Field(primary_key=True, foreign_key="runs.id")
    row_id: str = Field(primary_key=True)
    column_a: int = Field(primary_key=True)
    column_b: int = Field(primary_key=True)
    reviewer: str = Field(primary_key=True)
    winner: str
    blinded: bool = False
    at: datetime = Field(sa_type=UtcDateTime)
