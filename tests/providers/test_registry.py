"""create_provider: the right transport per config, keys checked up front, presets."""

from __future__ import annotations

import sys

import pytest

from tests.providers.conftest import FAKE_OPENAI_KEY
from workbench.core.errors import MissingSecretError, ValidationError
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Message, ProviderError
from workbench.core.models import ModelConfigContent
from workbench.providers.anthropic_provider import AnthropicProvider
from workbench.providers.compat import PRESETS, OpenAICompatibleProvider, list_models
from workbench.providers.local_llama import LOCAL_EXTRA_MESSAGE, LocalLlamaProvider
from workbench.providers.openai_provider import OpenAIProvider
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.testing.fake_llm import FakeLLMServer

REQUEST = ChatRequest(model="fake-small", messages=(Message("user", "Salut"),))


def test_transports_per_provider(secrets: SecretStore) -> None:
    openai_config = ModelConfigContent(provider="openai", model="gpt-4o-mini")
    compat = ModelConfigContent(provider="openai-compatible", model="llama3", base_url="ollama")

    assert isinstance(create_provider(openai_config, secrets=secrets), OpenAIProvider)
    assert isinstance(
        create_provider(openai_config, secrets=secrets, transport="aiohttp"),
        OpenAICompatibleProvider,
    )
    assert isinstance(
        create_provider(
            ModelConfigContent(provider="anthropic", model="claude-haiku-4-5"), secrets=secrets
        ),
        AnthropicProvider,
    )
    lean = create_provider(compat, secrets=secrets)
    assert isinstance(lean, OpenAICompatibleProvider)
    assert lean.base_url == PRESETS["ollama"]
    assert isinstance(create_provider(compat, secrets=secrets, transport="sdk"), OpenAIProvider)


@pytest.mark.parametrize(
    ("config", "variable"),
    [
        (ModelConfigContent(provider="openai", model="gpt-4o"), "OPENAI_API_KEY"),
        (ModelConfigContent(provider="anthropic", model="claude-haiku-4-5"), "ANTHROPIC_API_KEY"),
        (
            ModelConfigContent(provider="openai", model="gpt-4o", api_key_env="TEAM_OPENAI_KEY"),
            "TEAM_OPENAI_KEY",
        ),
        (
            ModelConfigContent(
                provider="openai-compatible", model="m", base_url="vllm", api_key_env="VLLM_KEY"
            ),
            "VLLM_KEY",
        ),
    ],
)
def test_missing_key_is_raised_up_front(config: ModelConfigContent, variable: str) -> None:
    with pytest.raises(MissingSecretError, match=f"Set {variable} "):
        create_provider(config, secrets=SecretStore({}, use_keyring=False))


def test_compatible_needs_no_key_but_a_base_url() -> None:
    empty = SecretStore({}, use_keyring=False)
    create_provider(
        ModelConfigContent(provider="openai-compatible", model="m", base_url="lmstudio"),
        secrets=empty,
    )
    with pytest.raises(ValidationError, match="needs a base_url"):
        create_provider(ModelConfigContent(provider="openai-compatible", model="m"), secrets=empty)


async def test_key_from_store_reaches_the_server(
    secrets: SecretStore, fake_server: FakeLLMServer
) -> None:
    fake_server.faults.require_api_key = FAKE_OPENAI_KEY
    for transport in ("sdk", "aiohttp"):
        config = ModelConfigContent(
            provider="openai", model="fake-small", base_url=fake_server.openai_base_url
        )
        provider = create_provider(config, secrets=secrets, transport=transport)  # type: ignore[arg-type]
        try:
            result = await provider.complete(REQUEST)
        finally:
            await provider.aclose()
        assert isinstance(result, ChatResult), result


async def test_compatible_without_key_sends_no_auth(fake_server: FakeLLMServer) -> None:
    config = ModelConfigContent(
        provider="openai-compatible", model="fake-small", base_url=fake_server.openai_base_url
    )
    provider = create_provider(config, secrets=SecretStore({}, use_keyring=False))
    try:
        assert isinstance(await provider.complete(REQUEST), ChatResult)
    finally:
        await provider.aclose()

    assert not fake_server.requests[0].auth_present


async def test_list_models(fake_server: FakeLLMServer) -> None:
    assert await list_models(fake_server.openai_base_url) == ["fake-small", "fake-large"]


async def test_list_models_unreachable_is_a_clear_error(closed_port: int) -> None:
    from workbench.core.errors import KnownError

    with pytest.raises(KnownError, match=f"Cannot list models at http://127.0.0.1:{closed_port}"):
        await list_models(f"http://127.0.0.1:{closed_port}/v1")


async def test_local_without_llama_cpp_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, secrets: SecretStore
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if the 'local' extra were absent
    provider = create_provider(
        ModelConfigContent(provider="local", model="smollm2"), secrets=secrets
    )
    try:
        error = await provider.complete(REQUEST)
    finally:
        await provider.aclose()

    assert isinstance(provider, LocalLlamaProvider)
    assert isinstance(error, ProviderError)
    assert (error.kind, error.message) == (ErrorKind.CONFIG, LOCAL_EXTRA_MESSAGE)
    assert not provider.server.is_running()
