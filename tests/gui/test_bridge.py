"""EngineBridge: events cross from the asyncio thread to the GUI thread in coalesced batches."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from workbench.gui.bridge import EngineBridge
from workbench.gui.event_coalescing import coalesce_deltas


@dataclass(frozen=True)
class Delta:
    key: int
    text: str


@dataclass(frozen=True)
class Finished:
    key: int


@pytest.fixture()
def bridge(qtbot: QtBot) -> Iterator[EngineBridge]:
    bridge = EngineBridge(coalesce=partial(coalesce_deltas, delta_type=Delta))
    yield bridge
    bridge.shutdown()


def test_thousands_of_events_arrive_in_few_batches_while_the_gui_stays_responsive(
    qtbot: QtBot, bridge: EngineBridge
) -> None:
    cells, tokens_per_cell = 40, 250
    batches: list[list[Any]] = []
    bridge.events_arrived.connect(batches.append)
    heartbeats: list[int] = []
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(lambda: heartbeats.append(len(batches)))
    heartbeat.start()
    producer_threads: set[str] = set()

    async def stream(sink: Any) -> str:
        producer_threads.add(threading.current_thread().name)
        for token in range(tokens_per_cell):
            for cell in range(cells):
                sink(Delta(cell, f"{token},"))
            await asyncio.sleep(0.001)
        for cell in range(cells):
            sink(Finished(cell))
        return "done"

    with qtbot.waitSignal(bridge.task_finished, timeout=20_000) as finished:
        bridge.submit(stream)
    heartbeat.stop()

    assert finished.args[1:] == ["done", None]
    assert producer_threads == {"workbench-engine"}
    events = [event for batch in batches for event in batch]
    expected = "".join(f"{token}," for token in range(tokens_per_cell))
    for cell in range(cells):
        text = "".join(e.text for e in events if isinstance(e, Delta) and e.key == cell)
        assert text == expected
    assert sum(isinstance(e, Finished) for e in events) == cells
    # Coalescing: at most one delta per cell per batch, far fewer than the 10,000 posted.
    for batch in batches:
        keys = [e.key for e in batch if isinstance(e, Delta)]
        assert len(keys) == len(set(keys))
    assert len(batches) < cells * tokens_per_cell / 10
    # The GUI thread ran its own timer between batches: it was never blocked by the stream.
    assert len(set(heartbeats)) > 1


def test_the_finished_signal_comes_after_the_tasks_last_events(
    qtbot: QtBot, bridge: EngineBridge
) -> None:
    order: list[str] = []
    bridge.events_arrived.connect(lambda batch: order.extend(f"event {e.key}" for e in batch))
    bridge.task_finished.connect(lambda *_: order.append("finished"))

    async def burst(sink: Any) -> None:
        for key in range(3):
            sink(Finished(key))

    with qtbot.waitSignal(bridge.task_finished, timeout=5_000):
        bridge.submit(burst)
    assert order == ["event 0", "event 1", "event 2", "finished"]


def test_cancel_stops_a_running_task_and_reports_cancellation(
    qtbot: QtBot, bridge: EngineBridge
) -> None:
    cleaned_up = threading.Event()
    started = threading.Event()

    async def forever(sink: Any) -> None:
        try:
            started.set()
            while True:
                sink(Delta(0, "x"))
                await asyncio.sleep(0.01)
        finally:
            cleaned_up.set()

    task_id = bridge.submit(forever)
    assert started.wait(5)
    with qtbot.waitSignal(bridge.task_finished, timeout=5_000) as finished:
        assert bridge.cancel(task_id)
    assert finished.args[0] == task_id
    assert isinstance(finished.args[2], asyncio.CancelledError)
    assert cleaned_up.is_set()
    assert bridge.active_tasks == 0
    assert not bridge.cancel(task_id)


def test_an_exception_in_a_task_is_reported_not_raised(qtbot: QtBot, bridge: EngineBridge) -> None:

    async def broken(sink: Any) -> None:
        raise ValueError("provider table is broken")

    with qtbot.waitSignal(bridge.task_finished, timeout=5_000) as finished:
        bridge.submit(broken)
    error = finished.args[2]
    assert isinstance(error, ValueError)
    assert "provider table" in str(error)


def test_shutdown_cancels_running_work_and_joins_the_thread(
    qtbot: QtBot, bridge: EngineBridge
) -> None:
    cleaned_up = threading.Event()
    started = threading.Event()

    async def forever(sink: Any) -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned_up.set()

    bridge.submit(forever)
    assert started.wait(5)
    bridge.shutdown()
    assert not bridge.running
    assert cleaned_up.is_set()


def test_coalescing_keeps_each_cells_order_around_other_events() -> None:
    events = [
        Delta(1, "a"),
        Delta(2, "x"),
        Delta(1, "b"),
        Finished(1),
        Delta(1, "late"),
        Delta(2, "y"),
    ]
    merged = coalesce_deltas(events, Delta)
    assert merged == [Delta(1, "ab"), Delta(2, "xy"), Finished(1), Delta(1, "late")]
