"""Content hashing and ``NAME@REF`` addresses.

A version id is the SHA-256 of the canonical JSON of ``{"kind": ..., "content": ...}``, where the
content is dumped without default values so that adding an optional field later does not change
the identity of existing versions.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.core.errors import ValidationError
from workbench.core.kinds import Kind, validate_name

if TYPE_CHECKING:  # parsing a NAME@REF address builds no content model
    from workbench.core.content import Content

HASH_VERSION = 1
_REF = re.compile(r"^(?P<name>[^@\s]+)(?:@(?P<ref>[^@\s]+))?$")


def canonical_json(kind: Kind, content: Content) -> str:
    """The exact text hashed for a version; stable across runs and platforms."""
    payload = {
        "kind": kind.value,
        "content": content.model_dump(mode="json", exclude_defaults=True),
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(kind: Kind, content: Content) -> str:
    """The full hex id of a version with this content."""
    return hashlib.sha256(canonical_json(kind, content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VersionRef:
    """A parsed ``NAME@REF`` address.

    `ref` is None for the head, otherwise a label (``production``), a version number (``v3``)
    or a hash prefix of at least 4 hex digits.
    """

    name: str
    ref: str | None = None

    def __str__(self) -> str:
        return self.name if self.ref is None else f"{self.name}@{self.ref}"


def parse_ref(text: str) -> VersionRef:
    """Parse ``NAME`` or ``NAME@REF``; raise a `ValidationError` naming what is wrong."""
    match = _REF.match(text.strip())
    if not match:
        raise ValidationError(f"'{text}' is not a NAME or NAME@VERSION address")
    name = validate_name(match.group("name"))
    return VersionRef(name=name, ref=match.group("ref"))
