"""Model configs for both front ends: whether each can run here, and where a server listens.

Used by ``workbench models list`` and the GUI's Models & keys screen: a missing key names its
variable, a missing embedded runtime names the extra to install. Nothing here contacts a server
except `list_models`. The provider layer's pieces the front ends need are re-exported:
`PRESETS` (ollama, lmstudio, vllm, llamacpp), `resolve_base_url`, `list_models`,
`DEFAULT_KEY_ENV` and `SecretStore`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.errors import KnownError
from workbench.core.models import ModelConfigContent
from workbench.providers.compat import PRESETS, list_models, resolve_base_url
from workbench.providers.local_llama import llama_cpp_available, resolve_model_path
from workbench.providers.secrets import DEFAULT_KEY_ENV, SecretStore

__all__ = [
    "DEFAULT_KEY_ENV",
    "PRESETS",
    "ModelStatus",
    "SecretStore",
    "list_models",
    "model_status",
    "resolve_base_url",
]


@dataclass(frozen=True)
class ModelStatus:
    """Readiness of one model config: `ready`, and why not (or what it uses) in `detail`."""

    ready: bool
    detail: str


def model_status(config: ModelConfigContent, secrets: SecretStore) -> ModelStatus:
    """Check keys and local files for `config` without calling anything."""
    if config.provider == "local":
        if not llama_cpp_available():
            return ModelStatus(False, "embedded runtime missing: pip install '.[local]'")
        try:
            path = resolve_model_path(config.model)
        except KnownError as error:
            return ModelStatus(False, str(error))
        return ModelStatus(True, f"embedded, offline ({path.name})")
    key_name = config.api_key_env or DEFAULT_KEY_ENV.get(config.provider)
    if key_name is None:
        return ModelStatus(True, f"no key needed ({config.base_url})")
    if secrets.get(key_name) is None:
        return ModelStatus(False, f"set {key_name} (environment variable or OS keyring)")
    where = f" at {config.base_url}" if config.base_url else ""
    return ModelStatus(True, f"key from {key_name}{where}")
