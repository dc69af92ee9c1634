"""Saving versions and moving labels, for the CLI and the GUI alike; each returns what changed.

* `save_version` stores content as the family's new head (`SaveResult.created` says whether a
  version was made or the head moved to an equal one) — the editors' Save and Fork, the model
  form, dataset edits and imports, ``workbench ... save``.
* `set_label` / `remove_label` move a label and return the `LabelEvent` recorded.
* `resolve_head` / `resolve_content` read a family's head, or a typed content by reference
  (``name@v3``, ``name@production``), so callers need no ``isinstance`` narrowing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from workbench.core.errors import NotFoundError
from workbench.core.kinds import Kind

if TYPE_CHECKING:  # the store's modules import SQLAlchemy: only the functions that run need it
    from workbench.core.models import Content, Version
    from workbench.store import LabelEvent, SaveResult, Store

C = TypeVar("C", bound="Content")


def save_version(
    store: Store,
    kind: Kind,
    name: str,
    content: Content,
    *,
    author: str,
    note: str = "",
    parent_id: str | None = None,
) -> SaveResult:
    """Store `content` as the head of family `name` (created on first save).

    Unchanged content makes no new version; content equal to an older version moves the head
    back to it. `parent_id` defaults to the current head (a fork names its origin).
    """
    return store.save_version(kind, name, content, author=author, note=note, parent_id=parent_id)


def set_label(
    store: Store, kind: Kind, name: str, label: str, version_id: str, *, actor: str
) -> LabelEvent:
    """Point `label` of family `name` at `version_id`; the event recorded."""
    return store.set_label(kind, name, label, version_id, actor=actor)


def remove_label(store: Store, kind: Kind, name: str, label: str, *, actor: str) -> LabelEvent:
    """Remove `label` from family `name`; the event recorded."""
    return store.remove_label(kind, name, label, actor=actor)


def resolve_head(store: Store, kind: Kind, name: str) -> Version | None:
    """The head version of a family, or None when the family does not exist yet."""
    try:
        return store.resolve(kind, name)
    except NotFoundError:
        return None


def resolve_content(store: Store, kind: Kind, ref: str, content_type: type[C]) -> tuple[Version, C]:
    """The version `ref` names in `kind`, with its content typed as `content_type`."""
    version = store.resolve(kind, ref)
    return version, version.content_as(content_type)
