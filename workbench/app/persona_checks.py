"""Persona use cases for the editors: the contradictions of a persona with its own register.

The check itself lives in `workbench.scoring.persona_consistency` (it reads replies with the same
address detector as the ``register`` criterion); the GUI and CLI reach it through here.
"""

from __future__ import annotations

from workbench.core.models import PersonaContent
from workbench.scoring.persona_consistency import persona_contradictions


def register_contradictions(persona: PersonaContent) -> list[str]:
    """Each way `persona` contradicts its own address form and register, in words."""
    return persona_contradictions(persona)
