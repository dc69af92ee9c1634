"""Scoring a stored run with an LLM judge that goes through the engine (retries, cache).

The judge is a real provider from the registry talking HTTP to the fake OpenAI-compatible
server on 127.0.0.1; the run's cells are written straight into a real store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.app.conftest import VOUS, build_run, ok, rows, rubric
from tests.judge_helpers import factory, judge_model, posts
from workbench.app.scoring import (
    judge_call_from_config,
    judge_call_from_provider,
    make_cell_scorer,
    score_run,
)
from workbench.core.models import CriterionSpec, ModelConfigContent
from workbench.core.runs import CellKey
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, Reply, last_user_text

GREETS = CriterionSpec(kind="llm-judge", name="greets", config={"criterion": "Salue le client."})
FAST = EngineOptions(retry=RetryPolicy(base_delay_s=0.01, max_attempts=3), seed=0)


def judge_answer(body: dict[str, Any]) -> str:
    """Passes replies that greet the customer."""
    reply = last_user_text(body).split("## Reply to grade")[-1]
    verdict = "pass" if "Bonjour" in reply else "fail"
    return json.dumps({"reasoning": f"Salutation: {verdict}.", "verdict": verdict})


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=judge_answer) as srv:
        yield srv


def one_cell_run(store: Store, output: str) -> int:
    stored = build_run(store, rows(1), (VOUS,))
    store.upsert_cells(stored.id, [ok("r00", 0, output)])
    return stored.id


def test_a_rate_limited_judge_is_retried_and_a_second_scoring_hits_the_cache(
    store: Store, server: FakeLLMServer
) -> None:
    run_id = one_cell_run(store, "Bonjour, votre commande a été expédiée.")
    version = rubric(store, GREETS)
    server.script(Reply.rate_limited("0.2"))
    first = score_run(
        store,
        run_id,
        version,
        judge_model=judge_model(server),
        provider_factory=factory,
        engine_options=FAST,
    )
    assert first.results[CellKey("r00", 0)].passed is True
    assert posts(server) == 2  # the 429, then the answer

    again = score_run(
        store, run_id, version, judge_model=judge_model(server), provider_factory=factory
    )
    assert again.results == first.results
    assert posts(server) == 2  # answered from the response cache: no model was called
    [stored] = store.scores(run_id, version.id)
    assert stored.passed is True and stored.criteria[0]["detail"] == "Salutation: pass."


def test_a_judge_that_keeps_failing_gives_an_error_never_a_fail(
    store: Store, server: FakeLLMServer
) -> None:
    run_id = one_cell_run(store, "Votre commande a été expédiée.")
    version = rubric(store, GREETS, CriterionSpec(kind="contains", config={"value": "commande"}))
    server.faults.server_error_fraction = 1.0
    scored = score_run(
        store,
        run_id,
        version,
        judge_model=judge_model(server),
        provider_factory=factory,
        engine_options=FAST,
    )
    result = scored.results[CellKey("r00", 0)]
    assert result.passed is None and result.score is None
    assert "judge call failed (server)" in str(result.error)
    assert (scored.passed, scored.failed, scored.errors) == (0, 0, 1)
    assert posts(server) == 3  # every attempt of the retry policy was made
    [stored] = store.scores(run_id, version.id)
    assert stored.passed is None and stored.error is not None

    # The failure was not cached: once the judge answers, the cell is judged (and fails).
    server.faults.server_error_fraction = 0.0
    rescored = score_run(
        store, run_id, version, judge_model=judge_model(server), provider_factory=factory
    )
    assert rescored.results[CellKey("r00", 0)].passed is False
    assert posts(server) == 4


def test_a_judge_without_a_provider_factory_is_refused(store: Store) -> None:
    run_id = one_cell_run(store, "Bonjour.")
    config = ModelConfigContent(provider="openai-compatible", model="j", base_url="http://x/v1")
    with pytest.raises(ValueError, match="provider factory"):
        score_run(store, run_id, rubric(store, GREETS), judge_model=config)


async def test_a_cell_scorer_with_the_engine_judge_scores_as_cells_finish(
    store: Store, server: FakeLLMServer
) -> None:
    stored = build_run(store, rows(2), (VOUS,))
    version = rubric(store, GREETS)
    async with judge_call_from_config(store, judge_model(server), factory) as judge:
        scorer = make_cell_scorer(store, stored.id, version, judge_call=judge)
        assert scorer.needs_judge
        greeted = await scorer.score_async(ok("r00", 0, "Bonjour, c'est parti."))
        curt = await scorer.score_async(ok("r01", 0, "C'est parti."))
    assert (greeted.passed, curt.passed) == (True, False)
    assert judge.requests == 2 and len(store.scores(stored.id, version.id)) == 2


async def test_the_compatibility_wrapper_goes_through_the_engine_too(
    store: Store, server: FakeLLMServer
) -> None:
    run_id = one_cell_run(store, "Bonjour.")
    provider = factory(judge_model(server))
    try:
        judge = judge_call_from_provider(provider, judge_model(server), store=store, options=FAST)
        server.script(Reply.error(503))
        scorer = make_cell_scorer(store, run_id, rubric(store, GREETS), judge_call=judge)
        result = await scorer.evaluate_async(ok("r00", 0, "Bonjour."))
    finally:
        await provider.aclose()
    assert result.passed is True and judge.requests == 2
