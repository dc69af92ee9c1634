"""Many runs under garbage-collector pressure: garbage is collected on the GUI thread only.

Cyclic garbage holding Qt wrappers, collected on the engine's thread, crashed a test session
("Fatal Python error: Segmentation fault ... Garbage-collecting" in `create_run`). Here the
engine thread allocates cycles by the thousand while the GUI thread leaves Qt objects in cycles
behind, and every collection the interpreter starts is recorded with its thread.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import FAST, add_fake_model, add_rubric, wait_finished
from workbench.app.runs import build_spec
from workbench.app.services import Services
from workbench.core.runs import CellStatus
from workbench.gui.bridge import EngineBridge
from workbench.gui.garbage_collection import GuiGarbageCollector
from workbench.gui.run_controller import RunController
from workbench.gui.run_events import coalesce_run_events
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer

ROUNDS = 4
RUNS_PER_ROUND = 3
CYCLES_PER_PROVIDER = 30_000


def _make_cycles(count: int) -> None:
    for _ in range(count):
        node: list[Any] = []
        node.append(node)


@pytest.fixture()
def collections() -> Iterator[list[str]]:
    """The name of the thread of every collection started during the test."""
    threads: list[str] = []

    def record(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(record)
    yield threads
    gc.callbacks.remove(record)


def test_many_runs_under_gc_pressure_collect_on_the_gui_thread_only(
    qtbot: QtBot,
    store: Store,
    services: Services,
    server: FakeLLMServer,
    collections: list[str],
    gui_thread_garbage_collector: GuiGarbageCollector,
) -> None:
    assert not gc.isenabled(), "automatic collection must be off in the GUI process"
    add_fake_model(store, server)
    add_rubric(store)
    real_factory = services.provider_factory()

    def pressured_factory(config: Any) -> Any:
        _make_cycles(CYCLES_PER_PROVIDER)  # runs on the engine thread
        return real_factory(config)

    qt_cycles: list[weakref.ref[QObject]] = []

    def leave_qt_cycles(_events: list[Any]) -> None:
        for _ in range(20):
            holder = QObject()
            holder.me = holder  # type: ignore[attr-defined]
            qt_cycles.append(weakref.ref(holder))

    collected_before = gui_thread_garbage_collector.collections
    bridge = EngineBridge(coalesce=coalesce_run_events)
    finished: list[RunController] = []
    try:
        for _ in range(ROUNDS):
            controllers = []
            for _ in range(RUNS_PER_ROUND):
                controller = RunController(
                    bridge, services.open_store, pressured_factory, options=FAST
                )
                controller.events_received.connect(leave_qt_cycles)
                spec = build_spec(
                    store,
                    prompts=["order-tracking@v2"],
                    personas=["camille"],
                    models=["fake"],
                    dataset="support-messages",
                    repeats=2,
                    rubric="polite",
                )
                controller.start(spec, "gc pressure")
                controllers.append(controller)
            for controller in controllers:
                wait_finished(qtbot, controller)
            # Retrying errors (there are none) and resuming walk the other engine paths.
            for controller in controllers:
                controller.retry_errors()
                wait_finished(qtbot, controller)
                controller.resume()
                wait_finished(qtbot, controller)
            finished.extend(controllers)
    finally:
        bridge.shutdown()

    off_thread = [name for name in collections if name != threading.main_thread().name]
    assert not off_thread, f"garbage collected off the GUI thread: {sorted(set(off_thread))}"
    assert gui_thread_garbage_collector.collections > collected_before
    assert any(ref() is None for ref in qt_cycles), "the GUI-thread timer freed no Qt cycle"
    assert len(finished) == ROUNDS * RUNS_PER_ROUND
    for controller in finished:
        assert controller.run_id is not None
        cells = store.cells(controller.run_id)
        assert len(cells) == 6
        assert all(cell.status is CellStatus.OK for cell in cells)
