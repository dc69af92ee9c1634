"""Conversations: multi-turn test cases, simulated customers, transcripts and their scores.

A *conversation set* (family kind ``conversations``) holds test cases of two shapes:

- **scripted**: a list of ``user`` / ``assistant`` turns; assistant turns are references. At each
  user turn the assistant under test answers, given the real history so far (its own earlier
  answers, not the references), and each of its answers is scored against the reference.
- **scenario**: what a simulated customer wants and knows (goal, facts they hold, facts they
  reveal only when asked, an optional opening message) and the expected outcome (facts the
  assistant must give, a hand-off to a human, or a polite refusal). A customer persona
  (`workbench.core.customers.CustomerContent`) says how the customer writes and behaves.

A simulation runs conversations: (case × customer persona × assistant column × repeat). A
*turn* is one exchange: the customer speaks, the assistant answers. Its transcript is a list of
`TranscriptMessage` (customer and assistant messages, in order, each with what its call cost).
All types here are pure data (pydantic or frozen dataclasses) shared by every layer.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.core.content import Content
from workbench.core.runs import Column

DEFAULT_MAX_TURNS = 6
MAX_TURNS_LIMIT = 50
#: What a simulated customer writes when they are done (thanks, leave, give up).
END_MARKER = "[FIN]"
#: What an assistant writes when it hands the conversation over to a human (configurable per run).
DEFAULT_HANDOFF_MARKERS: tuple[str, ...] = ("[HUMAIN]", "[HANDOFF]")
#: The longest message a simulator may write before it counts as a runaway (characters).
DEFAULT_SIMULATOR_CAP = 2000


class ScriptTurn(Content):
    """One turn of a scripted conversation; an assistant turn is a reference answer."""

    role: Literal["user", "assistant"]
    content: str


class ExpectedOutcome(Content):
    """What a good conversation ends with.

    Attributes:
        facts: phrases the assistant must have given by the end (case- and accent-insensitive).
        handoff: True when the assistant should hand over to a human, False when it should
            not, None when either is fine.
        refusal: True when the right outcome is a polite refusal.
    """

    facts: tuple[str, ...] = ()
    handoff: bool | None = None
    refusal: bool = False


class Scenario(Content):
    """What the simulated customer wants and knows.

    Attributes:
        goal: what the customer wants (required).
        knows: facts the customer holds and gives when relevant (``order_number: ML-104522``).
        reveal_when_asked: facts the customer gives only when the assistant asks for them.
        opening: the customer's first message, verbatim; None lets the simulator write it.
        expected: the outcome the assistant must reach.
    """

    goal: str
    knows: dict[str, str] = Field(default_factory=dict)
    reveal_when_asked: dict[str, str] = Field(default_factory=dict)
    opening: str | None = None
    expected: ExpectedOutcome = Field(default_factory=ExpectedOutcome)

    @field_validator("goal")
    @classmethod
    def _goal_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the scenario's goal is blank")
        return value


class ConversationCase(Content):
    """One conversation test case (one line of a ``.conversations.jsonl`` file).

    Attributes:
        id: unique within its set.
        vars: variables of the assistant's prompt (``order_status``...). The first customer
            message is passed to the prompt's user template as ``message``.
        turns: the script (scripted cases only).
        scenario: the customer's brief (scenario cases only).
        max_turns: exchanges at most (a run's ``max_turns`` overrides it).
        tags: free labels for selection (``--tag``).
        customers: customer persona names this scenario is written for; a simulation runs it
            only with those of its customers (all of them when empty).
    """

    id: str
    vars: dict[str, Any] = Field(default_factory=dict)
    turns: tuple[ScriptTurn, ...] = ()
    scenario: Scenario | None = None
    max_turns: int = Field(DEFAULT_MAX_TURNS, ge=1, le=MAX_TURNS_LIMIT)
    tags: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()

    @property
    def kind(self) -> Literal["scripted", "scenario"]:
        """``scripted`` when the case has turns, ``scenario`` otherwise."""
        return "scenario" if self.scenario is not None else "scripted"

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("case id is blank")
        return value

    @model_validator(mode="after")
    def _one_shape(self) -> ConversationCase:
        if self.scenario is not None and self.turns:
            raise ValueError("give either 'turns' (scripted) or 'scenario', not both")
        if self.scenario is None:
            if not self.turns:
                raise ValueError("a case needs 'turns' (scripted) or a 'scenario'")
            if self.customers:
                raise ValueError("'customers' applies to scenarios only (a script is its customer)")
            check_script(self.turns)
        return self

    def user_turns(self) -> list[str]:
        """The customer's messages of a scripted case, in order."""
        return [t.content for t in self.turns if t.role == "user"]

    def reference_after(self, user_index: int) -> str | None:
        """The reference answer following the `user_index`-th user turn (0-based), if any."""
        seen = -1
        for position, turn in enumerate(self.turns):
            if turn.role == "user":
                seen += 1
                if seen == user_index:
                    following = self.turns[position + 1 : position + 2]
                    return (
                        following[0].content
                        if following and following[0].role == "assistant"
                        else None
                    )
        return None


def check_script(turns: tuple[ScriptTurn, ...]) -> None:
    """Refuse scripts the replay cannot follow; the message names the turn (1-based).

    A script starts with a user turn, alternates user / assistant, and has no blank user turn.
    """
    if turns[0].role != "user":
        raise ValueError("turn 1: a script starts with a user turn")
    for number, (before, turn) in enumerate(itertools.pairwise(turns), start=2):
        if before.role == turn.role:
            raise ValueError(f"turn {number}: two {turn.role} turns in a row")
    for number, turn in enumerate(turns, start=1):
        if turn.role == "user" and not turn.content.strip():
            raise ValueError(f"turn {number}: the user turn is blank")


class ConversationSetContent(Content):
    """A version of a conversation set: its cases, in order, with unique ids."""

    description: str = ""
    cases: tuple[ConversationCase, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> ConversationSetContent:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"case id '{case.id}' appears twice")
            seen.add(case.id)
        return self

    def case(self, case_id: str) -> ConversationCase:
        """The case with this id (KeyError when absent)."""
        for case in self.cases:
            if case.id == case_id:
                return case
        raise KeyError(case_id)


# --------------------------------------------------------------------------- simulation runs


class SimulationSpec(BaseModel):
    """What to simulate; every reference is a full version id.

    A scripted case runs once per column and repeat (under customer index 0: its script is its
    customer); a scenario case runs once per customer persona, column and repeat.

    Attributes:
        customer_ids: customer persona versions; ``(None,)`` when there are only scripted cases.
        simulator_model_id: the model config playing the customer (required for scenarios).
        max_turns: exchanges at most for every case (None: each case's own ``max_turns``).
        seed: seeds the simulator's sampling (``seed`` param) and makes the run reproducible.
        handoff_markers: what an assistant writes when it hands over to a human.
        simulator_cap: longest simulator message (characters) before it counts as a runaway.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt_ids: tuple[str, ...]
    persona_ids: tuple[str | None, ...] = (None,)
    model_ids: tuple[str, ...]
    conversations_id: str
    case_ids: tuple[str, ...] | None = None
    customer_ids: tuple[str | None, ...] = (None,)
    simulator_model_id: str | None = None
    max_turns: int | None = Field(None, ge=1, le=MAX_TURNS_LIMIT)
    repeats: int = Field(1, ge=1, le=100)
    concurrency: int = Field(8, ge=1, le=512)
    budget_usd: float | None = Field(None, ge=0)
    use_cache: bool = True
    rubric_id: str | None = None
    seed: int = 0
    handoff_markers: tuple[str, ...] = DEFAULT_HANDOFF_MARKERS
    simulator_cap: int = Field(DEFAULT_SIMULATOR_CAP, ge=50)


@dataclass(frozen=True, order=True)
class ConversationKey:
    """Address of one conversation in a simulation run."""

    case_id: str
    column: int
    customer: int = 0
    repeat: int = 0

    def label(self) -> str:
        """Short text such as ``late-parcel · c1 · cust0 · r0``."""
        return f"{self.case_id} · c{self.column} · cust{self.customer} · r{self.repeat}"


class ConversationStatus(StrEnum):
    """Life of a conversation. ``error`` is infrastructure or simulator trouble, never a fail."""

    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    ERROR = "error"
    CANCELLED = "cancelled"


class StopReason(StrEnum):
    """Why a conversation ended."""

    CUSTOMER_END = "customer_end"  # the customer wrote the end marker
    OUTCOME_REACHED = "outcome_reached"  # every expected fact was given
    HANDOFF = "handoff"  # the assistant wrote a hand-off marker
    TURN_LIMIT = "turn_limit"
    SCRIPT_END = "script_end"  # a scripted case replayed every user turn
    SIMULATOR_ERROR = "simulator_error"  # empty or runaway customer message, or its call failed
    ASSISTANT_ERROR = "assistant_error"  # the assistant's call failed (infrastructure)
    RENDER_ERROR = "render_error"  # a prompt, persona or customer template did not render
    CANCELLED = "cancelled"
    BUDGET = "budget"


@dataclass(frozen=True)
class TranscriptMessage:
    """One message of a transcript, with what producing it cost.

    `turn` is the exchange it belongs to (0-based); `index` its position in the transcript.
    `role` is ``customer`` or ``assistant``; a scripted customer message has no call
    (`scripted` True, no tokens).
    """

    index: int
    turn: int
    role: Literal["customer", "assistant"]
    content: str
    scripted: bool = False
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    cache_hit: bool = False
    attempts: int = 0
    finished_at: datetime | None = None


@dataclass(frozen=True)
class ConversationResult:
    """A conversation's state: its transcript so far and, once ended, why it ended."""

    key: ConversationKey
    status: ConversationStatus
    messages: tuple[TranscriptMessage, ...] = ()
    stop_reason: StopReason | None = None
    error_kind: str | None = None
    error_message: str | None = None
    finished_at: datetime | None = None

    @property
    def turns(self) -> int:
        """Exchanges with an assistant answer."""
        return sum(1 for m in self.messages if m.role == "assistant")

    @property
    def cost_usd(self) -> float:
        """Money spent on this conversation's calls (cache hits are free)."""
        return sum(m.cost_usd or 0.0 for m in self.messages if not m.cache_hit)


class SimulationInfo(BaseModel):
    """A stored simulation run's header (ids are their own sequence, shown as ``sim-N``)."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    spec: SimulationSpec
    columns: tuple[Column, ...]
    status: str
    created_at: datetime
    finished_at: datetime | None = None
    estimated_cost_usd: float | None = None


# --------------------------------------------------------------------------- scores


@dataclass(frozen=True)
class TurnScore:
    """The rubric on one assistant turn (`turn` 0-based); `passed` None when not scored."""

    turn: int
    passed: bool | None
    score: float | None
    error: str | None = None
    criteria: tuple[Mapping[str, Any], ...] = ()
    address: str | None = None  # tu / vous / mixed / none (French), as detected


@dataclass(frozen=True)
class ConversationScore:
    """Per-conversation measures; None means "does not apply" or "could not tell".

    Attributes:
        outcome_reached: every expected fact given / hand-off or refusal as expected.
        turns_to_resolution: 1-based exchange where the outcome was reached.
        register_kept: every assistant turn used the persona's address form.
        drift_turns: 0-based turns whose address form differs from the expected one.
        unanswered_turns: turns with an empty assistant answer.
        repeated_turns: turns whose answer repeats an earlier one (loops).
        handoff_happened / handoff_ok: whether it handed over, and whether that was right.
        final_mood: the customer's mood at the end (judge): satisfied / neutral / frustrated /
            angry; `mood_error` when the judge failed (never a fail).
        turn_pass_rate: share of scored assistant turns that passed the rubric.
        first_bad_turn: the first turn where it went wrong (drift, loop, unanswered, failed).
        passed: the conversation passes (outcome reached, register kept, no loop, no
            unanswered turn, turns passing); None when it ended in error.
    """

    key: ConversationKey
    passed: bool | None
    outcome_reached: bool | None
    turns_to_resolution: int | None
    register_kept: bool | None
    drift_turns: tuple[int, ...] = ()
    unanswered_turns: tuple[int, ...] = ()
    repeated_turns: tuple[int, ...] = ()
    handoff_happened: bool = False
    handoff_ok: bool | None = None
    final_mood: str | None = None
    mood_error: str | None = None
    turn_pass_rate: float | None = None
    first_bad_turn: int | None = None
    turns: tuple[TurnScore, ...] = ()
    error: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class SimulationStarted:
    """A simulation began; `total` conversations will be settled by this execution."""

    run_id: int
    total: int


@dataclass(frozen=True, slots=True)
class ConversationStarted:
    """A conversation's first call is about to be made (or its stored turns replayed)."""

    key: ConversationKey
    resumed_turns: int = 0


@dataclass(frozen=True, slots=True)
class TurnFinished:
    """A transcript message was produced and written (customer or assistant)."""

    key: ConversationKey
    message: TranscriptMessage


@dataclass(frozen=True, slots=True)
class ConversationFinished:
    """A conversation ended (finished, error or cancelled); `result` has its whole transcript."""

    result: ConversationResult


@dataclass(frozen=True, slots=True)
class SimulationFinished:
    """The simulation stopped; `counts` maps conversation status values to counts."""

    run_id: int
    status: str
    counts: Mapping[str, int]


SimulationEvent = (
    SimulationStarted
    | ConversationStarted
    | TurnFinished
    | ConversationFinished
    | SimulationFinished
)
