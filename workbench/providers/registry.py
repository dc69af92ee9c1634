"""Building a `Provider` from a `ModelConfigContent`.

Which transport serves which config:

- ``openai`` → the `openai` SDK (api.openai.com, or ``base_url``), unless ``transport="aiohttp"``.
- ``anthropic`` → the `anthropic` SDK.
- ``openai-compatible`` → the lean aiohttp client (far less CPU per call, see
  ``bench/providers_transport.py``), unless ``transport="sdk"``.
- ``local`` → the embedded llama.cpp server through the lean client.

A key the config needs but the environment and keyring lack raises `MissingSecretError` here,
before any run starts, naming the variable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from workbench.core.errors import ValidationError
from workbench.core.llm import Provider
from workbench.core.models import ModelConfigContent
from workbench.providers.compat import OpenAICompatibleProvider, resolve_base_url
from workbench.providers.local_llama import (
    LocalLlamaProvider,
    LocalModelServer,
    llama_cpp_available,
    resolve_model_path,
)
from workbench.providers.secrets import DEFAULT_KEY_ENV, SecretStore

Transport = Literal["sdk", "aiohttp"]
LocalServerFactory = Callable[[str], LocalModelServer]
"""Given a local config's ``model`` (a GGUF path or bundled name), the server to use."""


def create_provider(
    config: ModelConfigContent,
    *,
    secrets: SecretStore,
    local_server_factory: LocalServerFactory | None = None,
    timeout_s: float = 60.0,
    max_connections: int = 64,
    transport: Transport | None = None,
    name: str | None = None,
) -> Provider:
    """The provider for `config`.

    Args:
        secrets: where API keys come from.
        local_server_factory: shares embedded-model servers between configs (see
            `LocalModelServers.server_for`); None starts a server owned by this provider.
        timeout_s: limit for one whole call (at least 120 s for the embedded model, whose server
            answers one request at a time).
        max_connections: connection pool size of the lean client (match the run's concurrency).
        transport: force the SDK or the lean aiohttp client for OpenAI-style providers.
        name: how results name the provider (default: the config's provider name).

    Raises:
        MissingSecretError: the config needs a key that is not set.
        LocalModelError: a local config names a GGUF file that does not exist.
    """
    label = name or config.provider
    # The SDK providers are imported only when used: importing the openai and anthropic SDKs
    # costs about 64 MB, which runs served by the lean client never need.
    if config.provider == "anthropic":
        from workbench.providers.anthropic_provider import AnthropicProvider

        if transport == "aiohttp":
            raise ValidationError("Anthropic models are only served through the anthropic SDK")
        key = secrets.require(config.api_key_env or DEFAULT_KEY_ENV["anthropic"])
        return AnthropicProvider(
            name=label, api_key=key, base_url=config.base_url, timeout_s=timeout_s
        )
    if config.provider == "openai":
        from workbench.providers.openai_provider import OpenAIProvider

        key = secrets.require(config.api_key_env or DEFAULT_KEY_ENV["openai"])
        if transport == "aiohttp":
            return OpenAICompatibleProvider(
                name=label,
                base_url=config.base_url or "https://api.openai.com/v1",
                api_key=key,
                timeout_s=timeout_s,
                max_connections=max_connections,
                max_tokens_field="max_completion_tokens",
            )
        return OpenAIProvider(
            name=label, api_key=key, base_url=config.base_url, timeout_s=timeout_s
        )
    if config.provider == "openai-compatible":
        if not config.base_url:
            raise ValidationError(
                f"Model config for '{config.model}' (openai-compatible) needs a base_url, for "
                "example http://localhost:11434/v1 or a preset: ollama, lmstudio, vllm, llamacpp"
            )
        optional_key = secrets.require(config.api_key_env) if config.api_key_env else None
        if transport == "sdk":
            from workbench.providers.openai_provider import OpenAIProvider

            return OpenAIProvider(
                name=label,
                api_key=optional_key,
                base_url=resolve_base_url(config.base_url),
                timeout_s=timeout_s,
                max_tokens_field="max_tokens",
            )
        return OpenAICompatibleProvider(
            name=label,
            base_url=config.base_url,
            api_key=optional_key,
            timeout_s=timeout_s,
            max_connections=max_connections,
        )
    if config.provider == "local":
        # Without llama_cpp the provider answers every call with a CONFIG error naming the
        # extra to install, so a run with remote models still works.
        if not llama_cpp_available():
            server, owns = LocalModelServer(None), True
        elif local_server_factory is not None:
            server, owns = local_server_factory(config.model), False
        else:
            server, owns = LocalModelServer(resolve_model_path(config.model)), True
        return LocalLlamaProvider(
            name=label,
            server=server,
            owns_server=owns,
            timeout_s=max(timeout_s, 120.0),
            max_connections=min(max_connections, 8),
        )
    raise ValidationError(f"Unknown provider '{config.provider}'")
