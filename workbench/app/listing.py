"""Listing families, for the CLI's ``list`` commands.

`list_families` answers what `Store.list_families` answers. While the workspace's store is not
open yet and its file is a current SQLite workspace, it reads the file with the standard
library's driver (`workbench.store.sqlite_listing`) instead of opening the store, so
``workbench prompt list`` does not import SQLAlchemy and SQLModel (most of its time). Anything
else (no file yet, a migration due, a foreign or damaged file, a store already open, a
workspace configured for a shared PostgreSQL store) goes
through the store as before, with its messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.kinds import Kind
from workbench.store.sqlite_listing import list_families_readonly

if TYPE_CHECKING:
    from workbench.app.services import Services
    from workbench.store import FamilyInfo


def list_families(services: Services, kind: Kind | None = None) -> list[FamilyInfo]:
    """Families of `kind` (or all), by kind then name, without loading any content."""
    # A workspace on a shared PostgreSQL store is read through the store: a leftover local file
    # would list someone else's (or an older) set of families.
    if not services.store_is_open and services.database_url is None:
        found = list_families_readonly(services.store_path, kind)
        if found is not None:
            return found
    return services.store.list_families(kind)
