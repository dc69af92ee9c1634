"""The store: one SQLite file (WAL) holding versions, labels, datasets, runs and the cache.

Tables are described with SQLModel (`workbench.store.tables`) and created only by the named
migrations in `workbench.store.migrations`. `Store` is the entry point.

`Store` and `SCHEMA_VERSION` load on first use: importing this package (or its light modules,
such as `types` or `sqlite_listing`) does not import SQLAlchemy, so read-only commands that
never open the store start fast.
"""

from typing import TYPE_CHECKING, Any

from workbench.store.types import FamilyInfo, LabelEvent

if TYPE_CHECKING:
    from workbench.store.migrations import SCHEMA_VERSION
    from workbench.store.save_result import SaveResult
    from workbench.store.store import Store

__all__ = ["SCHEMA_VERSION", "FamilyInfo", "LabelEvent", "SaveResult", "Store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from workbench.store.store import Store

        return Store
    if name == "SaveResult":
        from workbench.store.save_result import SaveResult

        return SaveResult
    if name == "SCHEMA_VERSION":
        from workbench.store.migrations import SCHEMA_VERSION

        return SCHEMA_VERSION
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
