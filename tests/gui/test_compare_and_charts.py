"""Compare two columns (statistics, verdict, pairwise and blind review) and the charts."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import (
    add_fake_model,
    add_rubric,
    open_live_window,
    wait_finished,
)
from workbench.app.runs import RowSelection, build_spec
from workbench.app.services import Services
from workbench.gui.main_window import MainWindow
from workbench.gui.models.chart_data import RunChartData, prompt_trend
from workbench.gui.models.compare_data import CompareData, blind_swapped
from workbench.gui.models.word_diff import word_diff_html
from workbench.gui.views.charts_view import ChartsView
from workbench.gui.views.compare_view import CompareView
from workbench.gui.views.results_view import ResultsView
from workbench.gui.widgets.prompt_trend_chart import PromptTrendChart
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer


def finished_run(qtbot: QtBot, window: MainWindow, store: Store) -> tuple[int, ResultsView]:
    spec = build_spec(
        store,
        prompts=["order-tracking@v1", "order-tracking@v2"],
        personas=[],
        models=["fake"],
        dataset="support-messages",
        rows=RowSelection(),
        rubric="polite",
    )
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        window.runs.start_run(spec, "v1 vs v2")
    run_id = int(opened.args[2].split(":")[1])
    wait_finished(qtbot, window.runs.controller(run_id))
    return run_id, opened.args[0]


@pytest.fixture()
def run(
    qtbot: QtBot, store: Store, services: Services, server: FakeLLMServer
) -> tuple[MainWindow, int, ResultsView]:
    add_fake_model(store, server)
    add_rubric(store)
    window = open_live_window(qtbot, services)
    run_id, view = finished_run(qtbot, window, store)
    return window, run_id, view


def test_compare_shows_paired_statistics_and_a_verdict(
    qtbot: QtBot, run: tuple[MainWindow, int, ResultsView]
) -> None:
    window, _run_id, results = run
    with qtbot.waitSignal(window.runs.view_opened, timeout=5_000) as opened:
        qtbot.mouseClick(results._compare_button, Qt.MouseButton.LeftButton)
    view = opened.args[0]
    assert isinstance(view, CompareView)
    assert window.tabs.currentWidget() is view
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    data = view.data
    assert isinstance(data, CompareData)
    assert data.comparison is not None
    stats = view.stats.toPlainText()
    paired = data.comparison.comparison
    verdict = data.comparison.verdict.replace(paired.label_a, "A").replace(paired.label_b, "B")
    assert verdict.split(".")[0] in stats and "order-tracking" not in verdict.split(".")[0]
    assert "Pass rate" in stats and "67% of 3" in stats
    assert "McNemar" in stats
    assert len(data.rows) == 3
    assert "Bonjour" in view.left.toPlainText()
    assert "Where is my parcel" not in view.left.toPlainText()
    assert view.question.text()  # the row's message is shown above the answers
    assert "A</b> · order-tracking@v1" in view.left_title.text()


def test_pairwise_review_from_the_keyboard_with_blind_mode(
    qtbot: QtBot, run: tuple[MainWindow, int, ResultsView], store: Store
) -> None:
    window, run_id, _results = run
    view = window.runs.open_compare(run_id, 0, 1)
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    view.blind.setChecked(True)
    assert view.stats.isHidden()
    assert view.left_title.text() == "<b>Left</b>"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    rows = [row.row_id for row in view.data.rows]  # type: ignore[union-attr]

    with qtbot.waitSignal(view.preference_saved, timeout=5_000):
        qtbot.keyClick(view, Qt.Key.Key_L)
    with qtbot.waitSignal(view.preference_saved, timeout=5_000):
        qtbot.keyClick(view, Qt.Key.Key_T)
    qtbot.keyClick(view, Qt.Key.Key_K)
    qtbot.keyClick(view, Qt.Key.Key_K)
    assert view.current_row().row_id == rows[0]  # type: ignore[union-attr]
    assert "Your preference: <b>left</b>" in view.preference_label.text()

    stored = {p.row_id: p for p in store.preferences(run_id, 0, 1)}
    expected = "b" if blind_swapped(run_id, rows[0]) else "a"
    assert stored[rows[0]].winner == expected
    assert stored[rows[0]].blinded is True
    assert stored[rows[1]].winner == "tie"
    # Each saved preference starts a new read; wait for the last one, not an earlier one.
    qtbot.waitUntil(
        lambda: (
            not view.loading
            and view.data is not None
            and view.data.comparison is not None
            and view.data.comparison.preferences is not None
        ),
        timeout=10_000,
    )
    view.blind.setChecked(False)
    assert "Reviewers" in view.stats.toPlainText()


def test_word_diff_marks_only_the_words_that_differ() -> None:
    left, right = word_diff_html(
        "Bonjour, votre colis arrive demain.", "Salut, ton colis arrive demain.\nÀ bientôt"
    )
    marked = re.compile(r"<span style='[^']*'>(.*?)</span>")
    assert marked.findall(left) == ["Bonjour,", "votre"]
    assert marked.findall(right) == ["Salut,", "ton", "<br/>À bientôt"]
    assert "colis arrive demain." in marked.sub("", left)


def test_charts_show_rates_latency_cost_and_the_prompt_trend(
    qtbot: QtBot, run: tuple[MainWindow, int, ResultsView], store: Store
) -> None:
    window, run_id, results = run
    second_id, _ = finished_run(qtbot, window, store)
    with qtbot.waitSignal(window.runs.view_opened, timeout=5_000) as opened:
        qtbot.mouseClick(results._charts_button, Qt.MouseButton.LeftButton)
    view = opened.args[0]
    assert isinstance(view, ChartsView)
    with qtbot.waitSignals([view.run_charted, view.trend_charted], timeout=15_000) as both:
        pass
    del both
    charts = view.run_charts
    legend = charts.legend.text()
    assert "rubric <b>polite@v1</b>" in legend
    assert "<b>A</b> order-tracking@v1" in legend and "pass 67% of 3" in legend
    assert len(charts.pass_plot.items) >= 2  # bars and their interval bars
    assert len(charts.latency_plot.items) >= 2
    assert view.family.currentText() == "order-tracking"
    assert "2 version(s) over 2 scored run(s)" in view.trend.caption.text()

    points = prompt_trend(store, "order-tracking")
    assert {(p.run_id, p.version) for p in points} == {
        (run_id, 1),
        (run_id, 2),
        (second_id, 1),
        (second_id, 2),
    }
    assert all(p.judged == 3 and p.low <= p.pass_rate <= p.high for p in points)


def test_chart_data_without_a_rubric_still_has_latency_and_cost(
    qtbot: QtBot, store: Store, services: Services, server: FakeLLMServer
) -> None:
    add_fake_model(store, server)
    window = open_live_window(qtbot, services)
    spec = build_spec(
        store,
        prompts=["order-tracking"],
        personas=["camille"],
        models=["fake"],
        dataset="support-messages",
    )
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        window.runs.start_run(spec, "unscored")
    run_id = int(opened.args[2].split(":")[1])
    wait_finished(qtbot, window.runs.controller(run_id))
    assert "Not scored" in opened.args[0]._message.text()
    view = window.runs.open_charts(run_id)
    with qtbot.waitSignal(view.run_charted, timeout=10_000) as charted:
        pass
    data = charted.args[0]
    assert isinstance(data, RunChartData)
    assert data.rubric_ref is None
    assert data.columns[0].pass_rate is None
    assert len(data.columns[0].latencies_ms) == 3
    assert "Not scored" in view.run_charts.legend.text()


def test_the_prompt_trend_keeps_models_apart(
    qtbot: QtBot, run: tuple[MainWindow, int, ResultsView], store: Store, server: FakeLLMServer
) -> None:
    window, first_id, _ = run
    add_fake_model(store, server, name="other")
    spec = build_spec(
        store,
        prompts=["order-tracking@v1"],
        personas=[],
        models=["fake", "other"],
        dataset="support-messages",
        rows=RowSelection(),
        rubric="polite",
    )
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        window.runs.start_run(spec, "two models")
    second_id = int(opened.args[2].split(":")[1])
    wait_finished(qtbot, window.runs.controller(second_id))

    points = prompt_trend(store, "order-tracking")
    second = [p for p in points if p.run_id == second_id]
    # One point per model, never one pooled point for the version across both models.
    assert sorted(p.setting.split(" · ")[1] for p in second) == ["fake@v1", "other@v1"]
    assert all(p.judged == 3 for p in second)
    assert {p.setting for p in points if p.run_id == first_id} == {
        "support-messages@v1 · fake@v1 · polite@v1"
    }
    chart = PromptTrendChart()
    qtbot.addWidget(chart)
    chart.show_points("order-tracking", points)
    assert "2 settings (dataset · model · rubric) are drawn apart" in chart.caption.text()
