"""How an approved bundle's versions are named to people: ``order-tracking@v3``, not a hash."""

from __future__ import annotations

from workbench.core.errors import KnownError
from workbench.store import Store
from workbench.store.approvals import BundleVersions


def version_refs(store: Store, versions: BundleVersions) -> dict[str, str]:
    """Version id → ``family@vN`` for each version of the bundle (a missing one keeps its id)."""
    pairs = [
        (versions.prompt_id, versions.prompt_family),
        (versions.model_id, versions.model_family),
        (versions.rubric_id, versions.rubric_family),
    ]
    if versions.persona_id and versions.persona_family:
        pairs.append((versions.persona_id, versions.persona_family))
    refs: dict[str, str] = {}
    for version_id, family in pairs:
        try:
            refs[version_id] = store.get_version(version_id, family=family).ref
        except KnownError:
            continue
    return refs
