"""Building a batch client for a model config (OpenAI and Anthropic kinds only)."""

from __future__ import annotations

from workbench.core.errors import ValidationError
from workbench.core.models import ModelConfigContent
from workbench.providers.batch_common import BATCH_PROVIDERS, BatchClient, BatchLimits
from workbench.providers.secrets import DEFAULT_KEY_ENV, SecretStore


def check_batchable(config: ModelConfigContent, name: str | None = None) -> None:
    """Raise a `ValidationError` naming the model when its provider has no batch API."""
    if config.provider not in BATCH_PROVIDERS:
        label = name or f"{config.provider}:{config.model}"
        raise ValidationError(
            f"model config {label} ({config.provider}) cannot run as a batch: only OpenAI and "
            "Anthropic models have a batch API; run it without --batch"
        )


def require_batch_key(config: ModelConfigContent, *, secrets: SecretStore) -> None:
    """Raise `MissingSecretError` (naming the variable) when `config`'s API key is not set."""
    check_batchable(config)
    secrets.require(config.api_key_env or DEFAULT_KEY_ENV[config.provider])


def create_batch_client(
    config: ModelConfigContent,
    *,
    secrets: SecretStore,
    limits: BatchLimits | None = None,
    name: str | None = None,
) -> BatchClient:
    """The batch client for `config`.

    Raises:
        ValidationError: the config's provider has no batch API.
        MissingSecretError: its API key is not set.
    """
    check_batchable(config, name)
    key = secrets.require(config.api_key_env or DEFAULT_KEY_ENV[config.provider])
    if config.provider == "openai":
        from workbench.providers.batch_openai import OpenAIBatchClient

        if limits is None:
            return OpenAIBatchClient(api_key=key, base_url=config.base_url)
        return OpenAIBatchClient(api_key=key, base_url=config.base_url, limits=limits)
    from workbench.providers.batch_anthropic import AnthropicBatchClient

    if limits is None:
        return AnthropicBatchClient(api_key=key, base_url=config.base_url)
    return AnthropicBatchClient(api_key=key, base_url=config.base_url, limits=limits)
