"""A simulation as the GUI follows it: its grid layout, transcripts as they grow, and scores.

`simulation_layout` reads, once, what the grid needs before the first turn (every row and
column, the cases, the customers' names). `LiveConversations` then folds the engine's plain
events (`ConversationStarted`, `TurnFinished`, `ConversationFinished`) and stored scores into
per-conversation state, and answers with grid cell summaries and transcript views. It is pure
bookkeeping on the GUI thread: no store, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.app.conversation_grid import ConversationCell, GridColumn, GridRow
from workbench.app.conversation_views import (
    Tone,
    TranscriptView,
    TurnBadge,
    TurnView,
)
from workbench.core.conversations import (
    ConversationCase,
    ConversationFinished,
    ConversationKey,
    ConversationResult,
    ConversationScore,
    ConversationSetContent,
    ConversationStarted,
    ConversationStatus,
    StopReason,
    TranscriptMessage,
    TurnFinished,
    TurnScore,
)

if TYPE_CHECKING:
    from workbench.core.conversations import SimulationInfo
    from workbench.store import Store

RowKey = tuple[str, int, int]  # case id, customer index, repeat
SCRIPT_CUSTOMER = "script"

_STOP_WORDS: dict[StopReason, tuple[str, Tone]] = {
    StopReason.CUSTOMER_END: ("customer ended", "neutral"),
    StopReason.OUTCOME_REACHED: ("resolved", "pass"),
    StopReason.HANDOFF: ("hand-off", "info"),
    StopReason.TURN_LIMIT: ("turn limit", "warn"),
    StopReason.SCRIPT_END: ("script done", "neutral"),
    StopReason.SIMULATOR_ERROR: ("simulator error", "error"),
    StopReason.ASSISTANT_ERROR: ("error", "error"),
    StopReason.RENDER_ERROR: ("render error", "error"),
    StopReason.CANCELLED: ("cancelled", "neutral"),
    StopReason.BUDGET: ("budget reached", "neutral"),
}


def row_key(key: ConversationKey) -> RowKey:
    """The grid row of a conversation."""
    return key.case_id, key.customer, key.repeat


@dataclass(frozen=True)
class SimulationLayout:
    """What a simulation's grid shows before any conversation ran.

    Attributes:
        run_id: the simulation run.
        name: its name.
        rows: every (case × customer × repeat) row, scripted cases once (their script is
            their customer).
        columns: the assistant columns.
        cases: the run's cases by id.
        customers: customer persona names by customer index.
        max_turns: the run's turn limit (None: each case's own).
        rubric_id: the rubric the run is scored with, if any.
        judge_model: the model the judge uses, if any (family name).
    """

    run_id: int
    name: str
    rows: tuple[GridRow, ...]
    columns: tuple[GridColumn, ...]
    cases: Mapping[str, ConversationCase]
    customers: tuple[str, ...]
    max_turns: int | None = None
    rubric_id: str | None = None

    def turn_limit(self, case_id: str) -> int:
        """The turn limit that applies to a case."""
        case = self.cases.get(case_id)
        if self.max_turns is not None:
            return self.max_turns
        return case.max_turns if case is not None else 0

    def customer_name(self, index: int, case_id: str) -> str:
        """Who plays the customer in a row ("script" for a scripted case)."""
        case = self.cases.get(case_id)
        if case is not None and case.kind == "scripted":
            return SCRIPT_CUSTOMER
        return self.customers[index] if 0 <= index < len(self.customers) else f"customer {index}"


def simulation_layout(store: Store, info: SimulationInfo) -> SimulationLayout:
    """The grid layout of a stored simulation (reads its conversation set and customers)."""
    spec = info.spec
    conversations = store.get_version(spec.conversations_id).content
    assert isinstance(conversations, ConversationSetContent)
    wanted = set(spec.case_ids) if spec.case_ids is not None else None
    cases = [c for c in conversations.cases if wanted is None or c.id in wanted]
    customers = tuple(
        store.get_version(customer_id).family if customer_id else SCRIPT_CUSTOMER
        for customer_id in spec.customer_ids
    )
    rows: list[GridRow] = []
    for case in cases:
        indexes = [0] if case.kind == "scripted" else range(len(customers))
        for customer in indexes:
            name = SCRIPT_CUSTOMER if case.kind == "scripted" else customers[customer]
            for repeat in range(spec.repeats):
                rows.append(GridRow((case.id, customer, repeat), case.id, name, repeat))
    columns = tuple(GridColumn(c.index, c.label) for c in info.columns)
    return SimulationLayout(
        run_id=info.id,
        name=info.name,
        rows=tuple(rows),
        columns=columns,
        cases={case.id: case for case in cases},
        customers=customers,
        max_turns=spec.max_turns,
        rubric_id=spec.rubric_id,
    )


@dataclass
class LiveConversations:
    """Conversations of one simulation as they arrive; answers grid cells and transcripts.

    Args:
        layout: the simulation's layout.
        column_labels: label per column index (for transcript subtitles).
    """

    layout: SimulationLayout
    results: dict[ConversationKey, ConversationResult] = field(default_factory=dict)
    scores: dict[ConversationKey, ConversationScore] = field(default_factory=dict)
    _messages: dict[ConversationKey, list[TranscriptMessage]] = field(default_factory=dict)

    def load(
        self,
        results: Iterable[ConversationResult],
        scores: Mapping[ConversationKey, ConversationScore] | None = None,
    ) -> list[tuple[RowKey, int, ConversationCell]]:
        """Take stored transcripts and scores; the cells they set."""
        keys = []
        for result in results:
            self.results[result.key] = result
            self._messages[result.key] = list(result.messages)
            keys.append(result.key)
        for key, score in (scores or {}).items():
            self.scores[key] = score
            keys.append(key)
        return self._cells(keys)

    def all_cells(self) -> list[tuple[RowKey, int, ConversationCell]]:
        """The cells of every conversation known (to fill a new grid)."""
        return self._cells([*self.results, *self.scores])

    def apply_events(self, events: Sequence[Any]) -> list[tuple[RowKey, int, ConversationCell]]:
        """Fold engine events in; the cells that changed, as (row key, column, cell)."""
        touched: dict[ConversationKey, None] = {}
        for event in events:
            if isinstance(event, ConversationStarted):
                previous = self.results.get(event.key)
                self.results[event.key] = ConversationResult(
                    event.key,
                    ConversationStatus.RUNNING,
                    previous.messages if previous is not None else (),
                )
                self._messages.setdefault(event.key, list(previous.messages) if previous else [])
                self.scores.pop(event.key, None)  # a re-run conversation's old score is stale
                touched[event.key] = None
            elif isinstance(event, TurnFinished):
                messages = self._messages.setdefault(event.key, [])
                # Resumed conversations replay stored turns: keep each index once.
                messages[:] = [m for m in messages if m.index != event.message.index]
                messages.append(event.message)
                messages.sort(key=lambda m: m.index)
                previous = self.results.get(event.key)
                if previous is None or previous.status is not ConversationStatus.RUNNING:
                    self.results[event.key] = ConversationResult(
                        event.key, ConversationStatus.RUNNING
                    )
                touched[event.key] = None
            elif isinstance(event, ConversationFinished):
                result = event.result
                self.results[result.key] = result
                self._messages[result.key] = list(result.messages)
                touched[result.key] = None
        return self._cells(touched)

    def apply_scores(
        self, scores: Iterable[ConversationScore]
    ) -> list[tuple[RowKey, int, ConversationCell]]:
        """Take conversation scores; the cells that changed."""
        keys = []
        for score in scores:
            self.scores[score.key] = score
            keys.append(score.key)
        return self._cells(keys)

    def key_for(self, row: RowKey, column: int) -> ConversationKey:
        """The conversation at a grid address."""
        case_id, customer, repeat = row
        return ConversationKey(case_id, column, customer, repeat)

    def messages(self, key: ConversationKey) -> list[TranscriptMessage]:
        """The messages received so far for a conversation."""
        return list(self._messages.get(key, ()))

    def cell(self, key: ConversationKey) -> ConversationCell:
        """The grid summary of one conversation."""
        result = self.results.get(key)
        if result is None:
            return ConversationCell(max_turns=self.layout.turn_limit(key.case_id))
        return conversation_cell(
            result,
            self._messages.get(key, list(result.messages)),
            self.scores.get(key),
            self.layout.turn_limit(key.case_id),
        )

    def transcript(self, key: ConversationKey) -> TranscriptView:
        """The transcript view of one conversation (empty when it has not started)."""
        column = next((c for c in self.layout.columns if c.index == key.column), None)
        repeat = f" · repeat {key.repeat + 1}" if key.repeat else ""
        title = f"{key.case_id} · {self.layout.customer_name(key.customer, key.case_id)}"
        return transcript_view(
            self.results.get(key),
            self._messages.get(key, []),
            self.scores.get(key),
            title=title,
            subtitle=(column.label if column else f"column {key.column}") + repeat,
            case=self.layout.cases.get(key.case_id),
        )

    def _cells(self, keys: Iterable[ConversationKey]) -> list[tuple[RowKey, int, ConversationCell]]:
        return [(row_key(k), k.column, self.cell(k)) for k in dict.fromkeys(keys)]


# --------------------------------------------------------------------------- mapping


def outcome_words(
    result: ConversationResult | None, score: ConversationScore | None
) -> tuple[str, Tone]:
    """How a conversation ended, in a word or two, with its badge tone."""
    if result is None:
        return "", "neutral"
    if result.status is ConversationStatus.RUNNING or result.status is ConversationStatus.PENDING:
        return "", "neutral"
    if result.status is ConversationStatus.ERROR:
        if result.stop_reason is not None and result.stop_reason in _STOP_WORDS:
            return _STOP_WORDS[result.stop_reason]
        return "error", "error"
    if result.status is ConversationStatus.CANCELLED:
        return "cancelled", "neutral"
    reason = result.stop_reason
    if score is not None and score.error is None:
        if reason is StopReason.HANDOFF:
            if score.handoff_ok is False:
                return "wrong hand-off", "fail"
            return "hand-off", "pass" if score.handoff_ok else "info"
        if score.outcome_reached:
            return "resolved", "pass"
        if score.outcome_reached is False:
            if reason is StopReason.TURN_LIMIT:
                return "turn limit", "fail"
            if reason is StopReason.CUSTOMER_END:
                return "customer left", "fail"
            return "not resolved", "fail"
    if reason is None:
        return "finished", "neutral"
    return _STOP_WORDS.get(reason, (reason.value.replace("_", " "), "neutral"))


def conversation_cell(
    result: ConversationResult,
    messages: Sequence[TranscriptMessage],
    score: ConversationScore | None,
    max_turns: int,
) -> ConversationCell:
    """The grid summary of a conversation from its state, messages and score."""
    status = result.status
    phase = {
        ConversationStatus.PENDING: "pending",
        ConversationStatus.RUNNING: "running",
        ConversationStatus.FINISHED: "done",
        ConversationStatus.ERROR: "error",
        ConversationStatus.CANCELLED: "cancelled",
    }[status]
    outcome, tone = outcome_words(result, score)
    turns = sum(1 for m in messages if m.role == "assistant")
    preview = messages[-1].content if messages else ""
    problem = None
    value: float | None = None
    passed: bool | None = None
    if score is not None and score.error is None:
        value = score.turn_pass_rate
        passed = score.passed
        problem = turn_problem(score, score.first_bad_turn)
    error = None
    if status is ConversationStatus.ERROR:
        error = result.error_message or result.error_kind or outcome or "error"
    return ConversationCell(
        phase=phase,  # type: ignore[arg-type]
        outcome=outcome,
        outcome_tone=tone,
        turns=turns,
        max_turns=max_turns,
        score=value,
        passed=passed,
        preview=preview,
        problem=problem,
        error=error,
    )


def turn_problem(score: ConversationScore, turn: int | None) -> str | None:
    """Why a turn (0-based) went wrong, in words, or None when it did not."""
    if turn is None:
        return None
    reasons = []
    if turn in score.drift_turns:
        scored = _turn_score(score, turn)
        forms = score.details.get("address") if isinstance(score.details, Mapping) else None
        found = (scored.address if scored is not None else None) or (
            forms.get(str(turn)) if isinstance(forms, Mapping) else None
        )
        expected = score.details.get("expected_address") if score.details else None
        reasons.append(
            f"the assistant switched its form of address to {found or 'another form'}"
            + (f" (expected {expected})" if expected else "")
        )
    if turn in score.repeated_turns:
        reasons.append("the assistant repeated an earlier answer (loop)")
    if turn in score.unanswered_turns:
        reasons.append("the customer's message went unanswered")
    scored = _turn_score(score, turn)
    if scored is not None and scored.passed is False:
        failing = [
            str(c.get("name") or c.get("id") or "criterion")
            for c in scored.criteria
            if c.get("passed") is False
        ]
        reasons.append("failed " + (", ".join(failing) if failing else "the rubric"))
    return "; ".join(reasons) if reasons else None


def _turn_score(score: ConversationScore, turn: int) -> TurnScore | None:
    return next((t for t in score.turns if t.turn == turn), None)


def transcript_view(
    result: ConversationResult | None,
    messages: Sequence[TranscriptMessage],
    score: ConversationScore | None,
    *,
    title: str,
    subtitle: str = "",
    case: ConversationCase | None = None,
) -> TranscriptView:
    """The viewer's shape of a conversation: bubbles, per-turn badges, the bad turn flagged."""
    turn_scores = {t.turn: t for t in score.turns} if score is not None else {}
    bad_turn = score.first_bad_turn if score is not None and score.error is None else None
    references = _references(case)
    views: list[TurnView] = []
    wrong: int | None = None
    for message in messages:
        number = len(views) + 1
        badges: list[TurnBadge] = []
        problem = None
        reference = None
        if message.role == "assistant":
            badges = list(_assistant_badges(message.turn, turn_scores, score))
            reference = references.get(message.turn)
            if message.turn == bad_turn and score is not None:
                problem = turn_problem(score, bad_turn) or "this turn did not pass"
                if wrong is None:
                    wrong = number
        elif message.scripted:
            badges.append(TurnBadge("scripted", "neutral", "A turn of the script, replayed"))
        views.append(
            TurnView(
                number=number,
                role="user" if message.role == "customer" else "assistant",
                text=message.content,
                badges=tuple(badges),
                problem=problem,
                reference=reference,
                detail=_detail(message),
                exchange=message.turn + 1,
            )
        )
    outcome, tone = outcome_words(result, score)
    notes: list[str] = []
    if case is not None and case.scenario is not None:
        notes.append(f"Goal: {case.scenario.goal}")
        if case.scenario.expected.facts:
            notes.append("Must be told: " + "; ".join(case.scenario.expected.facts))
    if result is not None and result.status is ConversationStatus.ERROR:
        notes.append(f"Error: {result.error_message or result.error_kind or 'unknown'}")
    if result is None:
        notes.append("Not started yet.")
    return TranscriptView(
        title=title,
        subtitle=subtitle,
        outcome=outcome,
        outcome_tone=tone,
        badges=conversation_badges(score, messages),
        turns=tuple(views),
        wrong_turn=wrong,
        notes=tuple(notes),
    )


def conversation_badges(
    score: ConversationScore | None, messages: Sequence[TranscriptMessage] = ()
) -> tuple[TurnBadge, ...]:
    """Conversation-level verdicts: pass/fail, register, loops, unanswered, mood, cost."""
    badges: list[TurnBadge] = []
    if score is not None and score.error is not None:
        badges.append(TurnBadge("not scored", "error", score.error))
    elif score is not None:
        if score.passed is not None:
            badges.append(
                TurnBadge(
                    "✓ pass" if score.passed else "✗ fail", "pass" if score.passed else "fail"
                )
            )
        if score.register_kept is True:
            badges.append(TurnBadge("register kept", "pass"))
        elif score.register_kept is False:
            turns = ", ".join(str(t + 1) for t in score.drift_turns)
            badges.append(TurnBadge("register drift", "fail", f"Turns {turns}"))
        if score.repeated_turns:
            badges.append(TurnBadge(f"loop ×{len(score.repeated_turns)}", "fail"))
        if score.unanswered_turns:
            badges.append(TurnBadge(f"unanswered ×{len(score.unanswered_turns)}", "fail"))
        if score.turns_to_resolution is not None:
            badges.append(TurnBadge(f"resolved at turn {score.turns_to_resolution}", "info"))
        if score.turn_pass_rate is not None:
            badges.append(TurnBadge(f"turns passed {score.turn_pass_rate:.0%}", "neutral"))
        if score.final_mood:
            tone: Tone = (
                "pass"
                if score.final_mood == "satisfied"
                else ("fail" if score.final_mood in ("frustrated", "angry") else "neutral")
            )
            badges.append(TurnBadge(f"mood: {score.final_mood}", tone))
        elif score.mood_error:
            badges.append(TurnBadge("mood: judge error", "error", score.mood_error))
    cost = sum(m.cost_usd or 0.0 for m in messages if not m.cache_hit)
    if cost:
        badges.append(TurnBadge(f"${cost:.4f}", "neutral", "Cost of this conversation's calls"))
    return tuple(badges)


def _assistant_badges(
    turn: int, turn_scores: Mapping[int, TurnScore], score: ConversationScore | None
) -> list[TurnBadge]:
    badges: list[TurnBadge] = []
    scored = turn_scores.get(turn)
    form = scored.address if scored is not None else None
    if form is None and score is not None:
        # Without a rubric there are no turn scores; the detected forms are in the details.
        forms = score.details.get("address") if isinstance(score.details, Mapping) else None
        if isinstance(forms, Mapping):
            form = forms.get(str(turn)) or forms.get(turn)
    if form and form != "none":
        drift = score is not None and turn in score.drift_turns
        badges.append(TurnBadge(str(form), "fail" if drift else "pass", "Form of address"))
    if scored is not None:
        if scored.error:
            badges.append(TurnBadge("not scored", "error", scored.error))
        elif scored.passed is not None:
            mark = "✓" if scored.passed else "✗"
            text = mark if scored.score is None else f"{mark} {scored.score:.2f}"
            badges.append(TurnBadge(text, "pass" if scored.passed else "fail"))
    if score is not None:
        if turn in score.repeated_turns:
            badges.append(TurnBadge("loop", "fail", "Repeats an earlier answer"))
        if turn in score.unanswered_turns:
            badges.append(TurnBadge("unanswered", "fail"))
    return badges


def _references(case: ConversationCase | None) -> dict[int, str]:
    if case is None or case.kind != "scripted":
        return {}
    found = {}
    for index in range(len(case.user_turns())):
        reference = case.reference_after(index)
        if reference is not None:
            found[index] = reference
    return found


def _detail(message: TranscriptMessage) -> str:
    parts = []
    if message.scripted:
        return ""
    if message.cache_hit:
        parts.append("cached")
    if message.latency_ms is not None and not message.cache_hit:
        seconds = message.latency_ms / 1000
        parts.append(f"{seconds:.1f} s" if seconds >= 1 else f"{message.latency_ms:.0f} ms")
    if message.output_tokens is not None:
        parts.append(f"{message.output_tokens} tokens")
    if message.cost_usd:
        parts.append(f"${message.cost_usd:.4f}")
    if message.attempts > 1:
        parts.append(f"{message.attempts} attempts")
    return " · ".join(parts)
