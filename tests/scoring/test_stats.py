"""Statistics checked against published or hand-computed reference values."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from tests.scoring.helpers import cell
from workbench.core.runs import CellStatus
from workbench.scoring.results import ScoreResult
from workbench.scoring.stats import (
    CellRecord,
    bootstrap_mean_interval,
    cell_record,
    cohen_kappa,
    column_stats,
    compare_columns,
    confusion_matrix,
    judge_agreement,
    mcnemar_exact,
    pass_at_k,
    pass_hat_k,
    repeat_stats,
    wilcoxon_signed_rank,
    wilson_interval,
    win_rate,
)


def test_wilson_interval_reference_values() -> None:
    interval = wilson_interval(8, 10)
    assert interval is not None
    assert (interval.low, interval.high) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    zero = wilson_interval(0, 10)
    assert zero is not None and zero.low == 0.0
    assert zero.high == pytest.approx(0.2775, abs=1e-4)  # z² / (n + z²)
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(("k", "n"), [(1, 7), (37, 50), (99, 100), (412, 1000)])
def test_wilson_interval_agrees_with_scipy(k: int, n: int) -> None:
    ours = wilson_interval(k, n)
    theirs = binomtest(k, n).proportion_ci(method="wilson")
    assert ours is not None
    assert (ours.low, ours.high) == pytest.approx((theirs.low, theirs.high), abs=1e-9)


def test_exact_mcnemar_hand_computed() -> None:
    assert mcnemar_exact(0, 6) == pytest.approx(2 * 0.5**6)  # 0.03125
    assert mcnemar_exact(2, 8) == pytest.approx(2 * (1 + 10 + 45) / 1024)  # 0.109375
    assert mcnemar_exact(5, 5) == pytest.approx(1.0)
    assert mcnemar_exact(0, 0) == 1.0


# The example of scipy.stats.wilcoxon's documentation (differences in height of paired plants).
DIFFERENCES = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75]


def test_wilcoxon_reference_example() -> None:
    result = wilcoxon_signed_rank(DIFFERENCES)
    assert result is not None
    statistic, p = result
    assert statistic == 24.0
    assert p == pytest.approx(0.041259765625)


def test_wilcoxon_all_zero_differences_mean_no_difference() -> None:
    assert wilcoxon_signed_rank([0.0, 0.0, 0.0]) == (0.0, 1.0)
    assert wilcoxon_signed_rank([]) is None


def test_cohen_kappa_worked_examples() -> None:
    # 50 proposals, two readers: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → p_o .7, p_e .5.
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    # 45/15/25/15 → p_o .60, p_e .54 → 0.1304; 25/35/5/35 → p_o .60, p_e .46 → 0.2593.
    a = [1] * 45 + [1] * 15 + [0] * 25 + [0] * 15
    b = [1] * 45 + [0] * 15 + [1] * 25 + [0] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.06 / 0.46)
    a = [1] * 25 + [1] * 35 + [0] * 5 + [0] * 35
    b = [1] * 25 + [0] * 35 + [1] * 5 + [0] * 35
    assert cohen_kappa(a, b) == pytest.approx(0.14 / 0.54)


def test_kappa_edge_cases_and_confusion_matrix() -> None:
    assert cohen_kappa([True, True], [True, True]) is None  # chance agreement is 1
    assert cohen_kappa([True, False], [True, False]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="differ in length"):
        cohen_kappa([True], [True, False])
    human = [True, True, False, False, True]
    judge = [True, False, False, True, True]
    matrix = confusion_matrix(human, judge, labels=[True, False])
    assert matrix.counts == ((2, 1), (1, 1))
    assert matrix.count(True, False) == 1
    agreement = judge_agreement(human, judge)
    assert agreement.items == 5 and agreement.observed == pytest.approx(0.6)
    # p_e = 0.6·0.6 + 0.4·0.4 = 0.52 → kappa = 0.08 / 0.48
    assert agreement.kappa == pytest.approx(0.08 / 0.48)


def test_pass_at_k_and_pass_hat_k() -> None:
    assert pass_at_k(10, 3, 2) == pytest.approx(1 - 21 / 45)
    assert pass_hat_k(10, 3, 2) == pytest.approx(3 / 45)
    assert pass_at_k(5, 0, 3) == 0.0 and pass_at_k(5, 3, 3) == 1.0  # fewer fails than k
    assert pass_hat_k(5, 5, 5) == 1.0 and pass_hat_k(5, 4, 5) == 0.0
    with pytest.raises(ValueError, match="k \\(6\\)"):
        pass_at_k(5, 2, 6)


def _records(
    passes: list[bool | None], scores: list[float] | None = None, prefix: str = "r"
) -> list[CellRecord]:
    scores = scores or [1.0 if p else 0.0 for p in passes]
    return [
        CellRecord(
            row_id=f"{prefix}{i}", passed=p, score=s, error=p is None, completed=p is not None
        )
        for i, (p, s) in enumerate(zip(passes, scores, strict=True))
    ]


def test_repeat_stats_flaky_rows_and_distinct_answers() -> None:
    records = [
        CellRecord("a", repeat=0, passed=True, output="Oui."),
        CellRecord("a", repeat=1, passed=False, output="Non."),
        CellRecord("a", repeat=2, passed=True, output="oui. "),
        CellRecord("b", repeat=0, passed=True, output="Livré."),
        CellRecord("b", repeat=1, passed=True, output="Livré."),
        CellRecord("b", repeat=2, error=True, completed=False),
    ]
    summary = repeat_stats(records, k=2)
    by_row = {r.row_id: r for r in summary.rows}
    assert by_row["a"].flaky and not by_row["b"].flaky
    assert summary.flaky_rows == ("a",)
    assert by_row["a"].distinct_answers == 2 and by_row["b"].distinct_answers == 1
    assert by_row["a"].pass_at_k == pytest.approx(1.0)  # n=3, c=2: at most one fail
    assert by_row["a"].pass_hat_k == pytest.approx(1 / 3)
    assert by_row["b"].judged == 2 and by_row["b"].pass_hat_k == 1.0
    assert summary.mean_pass_hat_k == pytest.approx((1 / 3 + 1) / 2)


def test_column_stats() -> None:
    records = [
        CellRecord(
            f"r{i}",
            passed=i < 8,
            score=1.0 if i < 8 else 0.0,
            latency_ms=100.0 * (i + 1),
            input_tokens=50,
            output_tokens=20,
            cost_usd=0.001,
            unanswered=i == 9,
        )
        for i in range(10)
    ] + [CellRecord("r10", error=True, completed=False)]
    stats = column_stats(records, seed=1)
    assert stats.cells == 11 and stats.judged == 10 and stats.passed == 8
    assert stats.pass_rate == pytest.approx(0.8)
    assert stats.pass_interval is not None
    assert stats.pass_interval.low == pytest.approx(0.4902, abs=1e-4)
    assert stats.mean_score == pytest.approx(0.8)
    assert stats.score_interval is not None and stats.score_interval.contains(0.8)
    assert stats.latency_p50_ms == pytest.approx(550.0)
    assert stats.latency_p95_ms == pytest.approx(955.0)
    assert stats.input_tokens == 500 and stats.output_tokens == 200
    assert stats.cost_usd == pytest.approx(0.01)
    assert stats.errors == 1 and stats.error_rate == pytest.approx(1 / 11)
    assert stats.unanswered == 1 and stats.unanswered_rate == pytest.approx(0.1)


def test_bootstrap_is_seeded_and_handles_degenerate_data() -> None:
    values = [0.2, 0.9, 0.4, 0.8, 1.0, 0.6, 0.7, 0.3]
    first = bootstrap_mean_interval(values, seed=7)
    assert first == bootstrap_mean_interval(values, seed=7)
    assert first is not None and first.low < 0.6125 < first.high
    assert bootstrap_mean_interval([0.5, 0.5, 0.5]) is not None
    assert bootstrap_mean_interval([0.5]) == bootstrap_mean_interval([0.5, 0.5])
    assert bootstrap_mean_interval([]) is None


def test_cell_record_from_cells_and_scores() -> None:
    ok = cell("Je n'ai pas accès à votre dossier.", latency_ms=800.0, cost_usd=0.001)
    record = cell_record(ok, ScoreResult(passed=False, score=0.0, criteria=[]))
    assert record.passed is False and record.unanswered and not record.error
    failed = cell(status=CellStatus.ERROR)
    record = cell_record(failed, None)
    assert record.error and not record.completed and record.passed is None
    judged_error = cell_record(cell("Réponse."), ScoreResult(None, None, [], error="judge 502"))
    assert judged_error.error and judged_error.completed and judged_error.passed is None


def test_compare_small_sample_says_it_cannot_tell() -> None:
    a = _records([True, True, False, True, False, True])
    b = _records([True, False, True, True, True, True])
    comparison = compare_columns(a, b, label_a="v1", label_b="v2")
    assert comparison.pass_fail is not None and comparison.pass_fail.discordant == 3
    assert "No detectable difference in pass rate on 6 rows" in comparison.verdict
    assert "too few to tell" in comparison.verdict
    assert "Too few paired scores" in comparison.verdict


def test_compare_detects_a_real_difference() -> None:
    n = 40
    a = _records([i < 12 for i in range(n)])  # 30% pass
    b = _records([i < 32 for i in range(n)])  # 80% pass: 20 rows where only B passes
    comparison = compare_columns(a, b, label_a="v1", label_b="v2", seed=3)
    mcnemar = comparison.pass_fail
    assert mcnemar is not None
    assert (mcnemar.both_pass, mcnemar.only_a, mcnemar.only_b, mcnemar.both_fail) == (12, 0, 20, 8)
    assert mcnemar.p_value == pytest.approx(2 * 0.5**20)
    assert "v2 passes more often than v1 on 40 rows (v1 30%, v2 80%" in comparison.verdict
    assert "v2 scores higher" in comparison.verdict
    scores = comparison.scores
    assert scores is not None and scores.mean_difference == pytest.approx(0.5)
    assert scores.interval is not None and scores.interval.low > 0


def test_compare_identical_columns_and_no_overlap() -> None:
    same = _records([True, False] * 10)
    comparison = compare_columns(same, same)
    assert comparison.scores is not None and comparison.scores.wilcoxon_p == 1.0
    assert "No detectable difference in score" in comparison.verdict
    other = _records([True], prefix="x")
    assert "share no scored rows" in compare_columns(same, other).verdict


def test_compare_scores_use_the_wilcoxon_reference() -> None:
    a = [CellRecord(f"r{i}", score=0.0) for i in range(len(DIFFERENCES))]
    b = [CellRecord(f"r{i}", score=float(d)) for i, d in enumerate(DIFFERENCES)]
    scores = compare_columns(a, b).scores
    assert scores is not None
    assert scores.wilcoxon_statistic == 24.0
    assert scores.wilcoxon_p == pytest.approx(0.041259765625)


def test_compare_leaves_errored_cells_out() -> None:
    a = _records([True, None, False])
    b = _records([True, True, True])
    comparison = compare_columns(a, b)
    assert comparison.rows == 2 and comparison.pass_fail is not None
    assert comparison.pass_fail.pairs == 2


def test_win_rate_with_ties_half_or_excluded() -> None:
    few = win_rate(["a"] * 8 + ["b"] * 2)
    assert few.rate_a == pytest.approx(0.8)
    assert few.interval is not None and few.interval.low == pytest.approx(0.4902, abs=1e-4)
    assert "No detectable preference on 10 judgements" in few.verdict
    many = win_rate(["a"] * 16 + ["b"] * 4, label_a="v2", label_b="v1")
    assert "v2 is preferred in 80% of 20 judgements" in many.verdict
    tied = ["a"] * 6 + ["b"] * 2 + ["tie"] * 2
    assert win_rate(tied).rate_a == pytest.approx(0.7)
    assert win_rate(tied, ties="exclude").rate_a == pytest.approx(0.75)
    assert "Too few preferences" in win_rate(["a", "b"]).verdict
    with pytest.raises(ValueError, match="'a', 'b' or 'tie'"):
        win_rate(["left"])


@pytest.mark.parametrize(
    ("a_passes", "b_passes", "p_value"),
    [
        # 15 paired rows, 7 discordant pairs all favouring B: exact McNemar p = 2 × 0.5**7.
        ([True] * 4 + [False] * 11, [True] * 11 + [False] * 4, 0.015625),
        # 8/8 vs 0/8.
        ([False] * 8, [True] * 8, 0.0078125),
    ],
)
def test_a_significant_exact_test_is_never_overridden_by_the_discordant_floor(
    a_passes: list[bool], b_passes: list[bool], p_value: float
) -> None:
    comparison = compare_columns(_records(a_passes), _records(b_passes), label_a="A", label_b="B")
    mcnemar = comparison.pass_fail
    assert mcnemar is not None and mcnemar.p_value == pytest.approx(p_value)
    assert "B passes more often than A" in comparison.verdict
    assert f"p={p_value:.3g}" in comparison.verdict and "on few rows" in comparison.verdict
    assert "No detectable difference in pass rate" not in comparison.verdict
    assert "too few to tell" not in comparison.verdict


@pytest.mark.parametrize("shape", ["uniform", "binary", "quarters", "one-outlier"])
def test_bootstrap_interval_equals_scipy_bootstrap(shape: str) -> None:
    """The numpy BCa interval is scipy.stats.bootstrap's, resample for resample."""
    import math
    import warnings

    import numpy as np
    from scipy import stats

    generator = np.random.default_rng(11)
    for trial in range(40):
        n = int(generator.integers(3, 50))
        values = {
            "uniform": generator.random(n),
            "binary": generator.integers(0, 2, n).astype(float),
            "quarters": np.round(generator.random(n) * 4) / 4,
            "one-outlier": np.r_[np.zeros(n - 1), [1.0]],
        }[shape]
        if np.ptp(values) == 0:
            continue
        expected = None
        for method in ("BCa", "percentile"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = stats.bootstrap(
                    (values,), np.mean, n_resamples=500, method=method,
                    rng=np.random.default_rng(trial),
                )  # fmt: skip
            low, high = result.confidence_interval.low, result.confidence_interval.high
            if math.isfinite(low) and math.isfinite(high):
                expected = (low, high)
                break
        found = bootstrap_mean_interval(list(values), seed=trial, n_resamples=500)
        assert found is not None and expected is not None
        assert found.low == pytest.approx(expected[0], abs=1e-12)
        assert found.high == pytest.approx(expected[1], abs=1e-12)
