"""What a save did, in the words every editor shows (Qt-free)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.app.records import SaveResult


def describe_save(result: SaveResult, previous_head_id: str | None) -> str:
    """``Saved x@v3.``, ``No change — still v2.``, or that the head moved back to an older
    version with the same content (saving never duplicates content)."""
    version = result.version
    if result.created:
        return f"Saved {version.ref}."
    if previous_head_id == version.id:
        return f"No change — still v{version.number}."
    return f"Same content as v{version.number}; the head moved back to it."
