"""The base of every versioned content model (kept apart so content modules import no cycle)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Content(BaseModel):
    """Base of all versioned content: immutable, and unknown fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")
