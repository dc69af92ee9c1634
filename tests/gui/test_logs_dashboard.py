"""The conversation-log dashboard: import with progress, KPIs, gaps, search, transcript, and
datasets made from a cluster or from chosen turns — all through background jobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from workbench.app.services import Services
from workbench.core.models import DatasetContent, Kind
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge
from workbench.gui.views.logs_dashboard import LogsDashboard
from workbench.testing.shop_logs import write_jsonl

WAIT_MS = 120_000  # loading spaCy and clustering on a busy 2-core machine


@pytest.fixture()
def jobs(qtbot: QtBot, services: Services) -> Iterator[BackgroundJobs]:
    bridge = EngineBridge()
    yield BackgroundJobs(bridge, services.open_store)
    bridge.shutdown()


@pytest.fixture()
def shop_log(tmp_path: Path) -> Path:
    path = tmp_path / "shop-logs.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, 150, seed=8)
    return path


def test_import_analyse_search_and_make_datasets(
    qtbot: QtBot, jobs: BackgroundJobs, services: Services, shop_log: Path
) -> None:
    dashboard = LogsDashboard(jobs, author="tester")
    qtbot.addWidget(dashboard)
    messages: list[str] = []
    dashboard.message_posted.connect(messages.append)
    assert "No conversation log yet" in dashboard.title.text()
    # Nothing to analyse yet: no empty axes, and what needs a log is off and says why.
    assert dashboard.trend.is_empty
    assert "Import a conversation log" in dashboard.trend.placeholder.text()
    for widget in (dashboard.analyse_button, dashboard.period, dashboard.search):
        assert not widget.isEnabled()
        assert "Import a conversation log first" in widget.toolTip()
    assert dashboard.import_button.isEnabled()

    with qtbot.waitSignal(dashboard.log_imported, timeout=WAIT_MS) as imported:
        dashboard.import_file(str(shop_log))
        assert dashboard.progress.isVisibleTo(dashboard) and dashboard.cancel_button.isVisibleTo(
            dashboard
        )
    assert imported.args == ["shop-logs"]
    assert any("anonymised" in m and "EMAIL" in m for m in messages)
    qtbot.waitUntil(lambda: dashboard.conversations.rowCount() == 150, timeout=WAIT_MS)
    assert not dashboard.progress.isVisibleTo(dashboard)
    # A log, not analysed yet: Analyse is on, the chart says to analyse.
    assert dashboard.analyse_button.isEnabled() and dashboard.search.isEnabled()
    assert "Ctrl+Shift+A" in dashboard.analyse_button.toolTip()
    assert dashboard.trend.is_empty and "Analyse this log" in dashboard.trend.placeholder.text()

    dashboard.period.setCurrentText("week")
    dashboard.analyse()
    qtbot.waitUntil(lambda: dashboard.gaps.rowCount() > 0, timeout=WAIT_MS)
    assert dashboard.analysis is not None
    assert dashboard.tiles.values["conversations"].text() == "150"
    assert dashboard.tiles.values["containment"].text().endswith("%")
    assert dashboard.trend.periods and dashboard.trend.periods[0].startswith("2026-W")
    assert not dashboard.trend.is_empty
    first_gap = dashboard.analysis["gaps"][0]
    assert int(dashboard.gaps.item(0, 0).data(0x0100)) == first_gap  # ranked by gap score

    dashboard.gaps.selectRow(0)
    assert dashboard.cluster_button.isEnabled()
    dashboard.dataset_name.setText("kb-gaps")
    with qtbot.waitSignal(dashboard.dataset_made, timeout=WAIT_MS) as made:
        dashboard.cluster_button.click()
    assert made.args == ["kb-gaps@v1"]
    content = services.store.resolve(Kind.DATASET, "kb-gaps").content
    assert isinstance(content, DatasetContent) and content.rows
    assert all(r.vars["source_conversation"].startswith("conv-") for r in content.rows)

    dashboard.search.setText("commande")
    dashboard.load_conversations()
    qtbot.waitUntil(lambda: 0 < dashboard.conversations.rowCount() < 150, timeout=WAIT_MS)
    dashboard.conversations.selectRow(0)
    qtbot.waitUntil(lambda: dashboard.transcript.count() > 0, timeout=WAIT_MS)
    for index in range(dashboard.transcript.count()):
        item = dashboard.transcript.item(index)
        assert "@" not in item.text()  # e-mails were replaced before storing
        if item.data(0x0101) == "user":
            item.setSelected(True)
    assert dashboard.turns_button.isEnabled()
    dashboard.dataset_name.setText("picked")
    with qtbot.waitSignal(dashboard.dataset_made, timeout=WAIT_MS):
        dashboard.turns_button.click()
    picked = services.store.resolve(Kind.DATASET, "picked").content
    assert isinstance(picked, DatasetContent) and len(picked.rows) >= 1


def test_cancel_stops_an_import_that_resumes_later(
    qtbot: QtBot, jobs: BackgroundJobs, services: Services, tmp_path: Path
) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, 3000, seed=9)
    dashboard = LogsDashboard(jobs, author="tester")
    qtbot.addWidget(dashboard)
    messages: list[str] = []
    dashboard.message_posted.connect(messages.append)
    dashboard.import_file(str(path), "big")
    dashboard.cancel()  # set before the worker's first check: nothing or little is written
    qtbot.waitUntil(lambda: not dashboard.progress.isVisibleTo(dashboard), timeout=WAIT_MS)
    assert any("cancelled" in m or "stopped" in m.lower() for m in messages)
    assert dashboard.import_button.isEnabled()


def test_an_unknown_log_reports_instead_of_crashing(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    dashboard = LogsDashboard(jobs, "nope", author="tester")
    qtbot.addWidget(dashboard)
    with qtbot.waitSignal(dashboard.message_posted, timeout=WAIT_MS) as posted:
        pass
    assert "no conversation log named 'nope'" in posted.args[0]
    qtbot.waitUntil(lambda: not dashboard.analyse_button.isEnabled(), timeout=WAIT_MS)
    assert "cannot be read" in dashboard.analyse_button.toolTip()
    assert "no conversation log named 'nope'" in dashboard.trend.placeholder.text()
    assert dashboard.trend.is_empty and dashboard.import_button.isEnabled()


def test_an_empty_dashboard_offers_only_the_import(qtbot: QtBot, jobs: BackgroundJobs) -> None:
    dashboard = LogsDashboard(jobs, author="tester")
    qtbot.addWidget(dashboard)
    messages: list[str] = []
    dashboard.message_posted.connect(messages.append)
    dashboard.show()
    assert dashboard.trend.is_empty and dashboard.trend.placeholder.isVisibleTo(dashboard)
    assert not dashboard.trend.plot.isVisibleTo(dashboard)  # no axes with made-up ticks
    assert dashboard.tiles.values["conversations"].text() == "—"
    assert not dashboard.analyse_button.isEnabled() and not dashboard.clustering.isEnabled()
    assert not dashboard.dataset_name.isEnabled() and not dashboard.scenarios_name.isEnabled()
    qtbot.mouseClick(dashboard.analyse_button, Qt.MouseButton.LeftButton)  # nothing starts
    assert dashboard._busy_job is None and not dashboard.progress.isVisibleTo(dashboard)
    assert dashboard.analyse() is None  # called directly, it says what is missing
    assert messages == ["Import a conversation log first."]


def test_make_scenarios_from_a_cluster_and_from_chosen_conversations(
    qtbot: QtBot, jobs: BackgroundJobs, services: Services, tmp_path: Path
) -> None:
    from workbench.app.logs import analyse_log, import_log
    from workbench.core.conversations import ConversationSetContent

    path = tmp_path / "shop.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, 60, seed=12)
    import_log(services.store, path, family="shop", use_ner=False)
    analyse_log(services.store, "shop")
    dashboard = LogsDashboard(jobs, "shop", author="tester")
    qtbot.addWidget(dashboard)
    messages: list[str] = []
    dashboard.message_posted.connect(messages.append)
    qtbot.waitUntil(lambda: dashboard.gaps.rowCount() > 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: dashboard.conversations.rowCount() == 60, timeout=WAIT_MS)
    assert not dashboard.cluster_scenarios_button.isEnabled()

    dashboard.gaps.selectRow(0)
    assert dashboard.cluster_scenarios_button.isEnabled()
    dashboard.scenarios_name.setText("gap-replays")
    with qtbot.waitSignal(dashboard.scenarios_made, timeout=WAIT_MS) as made:
        dashboard.cluster_scenarios_button.click()
    assert made.args == ["gap-replays@v1"]
    assert any("gap-replays@v1" in m and "replayed conversation" in m for m in messages)
    content = services.store.resolve(Kind.CONVERSATIONS, "gap-replays").content
    assert isinstance(content, ConversationSetContent) and content.cases
    cluster = int(dashboard.gaps.item(0, 0).data(0x0100))
    assert all(f"cluster-{cluster}" in c.tags and c.kind == "scripted" for c in content.cases)
    # "unanswered questions" is the default choice: every replay had an unanswered turn.
    assert all("unanswered" in c.tags for c in content.cases)

    # Two selected conversations of the list (the transcript follows the current row).
    dashboard.conversations.selectRow(1)
    qtbot.waitUntil(lambda: dashboard.transcript.count() > 0, timeout=WAIT_MS)
    dashboard.conversations.selectionModel().select(
        dashboard.conversations.model().index(3, 0),
        dashboard.conversations.selectionModel().SelectionFlag.Select
        | dashboard.conversations.selectionModel().SelectionFlag.Rows,
    )
    wanted = [dashboard.conversations.item(r, 0).text() for r in (1, 3)]
    assert dashboard.chosen_conversations() == wanted
    dashboard.scenarios_name.setText("picked")
    with qtbot.waitSignal(dashboard.scenarios_made, timeout=WAIT_MS):
        dashboard.conversations_scenarios_button.click()
    picked = services.store.resolve(Kind.CONVERSATIONS, "picked").content
    assert isinstance(picked, ConversationSetContent)
    assert [c.vars["source_conversation"] for c in picked.cases] == wanted

    # A bad set name is reported, not raised.
    dashboard.scenarios_name.setText("")
    with qtbot.waitSignal(dashboard.message_posted, timeout=WAIT_MS) as posted:
        dashboard.conversations_scenarios_button.click()
    assert "name" in posted.args[0].lower()


def test_analyse_on_a_configured_models_embeddings(
    qtbot: QtBot, jobs: BackgroundJobs, services: Services, tmp_path: Path
) -> None:
    from workbench.app.logs import import_log
    from workbench.core.models import ModelConfigContent
    from workbench.testing.fake_llm import FakeLLMServer

    path = tmp_path / "shop.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, 40, seed=13)
    import_log(services.store, path, family="shop", use_ner=False)
    with FakeLLMServer() as server:
        for name, provider in (("emb", "openai-compatible"), ("claude", "anthropic")):
            config = ModelConfigContent(
                provider=provider, model="m", base_url=server.openai_base_url
            )
            services.store.save_version(Kind.MODEL, name, config)
        dashboard = LogsDashboard(jobs, "shop", author="tester")
        qtbot.addWidget(dashboard)
        # Only models that may serve embeddings are offered; TF-IDF stays the default.
        qtbot.waitUntil(lambda: dashboard.clustering.count() == 2, timeout=WAIT_MS)
        assert dashboard.clustering.currentData() is None
        assert dashboard.clustering.itemData(1) == "emb"
        dashboard.clustering.setCurrentIndex(1)
        dashboard.analyse()
        qtbot.waitUntil(lambda: dashboard.gaps.rowCount() > 0, timeout=WAIT_MS)
        assert dashboard.analysis is not None
        assert dashboard.analysis["clustering"] == "embeddings:emb"
        assert any(r.path.endswith("/embeddings") for r in server.requests)
