"""The welcome page's short simulation: a few conversations on the embedded model, ≤ 3 turns.

Two versions of the order-tracking prompt (with the institutional *vous* persona) answer the
late-parcel scenario, played by the pressed commuter and the elderly customer who expects
*vous*; the embedded model plays both sides. Four conversations of at most three turns: a few
minutes on a laptop CPU, enough to see transcripts, badges and a side-by-side comparison.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.app import conversations as app_conversations
from workbench.app.conversations import CaseSelection, SimulationSpec
from workbench.app.runs import DEMO_MODELS, DEMO_PERSONAS, DEMO_PROMPTS, DEMO_RUBRIC
from workbench.core.models import Kind

if TYPE_CHECKING:
    from workbench.store import Store

DEMO_CONVERSATIONS = "maison-lumiere"
DEMO_CASES = ("late-parcel",)
DEMO_CUSTOMERS = ("commuter-pressed", "elderly-formal")
DEMO_MAX_TURNS = 3
DEMO_SIMULATION_NAME = "demo: order-tracking v2 vs v3 × two customers"


def demo_simulation_available(store: Store) -> bool:
    """Whether the demo workspace holds what the short simulation needs."""
    have = {kind: {f.name for f in store.list_families(kind)} for kind in Kind}
    return (
        DEMO_CONVERSATIONS in have[Kind.CONVERSATIONS]
        and set(DEMO_CUSTOMERS) <= have[Kind.CUSTOMER]
        and set(DEMO_MODELS) <= have[Kind.MODEL]
        and {p.split("@")[0] for p in DEMO_PROMPTS} <= have[Kind.PROMPT]
    )


def demo_simulation_spec(store: Store) -> SimulationSpec:
    """The short simulation's spec.

    Raises:
        KnownError: the demo workspace is not loaded (a name does not resolve).
    """
    rubric = (
        DEMO_RUBRIC
        if any(f.name == DEMO_RUBRIC for f in store.list_families(Kind.RUBRIC))
        else None
    )
    return app_conversations.build_simulation_spec(
        store,
        prompts=DEMO_PROMPTS,
        personas=DEMO_PERSONAS[:1],
        models=DEMO_MODELS,
        conversations=DEMO_CONVERSATIONS,
        cases=CaseSelection(ids=DEMO_CASES),
        customers=DEMO_CUSTOMERS,
        simulator=DEMO_MODELS[0],
        max_turns=DEMO_MAX_TURNS,
        concurrency=2,
        rubric=rubric,
    )
