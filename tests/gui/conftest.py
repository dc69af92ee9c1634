"""Fixtures for GUI tests: offscreen Qt, a hermetic workspace home, and no Qt warnings allowed."""

from __future__ import annotations

import gc
import os

# Chosen before anything imports Qt: the platform plugin is fixed when the first Qt module loads.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from tests.gui.live_fixtures import greeting_responder
from tests.gui.workspace_seed import seed_workspace
from workbench.app.services import Services
from workbench.gui.garbage_collection import GuiGarbageCollector
from workbench.gui.pyside_workarounds import guard_singleton_refcounts
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer

# As the application does at start-up (`create_application`): without it a long test session
# can abort inside PySide6 (see `workbench.gui.pyside_workarounds`).
guard_singleton_refcounts()

_FAILING = {QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg}
# The offscreen platform plugin says this whenever a top-level window is shown: it is the test
# platform admitting a missing feature, not a fault of the code under test.
_PLATFORM_NOISE = {"This plugin does not support propagateSizeHints()"}


@pytest.fixture(scope="package", autouse=True)
def gui_thread_garbage_collector(qapp: QApplication) -> Iterator[GuiGarbageCollector]:
    """As the application does: no automatic collection, a GUI-thread timer collects.

    Without it the collector runs on whichever thread allocates, and freeing Qt wrappers held in
    cycles on the engine's thread crashes the test session (a segmentation fault).
    """
    collector = GuiGarbageCollector(qapp)
    yield collector
    collector.stop()
    collector.deleteLater()


@pytest.fixture(autouse=True)
def qt_warnings_fail() -> Iterator[list[str]]:
    """Collect Qt warnings during the test and fail it at teardown if there were any.

    A Qt warning almost always means a real bug (a bad index, a connection to a deleted object,
    a model misused), so it must not scroll past unseen.
    """
    collected: list[str] = []

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if kind in _FAILING and message not in _PLATFORM_NOISE:
            collected.append(f"{kind.name}: {message} ({context.file}:{context.line})")
        if previous is not None:
            previous(kind, context, message)

    previous = qInstallMessageHandler(handler)
    yield collected
    qInstallMessageHandler(previous)
    assert not collected, "Qt warnings during the test:\n" + "\n".join(collected)


@pytest.fixture(autouse=True)
def collect_after_test() -> Iterator[None]:
    """Collect each test's cyclic garbage on the GUI thread at its end, before the Qt warnings
    are checked (the collector's timer may not fire during a short test)."""
    yield
    gc.collect()


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace home; WORKBENCH_HOME points at it so nothing leaks outside."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("WORKBENCH_HOME", str(folder))
    return folder


@pytest.fixture()
def services(home: Path) -> Iterator[Services]:
    """The workspace's services over a real SQLite store in the temporary home."""
    built = Services(home)
    yield built
    built.close()


@pytest.fixture()
def store(services: Services) -> Store:
    """The GUI thread's store, seeded with a small realistic workspace."""
    seed_workspace(services.store)
    return services.store


@pytest.fixture()
def server() -> Iterator[FakeLLMServer]:
    """The fake OpenAI-compatible server, greeting each customer by name (modules may override)."""
    with FakeLLMServer(responder=greeting_responder) as fake:
        yield fake
