"""Scoring conversations: per turn and per conversation, reports, paired comparison, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conversations.conftest import ConvWorkspace, make_engine, scenario
from workbench.app import conversations as conv
from workbench.core.conversations import (
    ConversationKey,
    ConversationResult,
    ConversationStatus,
    ExpectedOutcome,
    StopReason,
    TranscriptMessage,
)
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, ProviderError
from workbench.core.models import (
    CriterionSpec,
    Kind,
    PersonaContent,
    RubricContent,
)
from workbench.scoring.conversations import judge_mood, score_conversation
from workbench.testing.fake_llm import FakeLLMServer, conversation_responder, system_text

KEY = ConversationKey("c", 0)
VOUS = PersonaContent(display_name="Claire", role="conseillère", address_form="vous")


def transcript(
    *answers: str, status: ConversationStatus = ConversationStatus.FINISHED
) -> ConversationResult:
    messages = []
    for turn, answer in enumerate(answers):
        messages.append(TranscriptMessage(len(messages), turn, "customer", f"question {turn}"))
        messages.append(TranscriptMessage(len(messages), turn, "assistant", answer))
    return ConversationResult(KEY, status, tuple(messages), StopReason.TURN_LIMIT)


def test_drift_to_tu_is_found_on_its_turn() -> None:
    case = scenario("c", expected=ExpectedOutcome(facts=("6 novembre",)))
    result = transcript(
        "Je vous remercie, pouvez-vous me donner votre numéro de commande ?",
        "Merci ! Ta commande arrive le 6 novembre, tu la recevras chez toi.",
    )
    score = score_conversation(result, case, persona=VOUS)
    assert score.register_kept is False and score.drift_turns == (1,)
    assert score.outcome_reached is True and score.turns_to_resolution == 2
    assert score.first_bad_turn == 1 and score.passed is False


def test_loops_unanswered_and_handoff_expectations() -> None:
    case = scenario("c", expected=ExpectedOutcome(handoff=False))
    same = "Pouvez-vous me donner votre numéro de commande, s'il vous plaît ?"
    result = transcript(
        same, "", same.replace("plaît", "plait"), "Je vous passe un conseiller [HUMAIN]"
    )
    score = score_conversation(result, case, persona=VOUS, handoff_markers=("[HUMAIN]",))
    assert score.repeated_turns == (2,)
    assert score.unanswered_turns == (1,)
    assert score.handoff_happened is True and score.handoff_ok is False
    assert score.outcome_reached is False and score.passed is False


def test_a_conversation_in_error_is_never_a_fail() -> None:
    result = ConversationResult(
        KEY, ConversationStatus.ERROR, (), StopReason.SIMULATOR_ERROR, "simulator_empty", "empty"
    )
    score = score_conversation(result, scenario("c"))
    assert score.passed is None and score.error is not None


async def test_judge_errors_leave_the_mood_unknown_not_failed() -> None:
    async def broken(request: ChatRequest) -> ChatResult | ProviderError:
        return ProviderError(ErrorKind.SERVER, "boom")

    async def garbled(request: ChatRequest) -> ChatResult | ProviderError:
        return ChatResult("I think they are fine", "stop", 1, 1, 1.0)

    async def good(request: ChatRequest) -> ChatResult | ProviderError:
        return ChatResult('{"mood": "satisfied", "reason": "thanked"}', "stop", 1, 1, 1.0)

    result = transcript("Votre colis arrive le 6 novembre.")
    assert (await judge_mood(result, broken))[0] is None
    garbled_mood = await judge_mood(result, garbled)
    assert garbled_mood[0] is None and "not understood" in (garbled_mood[1] or "")
    assert await judge_mood(result, good) == ("satisfied", None)
    case = scenario("c")
    mood = await judge_mood(result, broken)
    score = score_conversation(result, case, persona=VOUS, mood=mood)
    assert score.mood_error is not None and score.passed is True


def drifting_responder(body: dict[str, Any]) -> str:
    """Column 'drift' switches to tu from its second answer; the other keeps vous."""
    if "Tu joues le rôle" in system_text(body):
        return conversation_responder(body)
    answers = sum(1 for m in body["messages"] if m["role"] == "assistant")
    if "DRIFT" in system_text(body) and answers >= 1:
        return f"Pas de souci, tu recevras ta commande le 6 novembre ({answers})."
    return f"Je vous remercie, vous recevrez votre commande le 6 novembre ({answers})."


@pytest.fixture
def server() -> Any:
    with FakeLLMServer(responder=drifting_responder) as srv:
        yield srv


async def test_report_compare_and_export_two_columns(cws: ConvWorkspace, tmp_path: Path) -> None:
    persona = cws.store.save_version(Kind.PERSONA, "claire", VOUS).version
    rubric = cws.store.save_version(
        Kind.RUBRIC,
        "polite",
        RubricContent(criteria=(CriterionSpec(kind="contains", config={"value": "commande"}),)),
    ).version
    cases = cws.cases(
        *(scenario(f"c{i}", expected=ExpectedOutcome(facts=("ML-99",))) for i in range(8))
    )
    spec = cws.spec(
        [cws.prompt("steady", system="Aide."), cws.prompt("drifty", system="Aide. DRIFT")],
        [cws.model()],
        cases,
        customers=[cws.customer()],
        simulator=cws.model("sim"),
        max_turns=3,
    )
    spec = spec.model_copy(update={"persona_ids": (persona.id,), "rubric_id": rubric.id})
    engine = make_engine(cws.store)
    run_id = engine.create(spec, "two columns")
    await engine.execute(run_id)
    scores = await conv.score_simulation_async(cws.store, run_id)
    assert len(scores) == 16
    steady = [s for s in scores if s.key.column == 0]
    drifty = [s for s in scores if s.key.column == 1]
    assert all(s.register_kept for s in steady)
    assert all(s.drift_turns == (1, 2) and s.first_bad_turn == 1 for s in drifty)
    # "ML-99" is never said: the outcome is not reached, the customer hit the turn limit.
    assert all(s.outcome_reached is False for s in scores)
    assert all(len(s.turns) == 3 and s.turn_pass_rate == 1.0 for s in scores)
    reports = conv.simulation_report(cws.store, run_id)
    assert [r.drift_rate for r in reports] == [0.0, 1.0]
    assert reports[0].pass_rate == 0.0 and reports[0].pass_interval is not None
    assert reports[0].stop_reasons == {"turn_limit": 8}
    comparison = conv.compare_simulation(cws.store, run_id, "0", "1")
    assert comparison.rows == 8 and comparison.pass_fail is not None
    out = tmp_path / "sim.jsonl"
    assert conv.export_simulation(cws.store, run_id, out) == 16
    first = json.loads(out.read_text().splitlines()[0])
    assert [m["role"] for m in first["messages"]] == ["user", "assistant"] * 3
    assert first["run"] == f"sim-{run_id}" and first["stop_reason"] == "turn_limit"


async def test_approve_a_bundle_with_a_simulation_as_evidence(cws: ConvWorkspace) -> None:
    persona = cws.store.save_version(Kind.PERSONA, "claire", VOUS).version
    cws.store.save_version(
        Kind.RUBRIC,
        "polite",
        RubricContent(criteria=(CriterionSpec(kind="contains", config={"value": "commande"}),)),
    )
    cases = cws.cases(
        *(scenario(f"c{i}", expected=ExpectedOutcome(facts=("6 novembre",))) for i in range(4))
    )
    spec = cws.spec(
        [cws.prompt("steady", system="Aide."), cws.prompt("drifty", system="Aide. DRIFT")],
        [cws.model()],
        cases,
        customers=[cws.customer()],
        simulator=cws.model("sim"),
        max_turns=3,
    ).model_copy(update={"persona_ids": (persona.id,)})
    engine = make_engine(cws.store)
    run_id = engine.create(spec, "evidence")
    await engine.execute(run_id)
    request = conv.ApprovalRequest(
        bundle="support", prompt="steady", persona="claire", model="bot", rubric="polite"
    )
    approval = conv.approve_with_simulations(cws.store, request, [run_id], reviewer="ines")
    (evidence,) = approval.evidence.simulations
    assert evidence.simulation_id == run_id and evidence.outcome_rate == 1.0
    assert evidence.conversations == 4 and evidence.drift_rate == 0.0
    stored = cws.store.list_approvals()[0]
    assert stored.evidence.simulations[0].outcome_rate == 1.0
    # The drifting column reaches the outcome too, but no simulation column is this bundle:
    other = conv.ApprovalRequest(
        bundle="support", prompt="steady", persona=None, model="bot", rubric="polite"
    )
    with pytest.raises(conv.ValidationError, match="no column with exactly this bundle"):
        conv.approve_with_simulations(cws.store, other, [run_id], reviewer="ines")
