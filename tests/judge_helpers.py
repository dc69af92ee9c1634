"""What judge tests share: a judge model config on the fake server, the provider factory that
builds it for real (the openai SDK over HTTP), and a count of the chat calls the server received."""

from __future__ import annotations

from typing import Any

from workbench.core.models import ModelConfigContent
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.testing.fake_llm import FakeLLMServer


def judge_model(server: FakeLLMServer) -> ModelConfigContent:
    return ModelConfigContent(
        provider="openai-compatible", model="judge-model", base_url=server.openai_base_url
    )


def factory(config: ModelConfigContent) -> Any:
    return create_provider(config, secrets=SecretStore({}, use_keyring=False), timeout_s=10)


def posts(server: FakeLLMServer) -> int:
    return sum(1 for r in server.requests if r.path == "/v1/chat/completions")
