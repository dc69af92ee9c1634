"""A workspace whose OpenAI and Anthropic model configs point at the fake server, for batch runs.

The real ``openai`` and ``anthropic`` SDKs talk to `FakeLLMServer` over HTTP; the workspace is a
real SQLite file under a temporary ``WORKBENCH_HOME``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, CliResult, cli  # noqa: F401 (the same CLI runner, this home)
from workbench.app.paths import STORE_FILENAME
from workbench.core.models import (
    CriterionSpec,
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PromptContent,
    RubricContent,
)
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer

OPENAI_KEY_ENV = "WB_TEST_OPENAI_KEY"
ANTHROPIC_KEY_ENV = "WB_TEST_ANTHROPIC_KEY"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv("WORKBENCH_AUTHOR", "tester")
    monkeypatch.setenv(OPENAI_KEY_ENV, "sk-test-openai")
    monkeypatch.setenv(ANTHROPIC_KEY_ENV, "sk-ant-test")
    return home


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(log_requests=False) as srv:
        yield srv


def open_store(home: Path) -> Store:
    return Store.open(home / STORE_FILENAME)


def seed(home: Path, server: FakeLLMServer, messages: list[str]) -> None:
    """Prompt ``ask``, dataset ``qs`` (one row per message), models ``gpt``, ``claude`` and
    ``tiny`` (local), rubric ``answers`` (the answer contains "Réponse")."""
    with open_store(home) as store:
        store.save_version(
            Kind.PROMPT, "ask", PromptContent(system="Be brief.", user="{{ message }}")
        )
        store.save_version(
            Kind.DATASET,
            "qs",
            DatasetContent(
                rows=tuple(
                    DatasetRow(id=f"r{i}", vars={"message": m}) for i, m in enumerate(messages)
                )
            ),
        )
        store.save_version(
            Kind.MODEL,
            "gpt",
            ModelConfigContent(
                provider="openai",
                model="gpt-4o-mini",
                base_url=server.openai_base_url,
                api_key_env=OPENAI_KEY_ENV,
                params={"max_tokens": 64},
            ),
        )
        store.save_version(
            Kind.MODEL,
            "claude",
            ModelConfigContent(
                provider="anthropic",
                model="claude-sonnet-4-5",
                base_url=server.base_url,
                api_key_env=ANTHROPIC_KEY_ENV,
                params={"max_tokens": 64},
            ),
        )
        store.save_version(
            Kind.MODEL, "tiny", ModelConfigContent(provider="local", model="smollm2")
        )
        store.save_version(
            Kind.RUBRIC,
            "answers",
            RubricContent(criteria=(CriterionSpec(kind="contains", config={"value": "Réponse"}),)),
        )
