"""LLM-as-judge: prompt, structured output, lenient parsing, errors that are never fails."""

from __future__ import annotations

import pytest

from tests.scoring.fake_judge import ScriptedJudge
from tests.scoring.helpers import ctx, persona, row, spec
from workbench.core.llm import ErrorKind, ProviderError
from workbench.core.models import CriterionSpec
from workbench.scoring.judge import (
    build_judge_request,
    evaluate_judge,
    judge_schema,
    parse_judge_answer,
)
from workbench.scoring.results import CriterionConfigError

OUTPUT = "Bonjour, votre commande 10452 a été expédiée le 3 novembre."
CONTEXT = ctx(
    OUTPUT,
    row=row(
        "track-001",
        expected="Expédiée le 3 novembre.",
        facts=("3 novembre",),
        message="Où en est ma commande 10452 ?",
    ),
    persona=persona(address_form="vous"),
)
EMPATHY = "The reply acknowledges the customer's worry before giving the facts."


async def test_pass_fail_verdict_and_reasoning() -> None:
    judge = ScriptedJudge('{"reasoning": "Gives the date but no empathy.", "verdict": "fail"}')
    result = await evaluate_judge(spec("llm-judge", criterion=EMPATHY), CONTEXT, judge)
    assert result.passed is False and result.score == 0.0 and result.error is None
    assert result.detail == "Gives the date but no empathy."
    judge = ScriptedJudge('{"reasoning": "Warm.", "verdict": "pass"}')
    assert (await evaluate_judge(spec("llm-judge", criterion=EMPATHY), CONTEXT, judge)).passed


async def test_one_to_five_scale_normalises_and_applies_pass_min() -> None:
    criterion = spec("llm-judge", criterion=EMPATHY, scale="1-5", pass_min=4)
    four = await evaluate_judge(criterion, CONTEXT, ScriptedJudge('{"reasoning":"ok","score":4}'))
    assert four.passed and four.score == 0.75 and four.value == 4.0
    three = await evaluate_judge(criterion, CONTEXT, ScriptedJudge('{"reasoning":"meh","score":3}'))
    assert three.passed is False and three.score == 0.5


async def test_request_carries_prompt_schema_and_context() -> None:
    judge = ScriptedJudge('{"reasoning": "x", "score": 5}')
    criterion = spec(
        "llm-judge",
        criterion=EMPATHY,
        scale="1-5",
        examples=[
            {
                "output": "Désolée pour l'attente ! Votre colis arrive.",
                "score": 5,
                "reasoning": "Empathy first.",
            }
        ],
        model="judge-model",
        params={"max_tokens": 300},
    )
    await evaluate_judge(criterion, CONTEXT, judge)
    request = judge.requests[0]
    assert request.model == "judge-model" and request.stream is False
    assert request.params["temperature"] == 0 and request.params["max_tokens"] == 300
    assert request.params["json_schema"] == judge_schema("1-5")
    system, user = request.messages
    assert system.role == "system" and user.role == "user"
    text = user.content
    for expected in (
        EMPATHY,
        OUTPUT,
        "Où en est ma commande 10452 ?",
        "Expédiée le 3 novembre.",
        "- 3 novembre",
        "Empathy first.",
        "Score: 5",
        "- 5: fully meets",
        'addresses the customer with "vous"',
        '"score": <1 to 5>',
    ):
        assert expected in text, expected


def test_custom_template_from_the_rubric() -> None:
    criterion = spec(
        "llm-judge", criterion="Polite?", template="Q: {{ criterion }} / A: {{ output }}"
    )
    request = build_judge_request(criterion, CONTEXT)
    assert request.messages[1].content == f"Q: Polite? / A: {OUTPUT}"


def test_broken_template_is_a_configuration_error_naming_the_variable() -> None:
    criterion = CriterionSpec(
        kind="llm-judge",
        name="politeness",
        config={"criterion": "Polite?", "template": "{{ reponse }}"},
    )
    with pytest.raises(CriterionConfigError) as caught:
        build_judge_request(criterion, CONTEXT)
    message = str(caught.value)
    assert "'politeness'" in message and "'reponse' is undefined" in message
    assert "row track-001" in message


@pytest.mark.parametrize(
    ("text", "scale", "verdict", "score"),
    [
        ('{"reasoning": "fine", "verdict": "pass"}', "pass-fail", True, None),
        ('Sure! ```json\n{"Reasoning": "no", "Verdict": "FAIL"}\n```', "pass-fail", False, None),
        ('Analysis first. {"reason": "ok", "pass": true, "score": 1}', "pass-fail", True, None),
        ("The reply is polite.\nVerdict: pass", "pass-fail", True, None),
        ('{"reasoning": "good", "score": "4"}', "1-5", None, 4),
        ('{"explanation": "good", "rating": 5.0}', "1-5", None, 5),
        ("Reasoning... **Score: 2**", "1-5", None, 2),
    ],
)
def test_answers_are_parsed_leniently(
    text: str, scale: str, verdict: bool | None, score: int | None
) -> None:
    answer = parse_judge_answer(text, scale)
    assert answer.verdict is verdict and answer.score == score


async def test_provider_failure_is_an_error_not_a_fail() -> None:
    judge = ScriptedJudge(ProviderError(ErrorKind.RATE_LIMITED, "429 Too Many Requests", 429))
    result = await evaluate_judge(spec("llm-judge", criterion=EMPATHY), CONTEXT, judge)
    assert result.passed is None and result.score is None
    assert result.error is not None and "rate_limited" in result.error


@pytest.mark.parametrize(
    ("answer", "scale"),
    [
        ("I think it is quite good overall.", "pass-fail"),
        ('{"reasoning": "great", "score": 7}', "1-5"),
        ('{"reasoning": "great", "verdict": "pass"}', "1-5"),
    ],
)
async def test_unreadable_answer_is_an_error(answer: str, scale: str) -> None:
    criterion = spec("llm-judge", criterion=EMPATHY, scale=scale)
    result = await evaluate_judge(criterion, CONTEXT, ScriptedJudge(answer))
    assert result.passed is None and result.error is not None
    assert "holds no" in result.error


async def test_truncated_answer_says_so() -> None:
    judge = ScriptedJudge('{"reasoning": "The reply is', finish_reason="length")
    result = await evaluate_judge(spec("llm-judge", criterion=EMPATHY), CONTEXT, judge)
    assert result.error is not None and "cut off" in result.error


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "needs 'criterion'"),
        ({"criterion": "x", "scale": "1-10"}, "'scale' must be one of 1-5, pass-fail"),
        ({"criterion": "x", "anchors": {"3": "ok"}}, "do not fit the pass-fail scale"),
        ({"criterion": "x", "scale": "1-5", "examples": [{"output": "a"}]}, "'score' from 1 to 5"),
        ({"criterion": "x", "examples": [{"verdict": "pass"}]}, "needs an 'output'"),
    ],
)
def test_judge_configuration_errors(config: dict, message: str) -> None:
    with pytest.raises(CriterionConfigError, match=message):
        build_judge_request(spec("llm-judge", **config), CONTEXT)
