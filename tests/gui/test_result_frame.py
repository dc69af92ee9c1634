"""ResultFrame: the Qt-free grid state fed by engine events, scores and ratings."""

from __future__ import annotations

import pytest

from tests.gui.run_fixtures import columns, error, ok
from workbench.core.runs import CellKey, CellStatus
from workbench.engine.events import CellDelta, CellFinished, CellStarted
from workbench.gui.models.cell_blocks import contiguous_blocks
from workbench.gui.models.result_frame import ResultFrame


def frame(rows: int = 4, cols: int = 2, repeats: int = 1) -> ResultFrame:
    return ResultFrame([f"r{i}" for i in range(rows)], columns(cols), repeats)


def test_streamed_text_grows_then_the_final_output_replaces_it() -> None:
    grid = frame()
    key = CellKey("r1", 1)
    changed = grid.apply_events([CellStarted(key), CellDelta(key, "Bonjour"), CellDelta(key, " !")])
    assert changed == {(1, 1)}
    state = grid.state(1, 1)
    assert state is not None
    assert (state.status, state.text) == (CellStatus.RUNNING, "Bonjour !")
    grid.apply_events([CellFinished(ok("r1", 1, "Bonjour, votre colis arrive demain."))])
    assert grid.state(1, 1).text == "Bonjour, votre colis arrive demain."  # type: ignore[union-attr]
    assert grid.column_stats(1).done == 1


def test_events_for_unknown_rows_or_columns_change_nothing() -> None:
    grid = frame()
    assert (
        grid.apply_events([CellDelta(CellKey("nope", 0), "x"), CellStarted(CellKey("r0", 9))])
        == set()
    )


def test_column_statistics_ignore_errors_as_failures_and_follow_rescoring() -> None:
    grid = frame(rows=4, cols=1)
    grid.apply_result(ok("r0", 0, "a", latency=100))
    grid.apply_result(ok("r1", 0, "b", latency=300))
    grid.apply_result(ok("r2", 0, "c", latency=200))
    grid.apply_result(error("r3", 0))
    grid.apply_score(CellKey("r0", 0), 1.0, True)
    grid.apply_score(CellKey("r1", 0), 0.0, False)
    stats = grid.column_stats(0)
    assert (stats.done, stats.errors, stats.scored, stats.passed) == (4, 1, 2, 1)
    assert stats.pass_rate == 0.5
    assert stats.p50_latency_ms == 200
    assert stats.cost_usd == pytest.approx(0.003)
    grid.apply_score(CellKey("r1", 0), 0.9, True)  # rescored: replaces, never double counts
    assert (stats.scored, stats.passed) == (2, 2)
    assert stats.mean_score == pytest.approx(0.95)


def test_a_retried_cell_starts_over() -> None:
    grid = frame(rows=1, cols=1)
    grid.apply_result(error("r0", 0))
    assert grid.column_stats(0).errors == 1
    grid.apply_events([CellStarted(CellKey("r0", 0))])
    assert grid.column_stats(0).errors == 0
    assert grid.state(0, 0).status == CellStatus.RUNNING  # type: ignore[union-attr]


def test_row_filters_find_failures_errors_disagreements_and_flaky_rows() -> None:
    grid = frame(rows=4, cols=2, repeats=2)
    grid.apply_score(CellKey("r0", 0), 1.0, True)
    grid.apply_score(CellKey("r0", 1), 0.0, False)  # columns disagree
    grid.apply_result(error("r1", 0))
    grid.apply_score(CellKey("r2", 0, 0), 1.0, True)
    grid.apply_score(CellKey("r2", 0, 1), 0.0, False)  # repeats disagree
    grid.apply_score(CellKey("r3", 0), 1.0, True)
    grid.apply_score(CellKey("r3", 1), 1.0, True)
    assert [grid.row_has_failures(r) for r in range(4)] == [True, False, True, False]
    assert [grid.row_has_errors(r) for r in range(4)] == [False, True, False, False]
    assert [grid.row_has_disagreement(r) for r in range(4)] == [True, False, False, False]
    assert [grid.row_is_flaky(r) for r in range(4)] == [False, False, True, False]


def test_ratings_are_checked() -> None:
    grid = frame()
    grid.set_rating(CellKey("r0", 0), "4")
    assert grid.state(0, 0).rating == "4"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="unknown rating '9'"):
        grid.set_rating(CellKey("r0", 0), "9")


def test_a_large_frame_starts_without_cell_objects() -> None:
    grid = frame(rows=100_000, cols=4)
    assert grid.total_cells == 400_000
    assert grid.state(99_999, 3) is None
    assert grid.position(CellKey("r99999", 3)) == (99_999, 3)


@pytest.mark.parametrize(
    ("cells", "blocks"),
    [
        ([(0, 0)], [(0, 0, 0, 0)]),
        ([(2, 0), (0, 0), (1, 0)], [(0, 2, 0, 0)]),
        ([(0, 0), (2, 0)], [(0, 0, 0, 0), (2, 2, 0, 0)]),
        ([(0, 0), (1, 0), (0, 1), (1, 1), (0, 3)], [(0, 1, 0, 1), (0, 0, 3, 3)]),
        ([(5, 1), (5, 1)], [(5, 5, 1, 1)]),
    ],
)
def test_changed_cells_are_grouped_into_exact_contiguous_blocks(
    cells: list[tuple[int, int]], blocks: list[tuple[int, int, int, int]]
) -> None:
    found = contiguous_blocks(cells)
    assert found == blocks
    covered = {
        (r, c) for r0, r1, c0, c1 in found for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
    }
    assert covered == set(cells)


def test_loading_at_once_matches_applying_one_by_one() -> None:
    from datetime import UTC, datetime

    from tests.gui.run_fixtures import columns, error, ok
    from workbench.core.reviews import CellScore

    rows = [f"r{i}" for i in range(6)]
    results = [
        ok(r, c, f"answer {r} {c}", latency=10.0 * i) for i, r in enumerate(rows) for c in (0, 1)
    ]
    results.append(error("r5", 1))
    now = datetime.now(UTC)
    scores = [
        CellScore(
            r.key, "rubric", r.key.column == 0, 1.0 if r.key.column == 0 else 0.2, None, (), now
        )
        for r in results[:8]
    ]
    stepwise = ResultFrame(rows, columns(2))
    for result in results:
        stepwise.apply_result(result)
    for score in scores:
        stepwise.apply_score(score.key, score.score, score.passed, score.criteria, score.error)
    stepwise.set_human(CellKey("r0", 0), 4, True)
    at_once = ResultFrame(rows, columns(2))
    at_once.load(results, scores, [(CellKey("r0", 0), 4, True), (CellKey("elsewhere", 0), 1, None)])
    for column in (0, 1):
        a, b = stepwise.column_stats(column), at_once.column_stats(column)
        assert (a.done, a.errors, a.scored, a.passed, a.score_sum, a.cost_usd) == (
            b.done,
            b.errors,
            b.scored,
            b.passed,
            b.score_sum,
            b.cost_usd,
        )
        assert a.p50_latency_ms == b.p50_latency_ms
        for row in range(len(rows)):
            assert stepwise.state(row, column) == at_once.state(row, column)
    assert at_once.state(0, 0).rating == "4 pass"  # type: ignore[union-attr]
