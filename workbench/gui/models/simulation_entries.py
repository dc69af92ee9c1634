"""The navigator's "Simulations" section, read through the application layer without any Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.app import conversations as app_conversations
from workbench.gui.models.navigator_entries import NavEntry

if TYPE_CHECKING:
    from workbench.app.records import Store

SIMULATIONS_LISTED = 200
NO_SIMULATIONS_HINT = (
    "No simulation yet — Run › Simulation setup (Ctrl+Shift+R) lets simulated customers talk to"
    " your assistant versions"
)


def simulation_entries(store: Store) -> list[NavEntry]:
    """Every simulation, newest first; a hint when there is none."""
    entries = []
    for info in app_conversations.list_simulations(store)[:SIMULATIONS_LISTED]:
        when = info.created_at.strftime("%Y-%m-%d %H:%M")
        entries.append(
            NavEntry(
                section="Simulations",
                kind=None,
                name=info.name,
                title=f"sim-{info.id} {info.name}",
                detail=f"{info.status}, {len(info.columns)} column(s), created {when}",
                simulation_id=info.id,
            )
        )
    if not entries:
        return [
            NavEntry(
                section="Simulations",
                kind=None,
                name="",
                title="No simulation yet",
                detail=NO_SIMULATIONS_HINT,
                placeholder=True,
            )
        ]
    return entries
