"""Values the store hands back besides core `Version` and `RunInfo`.

They are plain frozen values so callers (CLI, GUI, engine) can keep them around and compare
them without touching the database again. `FamilyInfo` is a frozen dataclass: a family listing
(``workbench prompt list``) then builds no pydantic model at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from workbench.core.kinds import Kind

if TYPE_CHECKING:
    from workbench.store.save_result import SaveResult as SaveResult


def __getattr__(name: str) -> Any:
    # `SaveResult` holds a `Version`, whose module builds every content model: it loads on
    # first use, so a family listing builds none of them.
    if name == "SaveResult":
        from workbench.store.save_result import SaveResult

        return SaveResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class FamilyInfo:
    """One family in a listing, without loading any version content.

    Attributes:
        labels: label name → version number it points to.
    """

    kind: Kind
    name: str
    description: str
    head_id: str | None
    head_number: int | None
    version_count: int
    labels: dict[str, int]
    created_at: datetime


class LabelEvent(BaseModel):
    """One entry of the append-only label audit trail.

    `from_version_id` is None when the label was created; `to_version_id` is None when it was
    removed.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: int
    kind: Kind
    family: str
    label: str
    from_version_id: str | None
    to_version_id: str | None
    actor: str
    at: datetime
