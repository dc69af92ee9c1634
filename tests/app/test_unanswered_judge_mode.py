"""Unanswered detection in judge mode: the judge decides through the engine (cache included),
and a judge that fails or answers unreadably falls back to the deterministic detector, marked.

The judge is a real provider from the registry talking HTTP to the fake OpenAI-compatible server
on 127.0.0.1, scripted to answer verdicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.app.conftest import VOUS, build_run, ok, rows, rubric
from tests.judge_helpers import factory, judge_model, posts
from workbench.app.scoring import score_run
from workbench.core.models import CriterionSpec, RubricContent
from workbench.core.runs import CellKey
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions
from workbench.scoring.results import CriterionConfigError
from workbench.scoring.rubric import validate_rubric
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, Reply, last_user_text

JUDGED = CriterionSpec(kind="unanswered", name="answers", config={"mode": "judge"})
FAST = EngineOptions(retry=RetryPolicy(base_delay_s=0.01, max_attempts=2), seed=0)
# Answered for the deterministic detector; the scripted judge calls it unanswered.
EVASIVE = "Votre question est intéressante et mérite réflexion."


def judge_answer(body: dict[str, Any]) -> str:
    """Calls a reply unanswered when it contains 'intéressante' (a judgement no pattern makes)."""
    reply = last_user_text(body).split("## Reply to grade")[-1]
    assert "ANSWERS the customer's question" in last_user_text(body)
    verdict = "fail" if "intéressante" in reply else "pass"
    return json.dumps({"reasoning": f"answered: {verdict}", "verdict": verdict})


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=judge_answer) as srv:
        yield srv


def score(store: Store, server: FakeLLMServer, output: str) -> Any:
    stored = build_run(store, rows(1), (VOUS,))
    store.upsert_cells(stored.id, [ok("r00", 0, output)])
    version = rubric(store, JUDGED)
    return score_run(
        store,
        stored.id,
        version,
        judge_model=judge_model(server),
        provider_factory=factory,
        engine_options=FAST,
    )


def test_the_judge_decides_and_its_readable_verdict_is_cached(
    store: Store, server: FakeLLMServer
) -> None:
    first = score(store, server, EVASIVE)
    result = first.results[CellKey("r00", 0)]
    assert result.passed is False
    [criterion] = result.criteria
    assert criterion.detail is not None and criterion.detail.startswith("judge:")
    assert posts(server) == 1
    again = score(store, server, EVASIVE)
    assert again.results[CellKey("r00", 0)].passed is False
    assert posts(server) == 1  # the readable verdict came from the response cache


def test_an_unreadable_judge_falls_back_to_the_detector_marked_and_is_not_cached(
    store: Store, server: FakeLLMServer
) -> None:
    server.script(Reply.ok("I think it is fine."), Reply.ok("Still no JSON here."))
    first = score(store, server, "Contactez votre banque.")
    result = first.results[CellKey("r00", 0)]
    assert result.passed is False  # the deterministic detector: a redirect, unanswered
    [criterion] = result.criteria
    assert criterion.detail is not None
    assert "judge unavailable" in criterion.detail
    assert "deterministic detector used" in criterion.detail
    score(store, server, "Contactez votre banque.")
    assert posts(server) == 2  # the unreadable answer was not cached: asked again


def test_a_failing_judge_never_passes_silently(store: Store, server: FakeLLMServer) -> None:
    server.script(Reply.error(500), Reply.error(500))
    result = score(store, server, "Je ne peux pas vous répondre.").results[CellKey("r00", 0)]
    assert result.passed is False
    [criterion] = result.criteria
    assert criterion.detail is not None and "judge unavailable" in criterion.detail


def test_an_unknown_mode_is_a_configuration_error() -> None:
    bad = CriterionSpec(kind="unanswered", config={"mode": "oracle"})
    with pytest.raises(CriterionConfigError, match="mode"):
        validate_rubric(RubricContent(criteria=[bad]))
