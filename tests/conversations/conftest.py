"""Fixtures for conversation tests: a real store, the fake server as assistant and simulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from workbench.core.conversations import (
    ConversationCase,
    ConversationSetContent,
    ExpectedOutcome,
    Scenario,
    ScriptTurn,
    SimulationSpec,
)
from workbench.core.customers import CustomerContent
from workbench.core.models import Kind, ModelConfigContent, PersonaContent, PromptContent, Version
from workbench.engine.limits import EndpointLimits
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions
from workbench.engine.simulation import SimulationEngine
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, conversation_responder


@dataclass
class ConvWorkspace:
    """Saves versions into a real store and builds simulation specs against a fake server."""

    store: Store
    base_url: str

    def prompt(
        self, name: str = "support", system: str = "Tu aides les clients.", **kw: Any
    ) -> Version:
        content = PromptContent(system=system, user="{{ message }}", **kw)
        return self.store.save_version(Kind.PROMPT, name, content).version

    def persona(self, name: str = "conseiller-vous", **kw: Any) -> Version:
        content = PersonaContent(display_name="Claire", role="conseillère", **kw)
        return self.store.save_version(Kind.PERSONA, name, content).version

    def model(self, name: str = "bot", **kw: Any) -> Version:
        content = ModelConfigContent(
            provider="openai-compatible", model=name, base_url=self.base_url, **kw
        )
        return self.store.save_version(Kind.MODEL, name, content).version

    def customer(self, name: str = "pressed", **kw: Any) -> Version:
        kw.setdefault("display_name", "Marc")
        content = CustomerContent(**kw)
        return self.store.save_version(Kind.CUSTOMER, name, content).version

    def cases(self, *cases: ConversationCase, name: str = "convs") -> Version:
        content = ConversationSetContent(cases=cases)
        return self.store.save_version(Kind.CONVERSATIONS, name, content).version

    def spec(
        self,
        prompts: list[Version],
        models: list[Version],
        cases: Version,
        customers: list[Version] | None = None,
        simulator: Version | None = None,
        **kw: Any,
    ) -> SimulationSpec:
        return SimulationSpec(
            prompt_ids=tuple(p.id for p in prompts),
            model_ids=tuple(m.id for m in models),
            conversations_id=cases.id,
            customer_ids=tuple(c.id for c in customers) if customers else (None,),
            simulator_model_id=simulator.id if simulator else None,
            **kw,
        )


def scenario(case_id: str, goal: str = "Savoir où est ma commande", **kw: Any) -> ConversationCase:
    expected = kw.pop("expected", ExpectedOutcome())
    opening = kw.pop("opening", None)
    return ConversationCase(
        id=case_id, scenario=Scenario(goal=goal, expected=expected, opening=opening), **kw
    )


def scripted(case_id: str, *texts: str) -> ConversationCase:
    roles = ["user", "assistant"]
    return ConversationCase(
        id=case_id,
        turns=tuple(ScriptTurn(role=roles[i % 2], content=t) for i, t in enumerate(texts)),  # type: ignore[arg-type]
    )


def fast_options() -> EngineOptions:
    return EngineOptions(
        retry=RetryPolicy(max_attempts=3, base_delay_s=0.01, max_wait_s=0.05, timeout_s=10),
        default_endpoint_limits=EndpointLimits(concurrency=8),
    )


def make_engine(store: Store) -> SimulationEngine:
    secrets = SecretStore()
    return SimulationEngine(
        store,
        lambda config: create_provider(config, secrets=secrets),
        options=fast_options(),
        price=lambda config, i, o: 0.0,
    )


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=conversation_responder) as srv:
        yield srv


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    with Store.open(tmp_path / "workbench.sqlite") as opened:
        yield opened


@pytest.fixture
def cws(store: Store, server: FakeLLMServer) -> ConvWorkspace:
    return ConvWorkspace(store, server.openai_base_url)
