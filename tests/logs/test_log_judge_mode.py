"""``logs analyse`` in judge mode: the judge decides which replies answer, through the engine
(the real OpenAI SDK against the fake server on 127.0.0.1, scripted to answer verdicts), with
its cache, tokens and fallbacks counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.judge_helpers import factory, judge_model, posts
from workbench.app.logs import analyse_log, analysis_json, import_log
from workbench.app.logs_judge import judge_log
from workbench.core.errors import ValidationError
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions
from workbench.scoring import unanswered_learned
from workbench.scoring.unanswered import detect_unanswered
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, Reply, last_user_text

FAST = EngineOptions(retry=RetryPolicy(base_delay_s=0.01, max_attempts=2), seed=0)
# The deterministic detector calls the first reply answered and the second unanswered; the
# scripted judge says the opposite of both, so its verdicts are visible in the figures.
VAGUE = "Votre question est importante pour nous et mérite toute notre attention."
REDIRECT = "Voyez avec votre banque, elle seule peut vous renseigner."


def judge_answer(body: dict[str, Any]) -> str:
    prompt = last_user_text(body)
    assert "## What the customer sent" in prompt  # the judge sees the customer's question
    reply = prompt.split("## Reply to grade")[-1]
    verdict = "fail" if "importante" in reply else "pass"
    return json.dumps({"reasoning": f"verdict {verdict}", "verdict": verdict})


@pytest.fixture(autouse=True)
def rules_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The vague reply must be one the deterministic detector misses: its rules alone (the
    learned second opinion recognises it, which is not what these tests are about)."""
    monkeypatch.setattr(unanswered_learned, "probability", lambda text: None)
    detect_unanswered.cache_clear()
    yield
    monkeypatch.undo()
    detect_unanswered.cache_clear()


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=judge_answer) as srv:
        yield srv


def _import(store: Store, tmp_path: Path) -> None:
    lines = []
    for i in range(6):
        reply = VAGUE if i % 2 == 0 else REDIRECT
        for second, (role, text) in enumerate(
            [("user", f"Question {i} : où en est mon virement ?"), ("assistant", reply)]
        ):
            lines.append(
                json.dumps(
                    {
                        "conversation_id": f"c{i}",
                        "role": role,
                        "text": text,
                        "timestamp": f"2026-11-02T10:00:{second:02d}Z",
                    }
                )
            )
    path = tmp_path / "bank.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_log(store, path, family="bank", use_ner=False)


def test_the_judge_decides_unanswered_turns_and_a_second_analysis_reads_its_cache(
    store: Store, tmp_path: Path, server: FakeLLMServer
) -> None:
    _import(store, tmp_path)
    plain = analyse_log(store, "bank")
    assert (plain.user_turns, plain.unanswered_turns) == (6, 3)  # the three redirects

    judgement = judge_log(store, "bank", judge_model(server), factory, engine_options=FAST)
    assert (judgement.judged, judgement.fallbacks, judgement.cache_hits) == (6, 0, 0)
    assert judgement.input_tokens > 0 and judgement.output_tokens > 0
    judged = analyse_log(store, "bank", judgement=judgement)
    assert judged.unanswered_turns == 3  # now the three vague replies, not the redirects
    stored = analysis_json(judged)["unanswered_judge"]
    assert stored is not None and stored["judged"] == 6
    assert posts(server) == 6

    again = judge_log(store, "bank", judge_model(server), factory, engine_options=FAST)
    assert again.cache_hits == 6 and again.verdicts == judgement.verdicts
    assert posts(server) == 6  # no model called: readable verdicts were cached


def test_a_failing_judge_falls_back_to_the_detector_and_says_how_often(
    store: Store, tmp_path: Path, server: FakeLLMServer
) -> None:
    _import(store, tmp_path)
    server.script(*[Reply.error(500)] * 12)
    judgement = judge_log(store, "bank", judge_model(server), factory, engine_options=FAST)
    assert (judgement.judged, judgement.fallbacks) == (0, 6)
    assert judgement.errors
    analysis = analyse_log(store, "bank", judgement=judgement)
    assert analysis.unanswered_turns == 3  # the deterministic figures, not a silent pass


def test_an_unreadable_verdict_is_a_fallback_and_is_asked_again(
    store: Store, tmp_path: Path, server: FakeLLMServer
) -> None:
    _import(store, tmp_path)
    server.script(*[Reply.ok("Hmm, hard to say.")] * 6)
    first = judge_log(store, "bank", judge_model(server), factory, engine_options=FAST)
    assert (first.judged, first.fallbacks) == (0, 6)
    second = judge_log(store, "bank", judge_model(server), factory, engine_options=FAST)
    assert (second.judged, second.cache_hits) == (6, 0)  # nothing unreadable was cached


def test_a_spent_budget_leaves_the_rest_to_the_detector(
    store: Store, tmp_path: Path, server: FakeLLMServer
) -> None:
    _import(store, tmp_path)
    priced = judge_model(server).model_copy(
        update={"input_usd_per_mtok": 1.0, "output_usd_per_mtok": 2.0}
    )
    judgement = judge_log(store, "bank", priced, factory, engine_options=FAST, budget_usd=0.0)
    assert (judgement.judged, judgement.over_budget) == (0, 6)
    assert posts(server) == 0
    spent = judge_log(store, "bank", priced, factory, engine_options=FAST, budget_usd=1.0)
    assert spent.judged == 6 and spent.cost_usd is not None and 0 < spent.cost_usd < 1.0
    with pytest.raises(ValidationError, match="no price is known"):
        judge_log(store, "bank", judge_model(server), factory, budget_usd=1.0)
