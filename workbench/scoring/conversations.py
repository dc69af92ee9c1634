"""Scoring whole conversations: per assistant turn (the rubric) and per conversation.

Per conversation: outcome reached (expected facts given, hand-off or refusal as expected), turns
to resolution, register kept on every turn (French *tu* / *vous* drift), unanswered turns, loops
(an answer that repeats an earlier one), hand-off when it should / should not happen, and the
customer's final mood from a judge. A conversation that ended in error (the simulator or the
infrastructure failed) is never a fail: it gets ``passed=None`` and its error. A judge that
fails leaves ``mood_error`` set and never fails the conversation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz

from workbench.core.conversations import (
    ConversationCase,
    ConversationResult,
    ConversationScore,
    ConversationStatus,
    TurnScore,
)
from workbench.core.llm import ChatRequest, Message, ProviderError
from workbench.core.models import DatasetRow, PersonaContent, RubricContent
from workbench.scoring.address import detect_french_address
from workbench.scoring.judge import JudgeCall
from workbench.scoring.results import ScoringContext
from workbench.scoring.rubric import score_output, score_output_sync
from workbench.scoring.text import fold
from workbench.scoring.unanswered import detect_unanswered

LOOP_SIMILARITY = 90.0  # rapidfuzz ratio at or above which an answer repeats an earlier one
MIN_LOOP_CHARS = 20  # "Merci !" twice is not a loop
MOODS = ("satisfied", "neutral", "frustrated", "angry")


def turn_row(case: ConversationCase, turn: int, customer_text: str) -> DatasetRow:
    """The dataset row a rubric sees for one assistant turn of a conversation."""
    expected = case.reference_after(turn) if case.scenario is None else None
    facts = case.scenario.expected.facts if case.scenario is not None else ()
    return DatasetRow(
        id=f"{case.id}#{turn + 1}",
        vars={**case.vars, "message": customer_text},
        expected=expected or None,
        facts=facts,
        tags=case.tags,
    )


def _pairs(result: ConversationResult) -> list[tuple[int, str, str]]:
    """(turn, customer text, assistant text) for each answered turn."""
    customer: dict[int, str] = {}
    out: list[tuple[int, str, str]] = []
    for message in result.messages:
        if message.role == "customer":
            customer[message.turn] = message.content
        else:
            out.append((message.turn, customer.get(message.turn, ""), message.content))
    return out


async def score_turns(
    result: ConversationResult,
    case: ConversationCase,
    rubric: RubricContent,
    persona: PersonaContent | None,
    *,
    judge_call: JudgeCall | None = None,
) -> list[TurnScore]:
    """Every rubric criterion on each assistant turn."""
    scores: list[TurnScore] = []
    for turn, said, answer in _pairs(result):
        ctx = ScoringContext(output=answer, row=turn_row(case, turn, said), persona=persona)
        if judge_call is None:
            outcome = score_output_sync(rubric, ctx)
        else:
            outcome = await score_output(rubric, ctx, judge_call=judge_call)
        scores.append(
            TurnScore(
                turn=turn,
                passed=outcome.passed,
                score=outcome.score,
                error=outcome.error,
                criteria=tuple(
                    {"name": c.name, "kind": c.kind, "passed": c.passed, "detail": c.detail}
                    for c in outcome.criteria
                ),
            )
        )
    return scores


def expected_address(persona: PersonaContent | None) -> str | None:
    """``tu`` or ``vous`` when the persona fixes a French address form, else None."""
    if persona is None or not any(fold(lang).startswith("fr") for lang in persona.languages):
        return None
    if persona.address_form in ("tu", "vous"):
        return persona.address_form
    if persona.address_form == "formal":
        return "vous"
    return None


def score_conversation(
    result: ConversationResult,
    case: ConversationCase,
    *,
    persona: PersonaContent | None = None,
    handoff_markers: Sequence[str] = (),
    turn_scores: Sequence[TurnScore] = (),
    mood: tuple[str | None, str | None] = (None, None),
) -> ConversationScore:
    """The per-conversation measures of one transcript (see `ConversationScore`)."""
    if result.status is ConversationStatus.ERROR:
        return ConversationScore(
            key=result.key,
            passed=None,
            outcome_reached=None,
            turns_to_resolution=None,
            register_kept=None,
            error=f"{result.error_kind}: {result.error_message}",
        )
    answers = [(turn, text) for turn, _, text in _pairs(result)]
    address = expected_address(persona)
    forms: dict[int, str] = {}
    drift: list[int] = []
    for turn, text in answers:
        form = detect_french_address(text).form
        forms[turn] = form
        if address is not None and form not in (address, "none"):
            drift.append(turn)
    unanswered = [
        turn
        for turn, text in answers
        if (match := detect_unanswered(text)) is not None and match.category == "empty"
    ]
    repeated: list[int] = []
    for position, (turn, text) in enumerate(answers):
        if len(text.strip()) < MIN_LOOP_CHARS:
            continue
        if any(fuzz.ratio(text, earlier) >= LOOP_SIMILARITY for _, earlier in answers[:position]):
            repeated.append(turn)
    handoff = any(m and m in text for _, text in answers for m in handoff_markers)
    outcome: bool | None = None
    resolution: int | None = None
    handoff_ok: bool | None = None
    if case.scenario is not None:
        expected = case.scenario.expected
        checks: list[bool] = []
        if expected.facts:
            said = ""
            for turn, text in answers:
                said += "\n" + fold(text)
                if all(fold(f) in said for f in expected.facts):
                    resolution = turn + 1
                    break
            checks.append(resolution is not None)
        if expected.handoff is not None:
            handoff_ok = handoff == expected.handoff
            checks.append(handoff_ok)
            if expected.handoff and handoff and resolution is None and not expected.facts:
                resolution = next(
                    (t + 1 for t, x in answers if any(m and m in x for m in handoff_markers)),
                    None,
                )
        if expected.refusal:
            refused = any(
                (m := detect_unanswered(text)) is not None and m.category == "refusal"
                for _, text in answers
            )
            checks.append(refused)
        outcome = all(checks) if checks else None
    judged = [s for s in turn_scores if s.passed is not None]
    pass_rate = sum(1 for s in judged if s.passed) / len(judged) if judged else None
    failed_turns = [s.turn for s in turn_scores if s.passed is False]
    bad = sorted({*drift, *unanswered, *repeated, *failed_turns})
    register_kept = (not drift) if address is not None and answers else None
    passed = (
        outcome is not False
        and register_kept is not False
        and not unanswered
        and not repeated
        and handoff_ok is not False
        and not failed_turns
        and bool(answers)
    )
    turns = tuple(replace(s, address=forms.get(s.turn)) for s in turn_scores)
    return ConversationScore(
        key=result.key,
        passed=passed,
        outcome_reached=outcome,
        turns_to_resolution=resolution,
        register_kept=register_kept,
        drift_turns=tuple(drift),
        unanswered_turns=tuple(unanswered),
        repeated_turns=tuple(repeated),
        handoff_happened=handoff,
        handoff_ok=handoff_ok,
        final_mood=mood[0],
        mood_error=mood[1],
        turn_pass_rate=pass_rate,
        first_bad_turn=bad[0] if bad else None,
        turns=turns,
        details={"address": {str(k): v for k, v in forms.items()}, "expected_address": address},
    )


MOOD_PROMPT = (
    "Here is a conversation between a customer and a customer-service assistant. How does the "
    "customer feel at the end? Answer with one JSON object: "
    '{"mood": "satisfied" | "neutral" | "frustrated" | "angry", "reason": "..."}'
)


async def judge_mood(
    result: ConversationResult, judge_call: JudgeCall, *, model: str = "judge"
) -> tuple[str | None, str | None]:
    """The customer's final mood from a judge: (mood, None) or (None, error)."""
    transcript = "\n".join(
        f"{'CUSTOMER' if m.role == 'customer' else 'ASSISTANT'}: {m.content}"
        for m in result.messages
    )
    request = ChatRequest(
        model=model,
        messages=(Message("system", MOOD_PROMPT), Message("user", transcript)),
        params={"temperature": 0},
        stream=False,
    )
    try:
        outcome = await judge_call(request)
    except Exception as exc:  # a judge problem is never a fail
        return None, f"judge crashed: {type(exc).__name__}: {exc}"
    if isinstance(outcome, ProviderError):
        return None, f"judge call failed ({outcome.kind}): {outcome.message}"
    found = re.search(r"\{.*\}", outcome.text, re.S)
    try:
        data: Any = json.loads(found.group(0)) if found else None
    except json.JSONDecodeError:
        data = None
    mood = data.get("mood") if isinstance(data, dict) else None
    if mood not in MOODS:
        return None, f"judge answer not understood: {outcome.text[:80]!r}"
    return str(mood), None


def score_to_json(score: ConversationScore) -> dict[str, Any]:
    """The stored JSON of a conversation score (the key is stored apart)."""
    return {
        "passed": score.passed,
        "outcome_reached": score.outcome_reached,
        "turns_to_resolution": score.turns_to_resolution,
        "register_kept": score.register_kept,
        "drift_turns": list(score.drift_turns),
        "unanswered_turns": list(score.unanswered_turns),
        "repeated_turns": list(score.repeated_turns),
        "handoff_happened": score.handoff_happened,
        "handoff_ok": score.handoff_ok,
        "final_mood": score.final_mood,
        "mood_error": score.mood_error,
        "turn_pass_rate": score.turn_pass_rate,
        "first_bad_turn": score.first_bad_turn,
        "error": score.error,
        "turns": [
            {
                "turn": t.turn,
                "passed": t.passed,
                "score": t.score,
                "error": t.error,
                "criteria": [dict(c) for c in t.criteria],
                "address": t.address,
            }
            for t in score.turns
        ],
        "details": dict(score.details),
    }


def score_from_json(key: Any, data: dict[str, Any]) -> ConversationScore:
    """Rebuild a stored conversation score."""
    return ConversationScore(
        key=key,
        passed=data.get("passed"),
        outcome_reached=data.get("outcome_reached"),
        turns_to_resolution=data.get("turns_to_resolution"),
        register_kept=data.get("register_kept"),
        drift_turns=tuple(data.get("drift_turns") or ()),
        unanswered_turns=tuple(data.get("unanswered_turns") or ()),
        repeated_turns=tuple(data.get("repeated_turns") or ()),
        handoff_happened=bool(data.get("handoff_happened")),
        handoff_ok=data.get("handoff_ok"),
        final_mood=data.get("final_mood"),
        mood_error=data.get("mood_error"),
        turn_pass_rate=data.get("turn_pass_rate"),
        first_bad_turn=data.get("first_bad_turn"),
        turns=tuple(
            TurnScore(
                turn=t["turn"],
                passed=t.get("passed"),
                score=t.get("score"),
                error=t.get("error"),
                criteria=tuple(t.get("criteria") or ()),
                address=t.get("address"),
            )
            for t in data.get("turns") or ()
        ),
        error=data.get("error"),
        details=data.get("details") or {},
    )
