"""The store's types, as the front ends see them: the workspace handle and what it returns.

The GUI and the CLI reach the store only through `workbench.app` (import-linter forbids them the
lower layers), so the types they hold or annotate with are re-exported here: `Store` (the
workspace handle that `Services.store` / `Services.open_store()` give), `SaveResult` (what a save
changed), `FamilyInfo`, `LabelEvent`, and the approval records.
"""

from __future__ import annotations

from workbench.store import FamilyInfo, LabelEvent, SaveResult, Store
from workbench.store.approvals import Approval, ApprovalEvidence, BundleEvent

__all__ = [
    "Approval",
    "ApprovalEvidence",
    "BundleEvent",
    "FamilyInfo",
    "LabelEvent",
    "SaveResult",
    "Store",
]
