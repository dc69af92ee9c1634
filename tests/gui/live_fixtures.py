"""A window wired to the real engine, store and providers against the fake LLM server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytestqt.qtbot import QtBot

from workbench.app.services import Services
from workbench.core.models import (
    CriterionSpec,
    Kind,
    ModelConfigContent,
    RubricContent,
    Version,
)
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions
from workbench.gui.main_window import MainWindow
from workbench.gui.run_controller import RunController
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, last_user_text

# One attempt, so a failure shows at once; the per-call limit is only a safety net against a hung
# call (the fake server answers in milliseconds), generous because on a loaded machine the
# process gets a fraction of a core and 15 s was once not enough for a demo cell.
FAST = EngineOptions(
    retry=RetryPolicy(max_attempts=1, base_delay_s=0.01, timeout_s=90.0),
    flush_interval_s=0.02,
)
POLITE = RubricContent(
    description="French answers greet the customer.",
    threshold=1.0,
    criteria=(CriterionSpec(kind="icontains", name="greets", config={"value": "bonjour"}),),
)


def greeting_responder(body: dict[str, Any]) -> str:
    """Greets in French for French messages, in English otherwise (so rows pass and fail)."""
    asked = last_user_text(body)
    if "Where is my parcel" in asked:
        return "Hello, could you give me your order number please?"
    return "Bonjour, votre commande est en route et arrivera demain. Bien cordialement."


def add_fake_model(store: Store, server: FakeLLMServer, name: str = "fake") -> Version:
    """A model config pointing at the fake server through the OpenAI-compatible client."""
    return store.save_version(
        Kind.MODEL,
        name,
        ModelConfigContent(
            provider="openai-compatible",
            model=f"{name}-model",
            base_url=server.openai_base_url,
            params={"max_tokens": 60},
        ),
        author="test",
    ).version


def add_rubric(store: Store, name: str = "polite") -> Version:
    """A deterministic rubric: an answer passes when it says "bonjour"."""
    return store.save_version(Kind.RUBRIC, name, POLITE, author="test").version


def open_live_window(
    qtbot: QtBot, services: Services, provider_factory: Callable[..., Any] | None = None
) -> MainWindow:
    """A shown main window whose runs use fast retries and flushes."""
    window = MainWindow(services, provider_factory=provider_factory, engine_options=FAST)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def wait_finished(qtbot: QtBot, controller: RunController, timeout: int = 30_000) -> None:
    """Wait until the controller's execution has ended and its events reached the GUI."""
    qtbot.waitUntil(lambda: not controller.running, timeout=timeout)
