"""The kinds of versioned families and the rule for family names (standard library only).

Kept apart from `workbench.core.models` (which builds every pydantic content model) so that
commands which only name a kind, such as ``workbench prompt list``, do not build those models.
`workbench.core.models` re-exports everything here.
"""

from __future__ import annotations

import re
from enum import StrEnum

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


class Kind(StrEnum):
    """The kinds of versioned families the workspace keeps."""

    PROMPT = "prompt"
    PERSONA = "persona"
    DATASET = "dataset"
    MODEL = "model"
    RUBRIC = "rubric"
    LOG = "log"
    CUSTOMER = "customer"
    CONVERSATIONS = "conversations"


def validate_name(name: str) -> str:
    """Check a family name: lower-case letters, digits, ``.``, ``_`` and ``-``; 80 at most."""
    if not NAME_PATTERN.match(name):
        from workbench.core.errors import ValidationError

        raise ValidationError(
            f"'{name}' is not a valid name: use lower-case letters, digits, '.', '_' and '-'"
            " (starting with a letter or digit, at most 80 characters)"
        )
    return name
