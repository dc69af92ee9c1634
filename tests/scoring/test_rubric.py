"""Whole-rubric scoring: weighted mean, threshold, not-applicable, errors, judge routing."""

from __future__ import annotations

import pytest

from tests.scoring.fake_judge import ScriptedJudge
from tests.scoring.helpers import cell, ctx, persona, row
from workbench.core.llm import ErrorKind, ProviderError
from workbench.core.models import CriterionSpec, RubricContent
from workbench.core.runs import CellStatus
from workbench.scoring.registry import CriterionRegistry
from workbench.scoring.results import CriterionConfigError
from workbench.scoring.rubric import (
    needs_judge,
    score_output,
    score_output_sync,
    validate_rubric,
)

TRACKING = RubricContent(
    description="Order tracking replies",
    threshold=0.75,
    criteria=(
        CriterionSpec(kind="facts", weight=2),
        CriterionSpec(kind="register", name="tone"),
        CriterionSpec(kind="not-icontains", name="no apology", config={"value": "désolé"}),
        CriterionSpec(kind="similarity", config={"threshold": 0.5}),
    ),
)
ROW = row("track-001", facts=("expédiée", "3 novembre"))
VOUS = persona(address_form="vous", tone={"exclamations": "never"})


def test_weighted_mean_over_applicable_criteria_and_threshold() -> None:
    good = "Votre commande a été expédiée le 3 novembre."
    result = score_output_sync(TRACKING, ctx(good, row=ROW, persona=VOUS))
    assert result.passed is True and result.score == 1.0
    # similarity has no expected answer on this row: not applicable, left out of the mean.
    similarity = result.criteria[3]
    assert similarity.score is None and similarity.error is None

    half = "Désolé, votre commande a été expédiée."
    result = score_output_sync(TRACKING, ctx(half, row=ROW, persona=VOUS))
    # facts 0.5 (weight 2), register 1, no-apology 0 → (1 + 1 + 0) / 4 = 0.5 < 0.75
    assert result.score == pytest.approx(0.5) and result.passed is False


def test_default_threshold_requires_every_weighted_criterion_to_pass() -> None:
    rubric = RubricContent(
        criteria=(
            CriterionSpec(kind="contains", config={"value": "10452"}),
            CriterionSpec(kind="length", weight=0, config={"max": 5}),  # informative only
        )
    )
    result = score_output_sync(rubric, ctx("Commande 10452 expédiée."))
    assert result.passed is True and result.score == 1.0
    assert result.criteria[1].passed is False  # reported, not counted
    assert score_output_sync(rubric, ctx("Commande expédiée.")).passed is False


def test_no_applicable_criterion_gives_no_verdict() -> None:
    rubric = RubricContent(criteria=(CriterionSpec(kind="similarity"),))
    result = score_output_sync(rubric, ctx("Bonjour"))
    assert result.passed is None and result.score is None and result.error is None


def test_an_errored_cell_is_an_error_not_a_fail() -> None:
    broken = cell(status=CellStatus.ERROR)
    broken.error_kind, broken.error_message = "timeout", "no answer after 60 s"
    result = score_output_sync(TRACKING, ctx("", row=ROW, cell=broken))
    assert result.passed is None and result.score is None
    assert result.error is not None and "timeout" in result.error


def test_configuration_errors_surface_with_position() -> None:
    bad = RubricContent(
        criteria=(
            CriterionSpec(kind="contains", config={"value": "x"}),
            CriterionSpec(kind="regex", name="order number", config={"pattern": "[0-9"}),
        )
    )
    with pytest.raises(CriterionConfigError, match=r"criterion #2 'order number' \(regex\)"):
        validate_rubric(bad)
    with pytest.raises(CriterionConfigError, match=r"criterion #2 .*bad regular expression"):
        score_output_sync(bad, ctx("x"))
    unknown = RubricContent(criteria=(CriterionSpec(kind="sentiment"),))
    with pytest.raises(CriterionConfigError, match="unknown kind 'sentiment'; known kinds: "):
        validate_rubric(unknown)


def test_registry_lists_every_kind_with_a_summary() -> None:
    registry = CriterionRegistry.default()
    names = registry.names()
    for kind in (
        "equals",
        "contains",
        "icontains",
        "not-contains",
        "regex",
        "starts-with",
        "is-json",
        "json-schema",
        "length",
        "similarity",
        "facts",
        "latency",
        "cost",
        "refusal",
        "register",
        "llm-judge",
        "levenshtein",
        "contains-json",
    ):
        assert kind in names
        assert registry.summary(kind)


JUDGED = RubricContent(
    threshold=0.5,
    criteria=(
        CriterionSpec(kind="contains", config={"value": "3 novembre"}),
        CriterionSpec(kind="llm-judge", name="empathy", config={"criterion": "Is it warm?"}),
        CriterionSpec(
            kind="llm-judge", name="clarity", config={"criterion": "Is it clear?", "scale": "1-5"}
        ),
    ),
)


async def test_async_scoring_runs_judges_through_the_injected_call() -> None:
    judge = ScriptedJudge(
        '{"reasoning": "warm", "verdict": "pass"}', '{"reasoning": "clear", "score": 3}'
    )
    result = await score_output(JUDGED, ctx("Expédiée le 3 novembre."), judge_call=judge)
    assert len(judge.requests) == 2
    assert [c.name for c in result.criteria] == ["contains", "empathy", "clarity"]
    assert result.score == pytest.approx((1 + 1 + 0.5) / 3) and result.passed is True
    assert result.criteria[1].detail == "warm"


async def test_a_judge_failure_makes_the_whole_result_an_error() -> None:
    judge = ScriptedJudge(ProviderError(ErrorKind.SERVER, "502 Bad Gateway", 502))
    result = await score_output(JUDGED, ctx("Expédiée le 3 novembre."), judge_call=judge)
    assert result.passed is None and result.score is None
    assert result.error is not None and "criterion 'empathy'" in result.error
    assert result.criteria[0].passed is True  # the deterministic results are kept


async def test_judge_rubrics_need_a_judge() -> None:
    assert needs_judge(JUDGED) and not needs_judge(TRACKING)
    with pytest.raises(CriterionConfigError, match="no judge model is configured"):
        await score_output(JUDGED, ctx("x"))
    with pytest.raises(CriterionConfigError, match="score it with score_output"):
        score_output_sync(JUDGED, ctx("x"))
    broken = RubricContent(
        criteria=(*JUDGED.criteria, CriterionSpec(kind="llm-judge", config={"scale": "1-5"}))
    )
    judge = ScriptedJudge('{"reasoning": "ok", "verdict": "pass"}')
    with pytest.raises(CriterionConfigError, match="criterion #4 'llm-judge': needs 'criterion'"):
        await score_output(broken, ctx("x"), judge_call=judge)
    assert judge.requests == []  # nothing was sent before the configuration was checked


async def test_async_path_without_judge_matches_the_sync_path() -> None:
    context = ctx("Désolé, votre commande a été expédiée.", row=ROW, persona=VOUS)
    assert await score_output(TRACKING, context) == score_output_sync(TRACKING, context)
