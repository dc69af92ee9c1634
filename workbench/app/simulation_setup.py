"""What the simulation setup dialog chose, checked field by field, with its estimate.

`check_simulation_choices` runs on a worker thread with its own store: it resolves every name,
applies the case selection, and asks the simulation engine for the number of conversations and
the upper bounds of calls and cost (every conversation running to its turn limit). Each problem
is reported under the field it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Literal

from workbench.app import conversations as app_conversations
from workbench.app.conversations import (
    CaseSelection,
    ConversationSetContent,
    SimulationEstimate,
    SimulationSpec,
)
from workbench.app.setup_checks import FieldProblems, comparison_name, selection
from workbench.core.errors import KnownError
from workbench.core.llm import Provider
from workbench.core.models import Kind, ModelConfigContent

if TYPE_CHECKING:
    from workbench.app.services import Services
    from workbench.store import Store

CaseMode = Literal["all", "tag", "sample"]
SIMULATION_FIELDS = (
    "prompts",
    "personas",
    "models",
    "conversations",
    "cases",
    "customers",
    "simulator",
    "rubric",
    "general",
)


@dataclass(frozen=True)
class SimulationChoices:
    """Everything the simulation setup lets a person choose.

    Attributes:
        prompts / personas / models: the assistant columns, as ``family@vN`` addresses.
        conversations: the conversation set (``family`` or ``family@vN``).
        case_mode: every case, the cases with `tag`, or a seeded random `sample`.
        customers: customer personas playing the scenario cases.
        simulator: the model config playing the customer.
        max_turns: turn limit for every case (None: each case's own).
    """

    prompts: tuple[str, ...] = ()
    personas: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    conversations: str | None = None
    case_mode: CaseMode = "all"
    tag: str | None = None
    sample: int = 5
    customers: tuple[str, ...] = ()
    simulator: str | None = None
    max_turns: int | None = None
    repeats: int = 1
    concurrency: int = 4
    budget_usd: float | None = None
    use_cache: bool = True
    rubric: str | None = None
    seed: int = 0
    name: str = ""

    def case_selection(self) -> CaseSelection:
        """The cases to run as the app layer's `CaseSelection`."""
        return selection(CaseSelection, self.case_mode, self.tag, self.sample, self.seed)

    def default_name(self) -> str:
        """A name saying what is simulated, for when the user gave none."""
        return comparison_name(self.prompts, self.customers, "customer", self.conversations)


@dataclass(frozen=True)
class SimulationCheck:
    """The outcome of checking `SimulationChoices`.

    Attributes:
        spec: the simulation to create, when nothing is wrong.
        estimate: conversations, and upper bounds of calls and cost.
        problems: field name (see `SIMULATION_FIELDS`) → what is wrong, in words.
        scenarios / scripted: how many scenario and scripted cases are selected.
        warning: something to know that does not stop the start (the budget may stop it).
    """

    spec: SimulationSpec | None = None
    estimate: SimulationEstimate | None = None
    problems: dict[str, str] = field(default_factory=dict)
    scenarios: int = 0
    scripted: int = 0
    warning: str = ""

    @property
    def ok(self) -> bool:
        """Whether the simulation can start."""
        return self.spec is not None and not self.problems


def check_simulation_choices(
    services: Services, store: Store, choices: SimulationChoices
) -> SimulationCheck:
    """Resolve and estimate `choices`; every problem is named under its field."""
    found_problems = FieldProblems(first_wins=True)
    problems, attempt = found_problems.problems, found_problems.attempt
    found_problems.check_columns(
        store,
        choices.prompts,
        choices.personas,
        choices.models,
        no_model="Choose at least one model for the assistant.",
    )
    for address in choices.customers:
        attempt("customers", partial(store.resolve, Kind.CUSTOMER, address))
    if choices.simulator is not None:
        attempt("simulator", lambda: store.resolve(Kind.MODEL, choices.simulator or ""))
    if choices.rubric is not None:
        attempt("rubric", lambda: store.resolve(Kind.RUBRIC, choices.rubric or ""))
    scenarios = scripted = 0
    if choices.conversations is None:
        problems["conversations"] = "Choose a conversation set (import or write scenarios)."
    else:
        found = attempt(
            "conversations", lambda: store.resolve(Kind.CONVERSATIONS, choices.conversations or "")
        )
        if found is not None:
            content = getattr(found, "content", None)
            assert isinstance(content, ConversationSetContent)
            if choices.case_mode == "tag" and not (choices.tag or "").strip():
                problems["cases"] = "Choose a tag."
            else:
                ids = attempt(
                    "cases",
                    lambda: choices.case_selection().apply(content, getattr(found, "ref", "")),
                )
                wanted = set(ids) if isinstance(ids, tuple) else None
                chosen = [c for c in content.cases if wanted is None or c.id in wanted]
                scenarios = sum(1 for c in chosen if c.kind == "scenario")
                scripted = len(chosen) - scenarios
    if scenarios and not choices.customers:
        problems.setdefault(
            "customers", f"{scenarios} scenario case(s): choose who plays the customer."
        )
    if scenarios and choices.simulator is None:
        problems.setdefault("simulator", "Scenario cases need a model to play the customer.")
    if problems:
        return SimulationCheck(problems=problems, scenarios=scenarios, scripted=scripted)
    try:
        spec = app_conversations.build_simulation_spec(
            store,
            prompts=choices.prompts,
            personas=choices.personas,
            models=choices.models,
            conversations=choices.conversations or "",
            cases=choices.case_selection(),
            customers=choices.customers,
            simulator=choices.simulator,
            max_turns=choices.max_turns,
            repeats=choices.repeats,
            concurrency=choices.concurrency,
            budget_usd=choices.budget_usd,
            use_cache=choices.use_cache,
            rubric=choices.rubric,
            seed=choices.seed,
        )
        engine = app_conversations.simulation_engine(
            services, store=store, provider_factory=_no_provider
        )
        estimate = engine.estimate(spec)
    except KnownError as error:
        return SimulationCheck(
            problems={"general": str(error)}, scenarios=scenarios, scripted=scripted
        )
    if (
        choices.budget_usd is not None
        and estimate.cost_usd_max is not None
        and estimate.cost_usd_max > choices.budget_usd
    ):
        warning = (
            f"At most ${estimate.cost_usd_max:.4f} if every conversation reaches its turn limit,"
            f" above the budget ${choices.budget_usd:.4f}: the simulation stops at the budget."
        )
        return SimulationCheck(spec, estimate, {}, scenarios, scripted, warning)
    return SimulationCheck(spec, estimate, problems, scenarios, scripted)


def describe_simulation_estimate(check: SimulationCheck) -> str:
    """The estimate in words (rich text), for the dialog."""
    estimate = check.estimate
    if estimate is None:
        return ""
    cost = (
        "no price known for a model"
        if estimate.cost_usd_max is None
        else "<b>free (no priced model)</b>"
        if estimate.cost_usd_max == 0
        else f"<b>at most ${estimate.cost_usd_max:.4f}</b>"
    )
    cases = []
    if check.scenarios:
        cases.append(f"{check.scenarios} scenario case(s)")
    if check.scripted:
        cases.append(f"{check.scripted} scripted case(s)")
    return (
        f"<b>{estimate.conversations} conversation{'s' if estimate.conversations != 1 else ''}</b>"
        f" ({', '.join(cases) or 'no case'}) · at most {estimate.max_calls} calls · {cost}"
        "<br/><span style='color:gray'>Upper bounds: every conversation is counted to its turn"
        " limit; most end earlier (goal reached, customer leaves, hand-off). Cached answers"
        " are free.</span>"
    )


def conversation_tags(store: Store, conversations: str) -> list[str]:
    """The tags used in a conversation set's cases, most frequent first."""
    content = store.resolve(Kind.CONVERSATIONS, conversations).content
    assert isinstance(content, ConversationSetContent)
    counts: dict[str, int] = {}
    for case in content.cases:
        for tag in case.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts, key=lambda t: (-counts[t], t))


def _no_provider(_config: ModelConfigContent) -> Provider:
    raise AssertionError("estimating a simulation never calls a model")
