"""First launch: the demo comparison is one click away; the Approved section; run isolation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import (
    FAST,
    add_fake_model,
    add_rubric,
    open_live_window,
    wait_finished,
)
from workbench.app.approvals import ApprovalRequest, approve_bundle
from workbench.app.runs import build_spec
from workbench.app.services import Services
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.runs import CellStatus
from workbench.gui.bridge import EngineBridge
from workbench.gui.models.navigator_entries import NO_APPROVALS_HINT
from workbench.gui.models.result_frame import ResultFrame
from workbench.gui.models.results_table_model import ResultsTableModel
from workbench.gui.run_controller import RunController
from workbench.gui.run_events import coalesce_run_events
from workbench.gui.views.approval_viewer import ApprovalViewer
from workbench.gui.views.results_view import ResultsView
from workbench.providers.compat import OpenAICompatibleProvider
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer


def test_the_demo_comparison_runs_from_the_welcome_page_and_is_scored(
    qtbot: QtBot, services: Services, server: FakeLLMServer
) -> None:
    services.ensure_demo_loaded()
    used: list[str] = []

    def to_fake_server(config: ModelConfigContent) -> OpenAICompatibleProvider:
        # The embedded model takes minutes to answer the demo on a test machine: its config
        # is answered by the fake server instead, through the same lean client it uses.
        used.append(config.provider)
        return OpenAICompatibleProvider(name="fake", base_url=server.openai_base_url)

    window = open_live_window(qtbot, services, provider_factory=to_fake_server)
    assert window.tabs.currentWidget() is window.welcome
    assert window.welcome.demo_button.isVisible()
    with qtbot.waitSignal(window.runs.view_opened, timeout=20_000) as opened:
        qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    view = opened.args[0]
    assert isinstance(view, ResultsView)
    run_id = int(opened.args[2].split(":")[1])
    wait_finished(qtbot, window.runs.controller(run_id), timeout=180_000)

    run = services.store.get_run(run_id)
    labels = [c.label.split(" · ") for c in run.columns]
    assert [(prompt, persona.split("@")[0]) for prompt, persona, _model in labels] == [
        ("order-tracking@v2", "conseiller-vous"),
        ("order-tracking@v2", "complice-tu"),
        ("order-tracking@v3", "conseiller-vous"),
        ("order-tracking@v3", "complice-tu"),
    ]
    assert set(used) == {"local"}
    assert view.model.frame.done_count() == 8  # 2 tracking rows × 4 columns
    rubric = services.store.resolve(Kind.RUBRIC, "support-quality")
    assert run.spec.rubric_id == rubric.id
    assert len(services.store.scores(run_id, rubric.id)) == 8
    headers = [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert all("pass " in header for header in headers), headers
    assert window.tabs.indexOf(window.welcome) < 0


def test_without_the_demo_workspace_the_button_is_hidden(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    assert window.welcome.demo_button.isHidden()
    window.run_demo()
    assert "demo workspace" in window.statusBar().currentMessage()


def test_approved_shows_a_hint_until_a_bundle_is_approved(
    qtbot: QtBot, store: Store, services: Services, server: FakeLLMServer
) -> None:
    add_fake_model(store, server)
    add_rubric(store)
    window = open_live_window(qtbot, services)
    assert window.navigator.entries("Approved") == []
    tree = window.navigator.tree
    model = tree.model()
    section = next(
        model.index(row, 0)
        for row in range(model.rowCount())
        if model.index(row, 0).data().startswith("Approved")
    )
    assert section.data() == "Approved  (0)"
    hint = model.index(0, 0, section)
    assert hint.data() == "No approved bundles yet"
    assert hint.data(Qt.ItemDataRole.ToolTipRole) == NO_APPROVALS_HINT
    assert not hint.flags() & Qt.ItemFlag.ItemIsSelectable

    spec = build_spec(
        store,
        prompts=["order-tracking@v2"],
        personas=["camille"],
        models=["fake"],
        dataset="support-messages",
        rubric="polite",
    )
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        window.runs.start_run(spec, "evidence")
    run_id = int(opened.args[2].split(":")[1])
    wait_finished(qtbot, window.runs.controller(run_id))
    approve_bundle(
        store,
        ApprovalRequest(
            bundle="order-support",
            prompt="order-tracking@v2",
            persona="camille",
            model="fake",
            rubric="polite",
            run_ids=(run_id,),
            min_pass_rate=0.5,
        ),
        reviewer="camille",
    )
    qtbot.keyClick(window, Qt.Key.Key_F5)
    [approved] = window.navigator.entries("Approved")
    assert approved.title == "order-support@v1  67% pass"
    view = window.open_entry(approved)
    assert isinstance(view, ApprovalViewer)
    text = view.browser.toPlainText()
    assert "2 of 3 judged cells passed" in text and "#1 evidence" in text


def test_two_runs_streaming_at_once_stay_in_their_own_grids(
    qtbot: QtBot, store: Store, services: Services, server: FakeLLMServer
) -> None:
    add_fake_model(store, server)
    server.faults.chunk_delay_ms = 5
    bridge = EngineBridge(coalesce=coalesce_run_events)
    factory = services.provider_factory()
    controllers = [
        RunController(bridge, services.open_store, factory, options=FAST) for _ in range(2)
    ]
    models: list[ResultsTableModel] = []
    try:
        for prompt, controller in zip(
            ("order-tracking@v1", "order-tracking@v2"), controllers, strict=True
        ):
            spec = build_spec(
                store,
                prompts=[prompt],
                personas=["camille"],
                models=["fake"],
                dataset="support-messages",
            )

            def opened(run_id: int, c: RunController = controller) -> None:
                run = store.get_run(run_id)
                model = ResultsTableModel(ResultFrame(["fr-001", "fr-002", "en-001"], run.columns))
                c.events_received.connect(model.apply_events)
                models.append(model)

            controller.run_created.connect(opened)
            controller.start(spec, prompt)
        for controller in controllers:
            wait_finished(qtbot, controller)
    finally:
        bridge.shutdown()
    assert [m.frame.done_count() for m in models] == [3, 3]
    for model, controller in zip(models, controllers, strict=True):
        stored = {c.key: c.output for c in store.cells(controller.run_id or 0)}
        for row in range(3):
            key = model.key_at(row, 0)
            state = model.frame.state(row, 0)
            assert state is not None and state.status is CellStatus.OK
            assert state.text == stored[key]


def test_a_run_that_cannot_be_created_says_why(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    store.save_version(
        Kind.MODEL,
        "priced",
        ModelConfigContent(
            provider="openai-compatible",
            model="m",
            base_url="http://127.0.0.1:9/v1",
            input_usd_per_mtok=1000.0,
            output_usd_per_mtok=1000.0,
        ),
        author="t",
    )
    window = open_live_window(qtbot, services)
    spec = build_spec(
        store,
        prompts=["order-tracking"],
        personas=[],
        models=["priced"],
        dataset="support-messages",
        budget_usd=0.0001,
    )
    failures: list[str] = []
    controller = window.runs.start_run(spec, "too dear")
    controller.run_failed.connect(failures.append)
    wait_finished(qtbot, controller)
    assert failures and "budget" in failures[0].lower()
    assert "budget" in window.statusBar().currentMessage().lower()
    assert store.list_runs() == []


def test_first_launch_loads_the_demo_after_the_window_is_up(
    qtbot: QtBot, services: Services
) -> None:
    from workbench.app.services import demo_wanted

    assert demo_wanted(services.store)
    window = open_live_window(qtbot, services)
    assert window.welcome.demo_button.isHidden()  # the window is up before the demo is there
    loader = window.load_demo()
    assert loader.loading and "Loading the demo" in window.statusBar().currentMessage()
    with qtbot.waitSignal(loader.loaded, timeout=60_000):
        pass
    assert not loader.loading and not demo_wanted(services.store)
    assert window.welcome.demo_button.isVisible()  # the window read the store again
    assert "order-tracking" in {f.name for f in services.store.list_families(Kind.PROMPT)}
