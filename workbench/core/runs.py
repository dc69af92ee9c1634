"""Runs: the matrix of prompt versions × personas × model configs × dataset rows × repeats.

A run references version ids, never heads, so it stays reproducible. Each cell is addressed by
(row id, column index, repeat) and its result is upserted, which makes resume (run the missing
cells) and retry-errors (re-run the errored cells) fall out of the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class RunSpec(BaseModel):
    """What to run. Version ids are full content hashes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt_ids: tuple[str, ...]
    persona_ids: tuple[str | None, ...] = (None,)
    model_ids: tuple[str, ...]
    dataset_id: str
    row_ids: tuple[str, ...] | None = None
    repeats: int = Field(1, ge=1, le=100)
    concurrency: int = Field(8, ge=1, le=512)
    budget_usd: float | None = Field(None, ge=0)
    use_cache: bool = True
    rubric_id: str | None = None


class Column(BaseModel):
    """One side-by-side variant: a prompt version with a persona version on a model config."""

    model_config = ConfigDict(frozen=True)

    index: int
    prompt_id: str
    persona_id: str | None
    model_id: str
    label: str


class CellStatus(StrEnum):
    """Life of a cell. `error` is infrastructure trouble, never a failed answer."""

    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    ERROR = "error"
    CANCELLED = "cancelled"


class RunStatus(StrEnum):
    """Life of a run."""

    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    FAILED = "failed"
    BUDGET_STOPPED = "budget_stopped"
    INTERRUPTED = "interrupted"
    """Shown, never stored: stored as running, but no live process executes it (killed)."""


@dataclass(frozen=True)
class CellKey:
    """Address of a cell within a run."""

    row_id: str
    column: int
    repeat: int = 0


@dataclass
class CellResult:
    """Everything recorded for one cell."""

    key: CellKey
    status: CellStatus
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
    finished_at: datetime | None = None


class RunInfo(BaseModel):
    """A stored run's header."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    spec: RunSpec
    columns: tuple[Column, ...]
    status: RunStatus
    created_at: datetime
    finished_at: datetime | None = None
    estimated_cost_usd: float | None = None
    made_by: str = ""
    """Who started the run (the workspace's user name, else the login name)."""
