"""What the navigator lists, read from the store without any Qt.

Sections follow the order people work in: prompts and personas first, then what they run
against, then the runs and what got approved. "Approved" lists the approved bundles (a prompt,
persona, model and rubric version approved together on the evidence of scored runs); while there
are none it shows one hint saying how a bundle gets there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.core.models import Kind

if TYPE_CHECKING:
    from workbench.app.records import Store

RUNS_LISTED = 200
NO_APPROVALS_HINT = (
    "No approved bundles yet — approve a prompt + persona + model + rubric on the evidence of a"
    " scored run"
)


@dataclass(frozen=True)
class NavEntry:
    """One item of the navigator.

    Attributes:
        section: the section title it appears under.
        kind: the family kind, or None for a run.
        name: the family name (for a run, its name).
        title: the text shown.
        detail: a second line shown in the tooltip.
        run_id: the run's id when the entry is a run.
        ref: a version reference to open (``v3``), or None for the head.
        approval: the approval's address (``order-support@v2``) when the entry is one.
        placeholder: a hint shown in an empty section, not something to open.
        simulation_id: the simulation run's id when the entry is one (conversations).
    """

    section: str
    kind: Kind | None
    name: str
    title: str
    detail: str = ""
    run_id: int | None = None
    ref: str | None = None
    approval: str | None = None
    placeholder: bool = False
    simulation_id: int | None = None


SECTIONS: tuple[tuple[str, Kind | None], ...] = (
    ("Prompts", Kind.PROMPT),
    ("Personas", Kind.PERSONA),
    ("Datasets", Kind.DATASET),
    ("Rubrics", Kind.RUBRIC),
    ("Models", Kind.MODEL),
    ("Logs", Kind.LOG),
    # Conversations (issue 12): scenario sets, simulated customers, simulation runs.
    ("Scenarios", Kind.CONVERSATIONS),
    ("Customers", Kind.CUSTOMER),
    ("Runs", None),
    ("Simulations", None),
    ("Approved", None),
)


def load_navigator(store: Store) -> dict[str, list[NavEntry]]:
    """Every section's entries, in display order (empty sections included)."""
    sections: dict[str, list[NavEntry]] = {title: [] for title, _ in SECTIONS}
    families = store.list_families()
    titles = {kind: title for title, kind in SECTIONS if kind is not None}
    for family in families:
        if family.kind not in titles:  # kinds with their own views (customers, conversations)
            continue
        versions = f"v{family.head_number}" if family.head_number else "no versions"
        labels = ", ".join(
            f"{label} → v{number}" for label, number in sorted(family.labels.items())
        )
        detail = f"{family.version_count} version(s), head {versions}"
        if labels:
            detail += f"; labels: {labels}"
        if family.description:
            detail = f"{family.description}\n{detail}"
        sections[titles[family.kind]].append(
            NavEntry(
                section=titles[family.kind],
                kind=family.kind,
                name=family.name,
                title=f"{family.name}  ·  {versions}",
                detail=detail,
            )
        )
    for run in store.list_runs(limit=RUNS_LISTED):
        when = run.created_at.strftime("%Y-%m-%d %H:%M")
        sections["Runs"].append(
            NavEntry(
                section="Runs",
                kind=None,
                name=run.name,
                title=f"#{run.id} {run.name}",
                detail=f"{run.status.value}, {len(run.columns)} column(s), created {when}",
                run_id=run.id,
            )
        )
    sections["Approved"] = approved_entries(store)
    from workbench.gui.models.simulation_entries import simulation_entries  # it uses NavEntry

    sections["Simulations"] = simulation_entries(store)
    return sections


def approved_entries(store: Store) -> list[NavEntry]:
    """The approvals still in force, newest number of each bundle first; a hint when none."""
    entries = []
    for approval in store.list_approvals():
        if approval.revoked:
            continue
        versions = approval.versions
        persona = f" · {versions.persona_family}" if versions.persona_family else ""
        rate = (
            f"  {approval.evidence.pass_rate:.0%} pass"
            if approval.evidence.pass_rate is not None
            else ""
        )
        labels = f"  [{', '.join(approval.labels)}]" if approval.labels else ""
        awaiting = "  · needs sign-off" if approval.awaiting_review else ""
        verb = "proposed" if approval.requires_reviewer else "approved"
        signed = f", signed off by {approval.signoff.reviewer}" if approval.signoff else ""
        entries.append(
            NavEntry(
                section="Approved",
                kind=None,
                name=approval.ref,
                title=f"{approval.ref}{awaiting}{labels}{rate}",
                detail=(
                    f"{versions.prompt_family}{persona} · {versions.model_family}, rubric"
                    f" {versions.rubric_family}; {verb} by {approval.reviewer}"
                    f" on {approval.approved_at:%Y-%m-%d}{signed}"
                ),
                approval=approval.ref,
            )
        )
    if not entries:
        return [
            NavEntry(
                section="Approved",
                kind=None,
                name="",
                title="No approved bundles yet",
                detail=NO_APPROVALS_HINT,
                placeholder=True,
            )
        ]
    return entries
