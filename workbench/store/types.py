"""Values the store hands back besides core `Version` and `RunInfo`.

They are plain frozen pydantic models so callers (CLI, GUI, engine) can keep them around and
compare them without touching the database again.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from workbench.core.models import Kind, Version


class SaveResult(BaseModel):
    """What `Store.save_version` did.

    Attributes:
        version: the stored version the family's head now points to.
        created: True when a new version was written; False when the content already existed
            (as the head, or as an older version the head moved back to).
    """

    model_config = ConfigDict(frozen=True)

    version: Version
    created: bool


class FamilyInfo(BaseModel):
    """One family in a listing, without loading any version content.

    Attributes:
        labels: label name → version number it points to.
    """

    model_config = ConfigDict(frozen=True)

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

    model_config = ConfigDict(frozen=True)

    id: int
    kind: Kind
    family: str
    label: str
    from_version_id: str | None
    to_version_id: str | None
    actor: str
    at: datetime
