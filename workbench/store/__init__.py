"""The store: one SQLite file (WAL) holding versions, labels, datasets, runs and the cache.

Tables are described with SQLModel (`workbench.store.tables`) and created only by the named
migrations in `workbench.store.migrations`. `Store` is the entry point.
"""

from workbench.store.migrations import SCHEMA_VERSION
from workbench.store.store import Store
from workbench.store.types import FamilyInfo, LabelEvent, SaveResult

__all__ = ["SCHEMA_VERSION", "FamilyInfo", "LabelEvent", "SaveResult", "Store"]
