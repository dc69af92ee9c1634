"""`SaveResult`, apart from `workbench.store.types` because it holds a core `Version`.

Building it builds every pydantic content model; listing families (``workbench prompt list``)
needs `FamilyInfo` alone, so `workbench.store.types` loads this module on first use of
`SaveResult`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from workbench.core.models import Version


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
