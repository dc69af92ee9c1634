"""Fixtures for engine tests: a real SQLite store in tmp_path with versions saved through it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from workbench.core.models import (
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PersonaContent,
    PromptContent,
    Version,
)
from workbench.core.runs import RunSpec
from workbench.store import Store


@dataclass
class Workspace:
    """Saves test versions into a real store and builds specs from them."""

    store: Store

    def prompt(self, name: str = "ask", user: str = "row={{ id }} {{ q }}", **kw: Any) -> Version:
        return self.store.save_version(Kind.PROMPT, name, PromptContent(user=user, **kw)).version

    def persona(self, name: str = "conseiller-vous", **kw: Any) -> Version:
        content = PersonaContent(display_name="Camille", role="conseillère", **kw)
        return self.store.save_version(Kind.PERSONA, name, content).version

    def model(self, name: str = "fake-a", model: str | None = None, **kw: Any) -> Version:
        kw.setdefault("base_url", "http://127.0.0.1:9/v1")
        content = ModelConfigContent(provider="openai-compatible", model=model or name, **kw)
        return self.store.save_version(Kind.MODEL, name, content).version

    def dataset(self, n: int, name: str = "rows", **extra_vars: Any) -> Version:
        rows = tuple(
            DatasetRow(id=f"r{i:04d}", vars={"id": f"r{i:04d}", "q": f"question {i}", **extra_vars})
            for i in range(n)
        )
        return self.store.save_version(Kind.DATASET, name, DatasetContent(rows=rows)).version

    def spec(
        self,
        prompts: list[Version],
        models: list[Version],
        dataset: Version,
        personas: list[Version | None] | None = None,
        **kw: Any,
    ) -> RunSpec:
        return RunSpec(
            prompt_ids=tuple(p.id for p in prompts),
            persona_ids=tuple(p.id if p else None for p in personas or [None]),
            model_ids=tuple(m.id for m in models),
            dataset_id=dataset.id,
            **kw,
        )


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    with Store.open(tmp_path / "workbench.sqlite") as opened:
        yield opened


@pytest.fixture
def ws(store: Store) -> Workspace:
    return Workspace(store)
