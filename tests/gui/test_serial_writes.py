"""SerialWrites: small writes run off the GUI thread in the order they were made."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from workbench.app.services import Services
from workbench.core.errors import ValidationError
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge
from workbench.gui.serial_writes import SerialWrites


@pytest.fixture()
def writes(qtbot: QtBot, services: Services) -> Iterator[SerialWrites]:
    bridge = EngineBridge()
    yield SerialWrites(BackgroundJobs(bridge, services.open_store))
    bridge.shutdown()


def test_writes_run_in_order_off_the_gui_thread_and_the_last_word_wins(
    qtbot: QtBot, writes: SerialWrites
) -> None:
    calls: list[tuple[str, str]] = []
    gate = threading.Event()

    def record(name: str) -> Any:
        def write(store: Any) -> str:
            if name == "first":
                gate.wait(5)  # hold the first batch while more writes are queued
            calls.append((name, threading.current_thread().name))
            return name

        return write

    written: list[tuple[object, object]] = []
    writes.written.connect(lambda key, value: written.append((key, value)))
    writes.write("cell-1", record("first"))
    writes.write("cell-2", record("second"))
    writes.write("cell-1", record("stale"))  # replaced before it ran
    writes.write("cell-1", record("latest"))
    gate.set()
    qtbot.waitUntil(lambda: writes.idle, timeout=5_000)
    assert [name for name, _ in calls] == ["first", "second", "latest"]
    assert threading.main_thread().name not in {thread for _, thread in calls}
    assert written == [("cell-1", "first"), ("cell-2", "second"), ("cell-1", "latest")]


def test_a_refused_write_is_reported_and_the_next_ones_still_run(
    qtbot: QtBot, writes: SerialWrites
) -> None:
    failures: list[tuple[object, str]] = []
    writes.failed.connect(lambda key, message: failures.append((key, message)))
    done: list[object] = []
    writes.written.connect(lambda key, _value: done.append(key))

    def refuse(store: Any) -> None:
        raise ValidationError("a review score is 1 to 5, not 9")

    writes.write("bad", refuse)
    writes.write("good", lambda store: store.list_families())
    qtbot.waitUntil(lambda: writes.idle, timeout=5_000)
    assert failures == [("bad", "a review score is 1 to 5, not 9")]
    assert done == ["good"]
