"""Conversations for the CLI and the GUI: import, customers, simulate, score, report, compare.

Every use case of issue 12 lives here once; the GUI and the CLI call these functions and never
the engine, store or interop modules directly. Functions return what changed or what was asked.
The domain types and events are re-exported so callers import them from this module only.
See docs/conversations.md for the design.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workbench.app.approvals import (
    MIN_OVERRIDE_REASON,
    ApprovalRequest,
    ResolvedBundle,
    gather_evidence,
    resolve_bundle,
)
from workbench.core.conversations import (
    DEFAULT_HANDOFF_MARKERS,
    END_MARKER,
    ConversationCase,
    ConversationFinished,
    ConversationKey,
    ConversationResult,
    ConversationScore,
    ConversationSetContent,
    ConversationStarted,
    ConversationStatus,
    ExpectedOutcome,
    Scenario,
    ScriptTurn,
    SimulationEvent,
    SimulationFinished,
    SimulationInfo,
    SimulationSpec,
    SimulationStarted,
    StopReason,
    TranscriptMessage,
    TurnFinished,
    TurnScore,
)
from workbench.core.customers import (
    DEFAULT_CUSTOMER_TEMPLATE,
    CustomerContent,
    WritingStyle,
    render_customer,
)
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import Kind, ModelConfigContent, PersonaContent, RubricContent, Version
from workbench.core.runs import Column
from workbench.engine.simulation import (
    SimulationEngine,
    SimulationEstimate,
    SimulationSink,
    SimulationSummary,
)
from workbench.interop.conversations import (
    ConversationFile,
    check_customers,
    read_conversation_file,
    write_conversations_jsonl,
)
from workbench.interop.text import write_text
from workbench.scoring.conversations import (
    judge_mood,
    score_conversation,
    score_from_json,
    score_to_json,
    score_turns,
)
from workbench.scoring.stats import (
    CellRecord,
    Comparison,
    Interval,
    bootstrap_mean_interval,
    compare_columns,
    wilson_interval,
)
from workbench.store.approvals import Approval, ApprovalDraft, SimulationEvidence
from workbench.store.types import SaveResult

if TYPE_CHECKING:
    from workbench.app.services import Services
    from workbench.engine.execution import ProviderFactoryFn
    from workbench.engine.runner import EngineOptions
    from workbench.scoring.judge import JudgeCall
    from workbench.store import Store

__all__ = [
    "DEFAULT_CUSTOMER_TEMPLATE",
    "DEFAULT_HANDOFF_MARKERS",
    "END_MARKER",
    "ApprovalRequest",
    "CaseSelection",
    "ConversationCase",
    "ConversationColumnReport",
    "ConversationFinished",
    "ConversationImport",
    "ConversationKey",
    "ConversationResult",
    "ConversationScore",
    "ConversationSetContent",
    "ConversationStarted",
    "ConversationStatus",
    "CustomerContent",
    "ExpectedOutcome",
    "Scenario",
    "ScriptTurn",
    "SimulationEstimate",
    "SimulationEvent",
    "SimulationFinished",
    "SimulationInfo",
    "SimulationSpec",
    "SimulationStarted",
    "SimulationSummary",
    "StopReason",
    "TranscriptMessage",
    "TurnFinished",
    "TurnScore",
    "ValidationError",
    "WritingStyle",
]


# --------------------------------------------------------------------------- sets and customers


@dataclass(frozen=True)
class ConversationImport:
    """What importing a conversation file did."""

    version: Version
    created: bool
    cases: int
    unmapped: tuple[str, ...] = ()


def import_conversation_file(
    store: Store, path: Path | str, *, name: str | None = None, author: str
) -> ConversationImport:
    """Import a ``.conversations.jsonl``, BotiumScript ``.convo.txt`` or promptfoo YAML file.

    Raises:
        FileFormatError: bad input (file, line and reason); nothing is imported.
    """
    parsed: ConversationFile = read_conversation_file(Path(path))
    known = {f.name for f in store.list_families(Kind.CUSTOMER)}
    check_customers(parsed.content, known, path=str(path), lines=parsed.lines)
    saved = store.save_version(
        Kind.CONVERSATIONS,
        name or parsed.name,
        parsed.content,
        author=author,
        note=f"Imported from {Path(path).name}",
    )
    return ConversationImport(
        saved.version, saved.created, len(parsed.content.cases), tuple(parsed.unmapped)
    )


def export_conversations(store: Store, ref: str, path: Path | str) -> Path:
    """Write a conversation set version (``NAME[@REF]``) as canonical JSONL."""
    version = store.resolve(Kind.CONVERSATIONS, ref)
    assert isinstance(version.content, ConversationSetContent)
    out = Path(path)
    write_text(out, write_conversations_jsonl(version.content))
    return out


def save_conversation_set(
    store: Store, name: str, content: ConversationSetContent, *, author: str, note: str = ""
) -> SaveResult:
    """Save a version of a conversation set (unchanged content creates none)."""
    return store.save_version(Kind.CONVERSATIONS, name, content, author=author, note=note)


def save_customer(
    store: Store, name: str, content: CustomerContent, *, author: str, note: str = ""
) -> SaveResult:
    """Save a version of a customer persona (unchanged content creates none).

    Raises:
        TemplateError: the customer's own template does not render.
    """
    preview_customer_prompt(content, None, name=name)
    return store.save_version(Kind.CUSTOMER, name, content, author=author, note=note)


PREVIEW_SCENARIO = Scenario(
    goal="Savoir où en est ma commande, passée il y a une semaine.",
    knows={"numéro de commande": "ML-104522"},
    reveal_when_asked={"adresse e-mail": "client@example.com"},
)


def preview_customer_prompt(
    customer: CustomerContent, case: ConversationCase | None = None, *, name: str = "preview"
) -> str:
    """The simulator's system prompt for a customer (on a case's scenario, or a sample one).

    Raises:
        TemplateError: the template does not render (template, line, variable).
    """
    scenario = case.scenario if case is not None and case.scenario else PREVIEW_SCENARIO
    return render_customer(customer, scenario, name=name)


def resolve_customer(store: Store, ref: str) -> CustomerContent:
    """The content of a customer persona version (``NAME[@REF]``)."""
    content = store.resolve(Kind.CUSTOMER, ref).content
    assert isinstance(content, CustomerContent)
    return content


def resolve_case(store: Store, conversations: str, case_id: str) -> ConversationCase:
    """One case of a conversation set version (NotFoundError when absent)."""
    version = store.resolve(Kind.CONVERSATIONS, conversations)
    assert isinstance(version.content, ConversationSetContent)
    try:
        return version.content.case(case_id)
    except KeyError:
        raise NotFoundError(f"{version.ref} has no case '{case_id}'") from None


def scripted_case_from_chat(
    case_id: str,
    messages: Sequence[tuple[Literal["user", "assistant"], str]],
    vars: dict[str, Any] | None = None,
    tags: Sequence[str] = ("playground",),
) -> ConversationCase:
    """A scripted test case from a chat (the "talk to it" playground): the user's messages
    replayed, the assistant's answers kept as references.

    Raises:
        ValidationError: an empty chat, or one that does not alternate.
    """
    try:
        return ConversationCase(
            id=case_id,
            vars=dict(vars or {}),
            turns=tuple(ScriptTurn(role=r, content=t) for r, t in messages),
            tags=tuple(tags),
        )
    except ValueError as error:
        raise ValidationError(f"case '{case_id}': {error}") from None


def add_case(
    store: Store, set_name: str, case: ConversationCase, *, author: str, note: str = ""
) -> SaveResult:
    """Append (or replace, by id) a case in a conversation set; creates the set if needed."""
    try:
        current = store.resolve(Kind.CONVERSATIONS, set_name)
        assert isinstance(current.content, ConversationSetContent)
        cases = [c for c in current.content.cases if c.id != case.id]
        description = current.content.description
    except NotFoundError:
        cases, description = [], ""
    content = ConversationSetContent(description=description, cases=(*cases, case))
    return save_conversation_set(store, set_name, content, author=author, note=note)


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class CaseSelection:
    """Which cases a simulation covers: explicit ids, a tag, and/or a seeded sample."""

    ids: tuple[str, ...] = ()
    tag: str | None = None
    sample: int | None = None
    seed: int = 0

    def apply(self, content: ConversationSetContent, ref: str) -> tuple[str, ...] | None:
        """The case ids to run, or None for all."""
        if not self.ids and self.tag is None and self.sample is None:
            return None
        cases = list(content.cases)
        if self.ids:
            known = {c.id for c in cases}
            unknown = [i for i in self.ids if i not in known]
            if unknown:
                raise NotFoundError(f"conversation set {ref} has no case {', '.join(unknown)}")
            cases = [c for c in cases if c.id in set(self.ids)]
        if self.tag is not None:
            cases = [c for c in cases if self.tag in c.tags]
            if not cases:
                raise ValidationError(f"no case of {ref} is tagged '{self.tag}'")
        if self.sample is not None and self.sample < len(cases):
            picked = sorted(random.Random(self.seed).sample(range(len(cases)), self.sample))
            cases = [cases[i] for i in picked]
        return tuple(c.id for c in cases)


def build_simulation_spec(
    store: Store,
    *,
    prompts: Sequence[str],
    personas: Sequence[str] = (),
    models: Sequence[str],
    conversations: str,
    cases: CaseSelection | None = None,
    customers: Sequence[str] = (),
    simulator: str | None = None,
    max_turns: int | None = None,
    repeats: int = 1,
    concurrency: int = 8,
    budget_usd: float | None = None,
    use_cache: bool = True,
    rubric: str | None = None,
    seed: int = 0,
    handoff_markers: Sequence[str] = DEFAULT_HANDOFF_MARKERS,
) -> SimulationSpec:
    """Resolve names (``NAME[@REF]``) to version ids and check the combination.

    Raises:
        NotFoundError: an unknown name, version, case or customer persona.
        ValidationError: missing prompt / model, scenarios without customer or simulator.
    """
    if not prompts:
        raise ValidationError("choose at least one prompt (--prompt NAME[@VERSION])")
    if not models:
        raise ValidationError("choose at least one model config (--model NAME[@VERSION])")
    data = store.resolve(Kind.CONVERSATIONS, conversations)
    assert isinstance(data.content, ConversationSetContent)
    case_ids = (cases or CaseSelection()).apply(data.content, data.ref)
    chosen = [c for c in data.content.cases if case_ids is None or c.id in set(case_ids)]
    scenarios = any(c.scenario is not None for c in chosen)
    if scenarios and not customers:
        raise ValidationError(
            f"{data.ref} has scenario cases: choose at least one customer persona (--customer)"
        )
    if scenarios and simulator is None:
        raise ValidationError(
            f"{data.ref} has scenario cases: choose the simulator model (--simulator MODEL)"
        )
    try:
        return SimulationSpec(
            prompt_ids=tuple(store.resolve(Kind.PROMPT, p).id for p in prompts),
            persona_ids=tuple(store.resolve(Kind.PERSONA, p).id for p in personas) or (None,),
            model_ids=tuple(store.resolve(Kind.MODEL, m).id for m in models),
            conversations_id=data.id,
            case_ids=case_ids,
            customer_ids=tuple(store.resolve(Kind.CUSTOMER, c).id for c in customers) or (None,),
            simulator_model_id=store.resolve(Kind.MODEL, simulator).id if simulator else None,
            max_turns=max_turns,
            repeats=repeats,
            concurrency=concurrency,
            budget_usd=budget_usd,
            use_cache=use_cache,
            rubric_id=store.resolve(Kind.RUBRIC, rubric).id if rubric else None,
            seed=seed,
            handoff_markers=tuple(handoff_markers),
        )
    except ValueError as error:  # pydantic: out-of-range turns, repeats...
        raise ValidationError(str(error).split("\n", 2)[-1].strip()) from None


def simulation_engine(
    services: Services,
    *,
    provider_factory: ProviderFactoryFn | None = None,
    options: EngineOptions | None = None,
    store: Store | None = None,
) -> SimulationEngine:
    """The engine for the calling thread's store (or `store`)."""
    return SimulationEngine(
        store or services.store,
        provider_factory or services.provider_factory(),
        options=options,
    )


def estimate_simulation(services: Services, spec: SimulationSpec) -> SimulationEstimate:
    """How many conversations, and at most how many calls and dollars (turn limits reached)."""
    return simulation_engine(services).estimate(spec)


def create_simulation(services: Services, spec: SimulationSpec, name: str) -> int:
    """Store a new simulation run; returns its id (shown as ``sim-N``)."""
    return simulation_engine(services).create(spec, name)


async def execute_simulation(
    services: Services,
    run_id: int,
    *,
    mode: Literal["missing", "errors"] = "missing",
    cancel_event: asyncio.Event | None = None,
    sink: SimulationSink | None = None,
    provider_factory: ProviderFactoryFn | None = None,
    options: EngineOptions | None = None,
    store: Store | None = None,
) -> SimulationSummary:
    """Run (or resume) a stored simulation on the caller's event loop.

    Pass `store` when calling from another thread than the one that built `services` (the GUI's
    engine thread opens its own with ``services.open_store()``).
    """
    engine = simulation_engine(
        services, provider_factory=provider_factory, options=options, store=store
    )
    return await engine.execute(run_id, mode=mode, cancel_event=cancel_event, sink=sink)


def simulate(
    services: Services,
    spec: SimulationSpec,
    *,
    name: str,
    sink: SimulationSink | None = None,
    provider_factory: ProviderFactoryFn | None = None,
    options: EngineOptions | None = None,
) -> SimulationSummary:
    """Create and run a simulation to the end (blocking; the CLI's path)."""
    engine = simulation_engine(services, provider_factory=provider_factory, options=options)
    run_id = engine.create(spec, name)
    return asyncio.run(engine.execute(run_id, sink=sink))


def list_simulations(store: Store) -> list[SimulationInfo]:
    """Every simulation run, newest first."""
    return store.list_simulations()


def get_simulation(store: Store, run_id: int) -> SimulationInfo:
    """A simulation run's header."""
    return store.get_simulation(run_id)


def conversations(store: Store, run_id: int) -> list[ConversationResult]:
    """Every stored conversation of a simulation with its transcript."""
    return store.conversations(run_id)


def get_conversation(store: Store, run_id: int, key: ConversationKey) -> ConversationResult:
    """One conversation's transcript."""
    return store.get_conversation(run_id, key)


# --------------------------------------------------------------------------- scoring


def _rubric_version(store: Store, info: SimulationInfo, rubric: str | None) -> Version | None:
    if rubric is not None:
        return store.resolve(Kind.RUBRIC, rubric)
    if info.spec.rubric_id is not None:
        return store.get_version(info.spec.rubric_id)
    return None


def _personas(store: Store, columns: Sequence[Column]) -> dict[int, PersonaContent | None]:
    out: dict[int, PersonaContent | None] = {}
    for column in columns:
        content = store.get_version(column.persona_id).content if column.persona_id else None
        out[column.index] = content if isinstance(content, PersonaContent) else None
    return out


async def score_simulation_async(
    store: Store,
    run_id: int,
    *,
    rubric: str | None = None,
    judge_call: JudgeCall | None = None,
    mood: bool = False,
) -> list[ConversationScore]:
    """Score every settled conversation (per turn with the rubric, and per conversation).

    The customer's final mood is asked of `judge_call` when `mood` is True; judge errors are
    kept as ``mood_error`` and never fail a conversation. Scores are stored per rubric version.
    """
    info = store.get_simulation(run_id)
    rubric_version = _rubric_version(store, info, rubric)
    rubric_content = rubric_version.content if rubric_version is not None else None
    assert rubric_content is None or isinstance(rubric_content, RubricContent)
    cases_version = store.get_version(info.spec.conversations_id)
    assert isinstance(cases_version.content, ConversationSetContent)
    cases = {c.id: c for c in cases_version.content.cases}
    personas = _personas(store, info.columns)
    scores: list[ConversationScore] = []
    for result in store.conversations(run_id):
        if result.status not in (ConversationStatus.FINISHED, ConversationStatus.ERROR):
            continue
        case = cases[result.key.case_id]
        persona = personas.get(result.key.column)
        turns: list[TurnScore] = []
        if rubric_content is not None and result.status is ConversationStatus.FINISHED:
            turns = await score_turns(result, case, rubric_content, persona, judge_call=judge_call)
        felt: tuple[str | None, str | None] = (None, None)
        if mood and judge_call is not None and result.status is ConversationStatus.FINISHED:
            felt = await judge_mood(result, judge_call)
        scores.append(
            score_conversation(
                result,
                case,
                persona=persona,
                handoff_markers=info.spec.handoff_markers,
                turn_scores=turns,
                mood=felt,
            )
        )
    store.upsert_conversation_scores(
        run_id,
        rubric_version.id if rubric_version else None,
        [(s.key, s.passed, score_to_json(s)) for s in scores],
    )
    return scores


def score_simulation(
    store: Store,
    run_id: int,
    *,
    rubric: str | None = None,
    judge_call: JudgeCall | None = None,
    mood: bool = False,
) -> list[ConversationScore]:
    """`score_simulation_async` for callers without a judge, or outside an event loop.

    Without a judge nothing awaits a network call, so the coroutine runs to its end in one
    step and this works inside a running loop too (the GUI's or a test's).
    """
    coroutine = score_simulation_async(
        store, run_id, rubric=rubric, judge_call=judge_call, mood=mood
    )
    if judge_call is not None:
        return asyncio.run(coroutine)
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: list[ConversationScore] = done.value
        return result
    coroutine.close()
    raise RuntimeError("scoring without a judge suspended: use score_simulation_async")


def score_simulation_with_judge(
    services: Services, run_id: int, *, judge: str, rubric: str | None = None
) -> list[ConversationScore]:
    """Score a simulation with a judge model config (``NAME[@REF]``): the rubric's judge
    criteria on each turn and the customer's final mood. Judge calls go through the engine's
    limits, retries and cache; a judge failure is never a fail."""
    from workbench.app.scoring import judge_call_from_config

    store = services.store
    config = judge_model_config(store, judge)

    async def go() -> list[ConversationScore]:
        call = judge_call_from_config(store, config, services.provider_factory())
        try:
            return await score_simulation_async(
                store, run_id, rubric=rubric, judge_call=call, mood=True
            )
        finally:
            await call.aclose()

    return asyncio.run(go())


def conversation_scores(
    store: Store, run_id: int, rubric: str | None = None
) -> dict[ConversationKey, ConversationScore]:
    """Stored conversation scores (scores the run first when none are stored for the rubric)."""
    info = store.get_simulation(run_id)
    version = _rubric_version(store, info, rubric)
    data = store.conversation_score_data(run_id, version.id if version else None)
    if not data:
        return {s.key: s for s in score_simulation(store, run_id, rubric=rubric)}
    return {key: score_from_json(key, value) for key, value in data.items()}


@dataclass(frozen=True)
class ConversationColumnReport:
    """Figures of one assistant column over its conversations.

    Rates exclude conversations in error (counted in `errors`); intervals are 95 % Wilson
    intervals for rates and bootstrap intervals for means.
    """

    column: Column
    conversations: int
    errors: int
    passed: int
    pass_rate: float | None
    pass_interval: Interval | None
    outcome_rate: float | None
    outcome_interval: Interval | None
    mean_turns_to_resolution: float | None
    turns_interval: Interval | None
    drift_rate: float | None
    loop_rate: float | None
    unanswered_rate: float | None
    handoff_accuracy: float | None
    mean_turns: float | None
    moods: dict[str, int] = field(default_factory=dict)
    stop_reasons: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0


def _rate(values: Sequence[bool]) -> tuple[float | None, Interval | None]:
    if not values:
        return None, None
    hits = sum(1 for v in values if v)
    return hits / len(values), wilson_interval(hits, len(values))


def simulation_report(
    store: Store, run_id: int, rubric: str | None = None
) -> list[ConversationColumnReport]:
    """Column summaries of a simulation (scored on demand)."""
    info = store.get_simulation(run_id)
    scores = conversation_scores(store, run_id, rubric)
    results = {r.key: r for r in store.conversations(run_id)}
    by_column: dict[int, list[ConversationScore]] = defaultdict(list)
    for key, score in scores.items():
        by_column[key.column].append(score)
    reports = []
    for column in info.columns:
        mine = by_column.get(column.index, [])
        ok = [s for s in mine if s.error is None]
        pass_rate, pass_interval = _rate([bool(s.passed) for s in ok])
        outcome_rate, outcome_interval = _rate(
            [bool(s.outcome_reached) for s in ok if s.outcome_reached is not None]
        )
        turns = [float(s.turns_to_resolution) for s in ok if s.turns_to_resolution is not None]
        kept = [s.register_kept for s in ok if s.register_kept is not None]
        handoff = [bool(s.handoff_ok) for s in ok if s.handoff_ok is not None]
        moods: dict[str, int] = defaultdict(int)
        reasons: dict[str, int] = defaultdict(int)
        lengths: list[int] = []
        cost = 0.0
        for s in mine:
            if s.final_mood:
                moods[s.final_mood] += 1
            result = results.get(s.key)
            if result is not None:
                reasons[result.stop_reason.value if result.stop_reason else "none"] += 1
                lengths.append(result.turns)
                cost += result.cost_usd
        reports.append(
            ConversationColumnReport(
                column=column,
                conversations=len(mine),
                errors=len(mine) - len(ok),
                passed=sum(1 for s in ok if s.passed),
                pass_rate=pass_rate,
                pass_interval=pass_interval,
                outcome_rate=outcome_rate,
                outcome_interval=outcome_interval,
                mean_turns_to_resolution=sum(turns) / len(turns) if turns else None,
                turns_interval=bootstrap_mean_interval(turns) if len(turns) > 1 else None,
                drift_rate=(sum(1 for k in kept if not k) / len(kept)) if kept else None,
                loop_rate=(sum(1 for s in ok if s.repeated_turns) / len(ok)) if ok else None,
                unanswered_rate=(sum(1 for s in ok if s.unanswered_turns) / len(ok))
                if ok
                else None,
                handoff_accuracy=(sum(handoff) / len(handoff)) if handoff else None,
                mean_turns=(sum(lengths) / len(lengths)) if lengths else None,
                moods=dict(moods),
                stop_reasons=dict(reasons),
                cost_usd=cost,
            )
        )
    return reports


def _resolve_column(info: SimulationInfo, wanted: str) -> Column:
    if wanted.isdigit() and int(wanted) < len(info.columns):
        return info.columns[int(wanted)]
    matches = [c for c in info.columns if wanted in c.label]
    if len(matches) != 1:
        labels = "; ".join(f"{c.index}: {c.label}" for c in info.columns)
        raise ValidationError(
            f"'{wanted}' names {len(matches)} columns of sim-{info.id}: use an index ({labels})"
        )
    return matches[0]


def compare_simulation(
    store: Store, run_id: int, a: str, b: str, rubric: str | None = None
) -> Comparison:
    """Two columns' conversations paired by (case, customer, repeat): exact McNemar on the
    conversation verdicts and Wilcoxon / bootstrap on the turn pass rates (errors left out)."""
    info = store.get_simulation(run_id)
    left, right = _resolve_column(info, a), _resolve_column(info, b)
    scores = conversation_scores(store, run_id, rubric)

    def records(column: Column) -> list[CellRecord]:
        out = []
        for key, s in sorted(scores.items()):
            if key.column != column.index:
                continue
            out.append(
                CellRecord(
                    row_id=f"{key.case_id}\u241f{key.customer}",
                    repeat=key.repeat,
                    passed=s.passed,
                    score=s.turn_pass_rate,
                    error=s.error is not None,
                )
            )
        return out

    return compare_columns(
        records(left), records(right), label_a=f"{left.index}", label_b=f"{right.index}"
    )


# --------------------------------------------------------------------------- export


def conversation_to_openai(result: ConversationResult, info: SimulationInfo) -> dict[str, Any]:
    """One conversation in the OpenAI messages shape (customer → user), with metadata."""
    column = info.columns[result.key.column]
    return {
        "run": f"sim-{info.id}",
        "case_id": result.key.case_id,
        "column": column.index,
        "column_label": column.label,
        "customer": result.key.customer,
        "repeat": result.key.repeat,
        "status": result.status.value,
        "stop_reason": result.stop_reason.value if result.stop_reason else None,
        "error": result.error_message,
        "messages": [
            {"role": "user" if m.role == "customer" else "assistant", "content": m.content}
            for m in result.messages
        ],
    }


def export_simulation(store: Store, run_id: int, path: Path | str) -> int:
    """Write every conversation as one JSON line (OpenAI messages shape); returns how many."""
    info = store.get_simulation(run_id)
    lines = [
        json.dumps(conversation_to_openai(r, info), ensure_ascii=False)
        for r in store.conversations(run_id)
    ]
    write_text(Path(path), "".join(line + "\n" for line in lines))
    return len(lines)


def judge_model_config(store: Store, ref: str) -> ModelConfigContent:
    """The content of a model config used as the mood judge."""
    content = store.resolve(Kind.MODEL, ref).content
    assert isinstance(content, ModelConfigContent)
    return content


# --------------------------------------------------------------------------- approval


DEFAULT_MIN_OUTCOME_RATE = 0.8


def simulation_evidence(
    store: Store, simulation_id: int, bundle: ResolvedBundle, unmet: list[str], *, min_rate: float
) -> SimulationEvidence:
    """The bundle's column in a simulation, with the checks it misses appended to `unmet`."""
    info = store.get_simulation(simulation_id)
    base = SimulationEvidence(simulation_id=info.id, name=info.name, status=info.status)
    if info.status != "finished":
        unmet.append(f"simulation sim-{info.id} is {info.status}, not finished")
    wanted = (bundle.prompt.id, bundle.persona.id if bundle.persona else None, bundle.model.id)
    column = next(
        (c for c in info.columns if (c.prompt_id, c.persona_id, c.model_id) == wanted), None
    )
    if column is None:
        listed = "; ".join(c.label for c in info.columns)
        unmet.append(
            f"simulation sim-{info.id} has no column with exactly this bundle (columns: {listed})"
        )
        return base
    report = next(
        r
        for r in simulation_report(store, simulation_id, bundle.rubric.ref)
        if r.column.index == column.index
    )
    interval = report.outcome_interval
    if report.outcome_rate is None:
        unmet.append(f"simulation sim-{info.id}: no conversation of the bundle has an outcome")
    elif report.outcome_rate < min_rate:
        unmet.append(
            f"simulation sim-{info.id}: outcome rate {report.outcome_rate:.1%} is below the"
            f" required {min_rate:.0%}"
        )
    return base.model_copy(
        update={
            "column": column.index,
            "column_label": column.label,
            "conversations": report.conversations,
            "errors": report.errors,
            "outcome_rate": report.outcome_rate,
            "outcome_interval": None if interval is None else (interval.low, interval.high),
            "pass_rate": report.pass_rate,
            "drift_rate": report.drift_rate,
            "loop_rate": report.loop_rate,
        }
    )


def approve_with_simulations(
    store: Store,
    request: ApprovalRequest,
    simulation_ids: Sequence[int],
    *,
    reviewer: str,
    min_outcome_rate: float = DEFAULT_MIN_OUTCOME_RATE,
) -> Approval:
    """Approve a bundle on simulation evidence (and the request's runs, if any).

    The bundle's column of each simulation must be finished and reach `min_outcome_rate`;
    run evidence is checked as `approve_bundle` does. Unmet checks need the request's
    override reason, as for runs. The figures are kept in the approval's evidence.

    Raises:
        ValidationError: unmet checks without an override reason (each listed).
    """
    if not simulation_ids:
        raise ValidationError("give at least one simulation (sim-N) as evidence")
    reason = request.override_reason.strip() if request.override_reason is not None else None
    if reason is not None and len(reason) < MIN_OVERRIDE_REASON:
        raise ValidationError(
            f"an override reason must say why in at least {MIN_OVERRIDE_REASON} characters"
        )
    bundle = resolve_bundle(store, request)
    evidence = gather_evidence(store, bundle, request.run_ids, min_pass_rate=request.min_pass_rate)
    unmet = [u for u in evidence.unmet if request.run_ids or u != "no run was given as evidence"]
    simulations = tuple(
        simulation_evidence(store, sim, bundle, unmet, min_rate=min_outcome_rate)
        for sim in simulation_ids
    )
    if unmet and reason is None:
        listed = "\n".join(f"  - {item}" for item in unmet)
        raise ValidationError(
            f"cannot approve '{request.bundle}':\n{listed}\n"
            "Fix the evidence, or approve anyway with a written override reason."
        )
    evidence = evidence.model_copy(update={"simulations": simulations, "unmet": tuple(unmet)})
    dataset_ids = [r.dataset_id for r in evidence.runs if r.dataset_id]
    draft = ApprovalDraft(
        bundle=request.bundle,
        versions=bundle.versions,
        dataset_id=dataset_ids[0] if dataset_ids else None,
        run_ids=tuple(request.run_ids),
        evidence=evidence,
        override_reason=reason,
        note=request.note,
    )
    return store.record_approval(draft, reviewer=reviewer)
