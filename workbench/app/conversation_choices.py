"""What the conversation screens offer to choose from: scenarios, customers, sets, models.

Small read-only queries over the store, shared by the customer designer (which scenario to
preview the simulator prompt with), the simulation setup and the playground.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.core.conversations import ConversationCase, ConversationSetContent
from workbench.core.errors import NotFoundError
from workbench.core.models import Kind

if TYPE_CHECKING:
    from workbench.store import Store


@dataclass(frozen=True)
class ScenarioChoice:
    """A scenario case of a conversation set, as a picker lists it."""

    conversations: str
    case_id: str
    goal: str

    @property
    def label(self) -> str:
        """``set › case — goal`` (the goal cut to a line)."""
        goal = self.goal if len(self.goal) <= 60 else self.goal[:59] + "…"
        return f"{self.conversations} › {self.case_id} — {goal}"


def family_names(store: Store, kind: Kind) -> list[str]:
    """The names of every family of a kind, in the store's order."""
    return [family.name for family in store.list_families(kind)]


def version_refs(store: Store, kind: Kind) -> list[str]:
    """Each family by name (its head), then every older version as ``name@vN``, newest first."""
    names = family_names(store, kind)
    older = [version.ref for name in names for version in reversed(store.history(kind, name)[:-1])]
    return [*names, *older]


def version_choices(store: Store, kind: Kind) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every family of a kind with its versions (ref, number, note, labels, head), for pickers."""
    families = []
    for family in store.list_families(kind):
        by_number: dict[int, list[str]] = {}
        for label, number in family.labels.items():
            by_number.setdefault(number, []).append(label)
        versions = [
            {
                "ref": version.ref,
                "number": version.number,
                "note": version.note,
                "labels": tuple(sorted(by_number.get(version.number, []))),
                "head": version.id == family.head_id,
            }
            for version in store.history(kind, family.name)
        ]
        families.append((family.name, versions))
    return families


def scenario_choices(store: Store) -> list[ScenarioChoice]:
    """Every scenario case of every conversation set's head version."""
    choices = []
    for name in family_names(store, Kind.CONVERSATIONS):
        content = store.resolve(Kind.CONVERSATIONS, name).content
        if not isinstance(content, ConversationSetContent):
            continue
        for case in content.cases:
            if case.scenario is not None:
                choices.append(ScenarioChoice(name, case.id, case.scenario.goal))
    return choices


def find_case(store: Store, conversations: str, case_id: str) -> ConversationCase:
    """A case of a conversation set's head.

    Raises:
        NotFoundError: the set or the case does not exist.
    """
    content = store.resolve(Kind.CONVERSATIONS, conversations).content
    assert isinstance(content, ConversationSetContent)
    try:
        return content.case(case_id)
    except KeyError:
        raise NotFoundError(f"conversation set {conversations} has no case {case_id}") from None


def case_ids(store: Store, conversations: str) -> list[tuple[str, str]]:
    """(case id, kind) of every case of a set's head, in order."""
    content = store.resolve(Kind.CONVERSATIONS, conversations).content
    assert isinstance(content, ConversationSetContent)
    return [(case.id, case.kind) for case in content.cases]
