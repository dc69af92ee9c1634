"""Per-column reports and comparisons of scored runs, checked against known outcomes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.app.conftest import VOUS, build_run, failed, ok, rows, rubric
from workbench.app.scoring import (
    column_report,
    compare,
    make_cell_scorer,
    resolve_column,
    score_run,
)
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import CriterionSpec
from workbench.core.reviews import PairwisePreference, Rating
from workbench.store import Store

AT = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
SHIPPED = CriterionSpec(kind="contains", config={"value": "expédiée"})
GOOD = "Votre commande a été expédiée hier."
BAD = "Votre commande est en préparation."


def scored_run(store: Store, outcomes: list[tuple[bool | None, bool | None]], **kw: object):
    """A two-column run, one row per outcome pair (None: the call failed), scored."""
    stored = build_run(store, rows(len(outcomes)), (VOUS, VOUS), **kw)  # type: ignore[arg-type]
    cells = []
    for index, pair in enumerate(outcomes):
        for column, passes in enumerate(pair):
            row = f"r{index:02d}"
            if passes is None:
                cells.append(failed(row, column))
            else:
                latency = 100.0 * (index + 1)
                cells.append(ok(row, column, GOOD if passes else BAD, latency_ms=latency))
    store.upsert_cells(stored.id, cells)
    version = rubric(store, SHIPPED)
    score_run(store, stored.id, version)
    return stored.id, version.id


def test_column_report_figures(store: Store) -> None:
    # Column 0 passes 8 of 10; column 1 passes 5 of 9 judged (one call failed).
    outcomes: list[tuple[bool | None, bool | None]] = [
        (True, True),
        (True, True),
        (True, True),
        (True, True),
        (True, True),
        (True, False),
        (True, False),
        (True, False),
        (False, False),
        (False, None),
    ]
    run_id, rubric_id = scored_run(store, outcomes)
    first, second = column_report(store, run_id, rubric_id)
    assert first.column.index == 0 and first.scored == 10
    stats = first.stats
    assert (stats.cells, stats.judged, stats.passed, stats.pass_rate) == (10, 10, 8, 0.8)
    assert stats.pass_interval is not None
    # Wilson 95% for 8/10 (reference value).
    assert (round(stats.pass_interval.low, 4), round(stats.pass_interval.high, 4)) == (
        0.4902,
        0.9433,
    )
    assert stats.mean_score == pytest.approx(0.8)
    assert stats.latency_p50_ms == pytest.approx(550.0)
    assert (stats.input_tokens, stats.output_tokens) == (500, 200)
    assert stats.cost_usd == pytest.approx(0.01)
    assert (stats.errors, stats.unanswered) == (0, 0)
    other = second.stats
    assert (other.cells, other.judged, other.passed, other.errors) == (10, 9, 5, 1)
    assert other.error_rate == pytest.approx(0.1)
    assert first.repeats is None and first.agreement == {}


def test_a_report_needs_scores_of_that_rubric(store: Store) -> None:
    run_id, _ = scored_run(store, [(True, True)])
    unused = rubric(store, CriterionSpec(kind="contains", config={"value": "jeudi"}))
    with pytest.raises(NotFoundError, match=r"has not been scored with rubric quality@v2 yet"):
        column_report(store, run_id, unused.id)


def test_compare_finds_a_clear_difference_and_counts_preferences(store: Store) -> None:
    # B passes on 18 of 20 rows, A on 2 (both within B's): 16 discordant pairs, all for B.
    outcomes: list[tuple[bool | None, bool | None]] = [(i < 2, i < 18) for i in range(20)]
    run_id, rubric_id = scored_run(store, outcomes)
    for index in range(12):
        store.save_preference(
            PairwisePreference(run_id, f"r{index:02d}", 0, 1, "b", True, "ana", AT)
        )
    result = compare(store, run_id, 0, 1, rubric_id)
    mcnemar = result.comparison.pass_fail
    assert mcnemar is not None
    assert (mcnemar.both_pass, mcnemar.only_a, mcnemar.only_b, mcnemar.both_fail) == (2, 0, 16, 2)
    assert mcnemar.p_value == pytest.approx(2 * 0.5**16)
    assert result.verdict.startswith(
        "suivi@v1 · persona-1 · small passes more often than suivi@v1 · persona-0 · small"
        " on 20 rows (suivi@v1 · persona-0 · small 10%, suivi@v1 · persona-1 · small 90%;"
    )
    assert result.preferences is not None
    assert (result.preferences.wins_a, result.preferences.wins_b) == (0, 12)
    assert "Reviewers' preferences: suivi@v1 · persona-1 · small is preferred in 100% of 12" in (
        result.verdict
    )
    assert (result.stats_a.pass_rate, result.stats_b.pass_rate) == (0.1, 0.9)
    # Asked the other way round, the same judgements count for column 1 as side a.
    reverse = compare(store, run_id, 1, 0, rubric_id)
    assert reverse.preferences is not None and reverse.preferences.wins_a == 12


def test_compare_says_when_there_is_too_little_to_tell(store: Store) -> None:
    outcomes: list[tuple[bool | None, bool | None]] = [
        (True, True),
        (True, False),
        (False, True),
        (True, True),
    ]
    run_id, rubric_id = scored_run(store, outcomes)
    result = compare(store, run_id, 0, 1, rubric_id)
    assert result.preferences is None
    assert result.verdict.startswith("No detectable difference in pass rate on 4 rows")
    assert "too few to tell" in result.verdict
    with pytest.raises(ValidationError, match="two different columns"):
        compare(store, run_id, 1, 1, rubric_id)
    with pytest.raises(NotFoundError, match="has no column 2"):
        compare(store, run_id, 0, 2, rubric_id)


def test_repeats_give_pass_at_k_and_flaky_rows(store: Store) -> None:
    stored = build_run(store, rows(2), (VOUS,), repeats=3)
    store.upsert_cells(
        stored.id,
        [
            ok("r00", 0, GOOD, repeat=0),
            ok("r00", 0, BAD, repeat=1),
            ok("r00", 0, GOOD, repeat=2),
            ok("r01", 0, GOOD, repeat=0),
            ok("r01", 0, GOOD, repeat=1),
            ok("r01", 0, GOOD, repeat=2),
        ],
    )
    version = rubric(store, SHIPPED)
    score_run(store, stored.id, version)
    [report] = column_report(store, stored.id, version.id)
    repeats = report.repeats
    assert repeats is not None and repeats.k == 3
    assert repeats.flaky_rows == ("r00",)
    by_row = {r.row_id: r for r in repeats.rows}
    assert (by_row["r00"].pass_at_k, by_row["r00"].pass_hat_k) == (1.0, 0.0)
    assert (by_row["r01"].pass_at_k, by_row["r01"].pass_hat_k) == (1.0, 1.0)
    assert by_row["r00"].distinct_answers == 2


def test_agreement_of_rubric_and_judge_with_human_ratings(store: Store) -> None:
    stored = build_run(store, rows(4), (VOUS,))
    outputs = [GOOD, GOOD, BAD, "Bonjour, votre commande est en préparation."]
    store.upsert_cells(stored.id, [ok(f"r{i:02d}", 0, text) for i, text in enumerate(outputs)])
    # The "judge" here is a deterministic stand-in stored as an llm-judge result would be.
    judge = CriterionSpec(kind="contains", name="greets", config={"value": "Bonjour"})
    version = rubric(store, SHIPPED, judge, threshold=0.5)
    score_run(store, stored.id, version)
    # Rename the second criterion's kind in the stored results to the judge's, as a real
    # llm-judge criterion would have stored it, so calibration picks it up.
    stored_scores = store.scores(stored.id, version.id)
    store.upsert_scores(
        stored.id,
        [
            type(s)(
                s.key,
                s.rubric_version_id,
                s.passed,
                s.score,
                s.error,
                (s.criteria[0], {**s.criteria[1], "kind": "llm-judge"}),
                s.scored_at,
            )
            for s in stored_scores
        ],
    )
    human = [True, True, False, False]
    for index, verdict in enumerate(human):
        store.save_rating(Rating(stored.id, f"r{index:02d}", 0, 0, "ana", AT, passed=verdict))
    # A rating with only a comment does not count for calibration.
    store.save_rating(Rating(stored.id, "r00", 0, 0, "ben", AT, comment="ok"))
    [report] = column_report(store, stored.id, version.id)
    rubric_agreement = report.agreement["rubric"]
    # Rubric (threshold 0.5): pass, pass, fail, pass; humans: pass, pass, fail, fail.
    assert rubric_agreement.items == 4
    assert rubric_agreement.observed == pytest.approx(0.75)
    assert rubric_agreement.kappa == pytest.approx(0.5)
    assert rubric_agreement.matrix.count(False, True) == 1
    greets = report.agreement["greets"]
    # Judge: fail, fail, fail, pass against pass, pass, fail, fail.
    assert greets.observed == pytest.approx(0.25)


def test_columns_by_index_or_label(store: Store) -> None:
    stored = build_run(store, rows(1), (VOUS, None))
    run = store.get_run(stored.id)
    assert resolve_column(run, "1").index == 1
    assert resolve_column(run, "NO PERSONA").index == 1
    assert resolve_column(run, "persona-0").index == 0
    with pytest.raises(NotFoundError, match="'suivi' matches 2 columns"):
        resolve_column(run, "suivi")
    with pytest.raises(NotFoundError, match=r"no column of run .* matches 'gpt'"):
        resolve_column(run, "gpt")
    with pytest.raises(NotFoundError, match=r"has no column 5 \(columns 0 to 1\)"):
        resolve_column(run, "5")


def test_cells_without_scores_count_only_in_costs(store: Store) -> None:
    stored = build_run(store, rows(3), (VOUS,))
    cells = [ok(f"r{i:02d}", 0, GOOD if i else BAD) for i in range(3)]
    store.upsert_cells(stored.id, cells)
    version = rubric(store, SHIPPED)
    # Only the first two cells are scored (as when a run is scored while it finishes).
    make_cell_scorer(store, stored.id, version).score_many(cells[:2])
    [report] = column_report(store, stored.id, version.id)
    assert report.scored == 2
    assert (report.stats.cells, report.stats.judged, report.stats.passed) == (3, 2, 1)
    assert report.stats.cost_usd == pytest.approx(0.003)
