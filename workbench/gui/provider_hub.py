"""Providers for the GUI's runs and tests, and the embedded model's status.

One hub per window. It builds providers lazily (importing the provider SDKs takes seconds, so
the first import happens on the engine thread, never while a window opens) and shares one
embedded llama.cpp server per GGUF file between runs, so the model loads once per session
instead of once per run. `close` stops those servers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.core.errors import KnownError
from workbench.core.llm import Provider
from workbench.core.models import ModelConfigContent

if TYPE_CHECKING:
    from workbench.providers.local_llama import LocalModelServers
    from workbench.providers.secrets import SecretStore

ProviderFactory = Callable[[ModelConfigContent], Provider]


@dataclass(frozen=True)
class EmbeddedModelStatus:
    """What the Models screen says about the embedded model.

    Attributes:
        installed: llama-cpp-python (the 'local' extra) is importable.
        model_path: the GGUF file found, or None.
        problem: why the model cannot run, in words, or None.
        running: its server process is up in this session.
        base_url: where that server listens, while running.
    """

    installed: bool
    model_path: str | None
    problem: str | None
    running: bool
    base_url: str | None = None


class ProviderHub:
    """Builds providers for model configs and keeps embedded-model servers alive.

    Args:
        secrets: where API keys come from.
        override: a factory used instead of the real providers (tests and benchmarks point
            every config at a fake server this way).
    """

    def __init__(self, secrets: SecretStore, *, override: ProviderFactory | None = None) -> None:
        self._secrets = secrets
        self._override = override
        self._servers: LocalModelServers | None = None
        self._lock = threading.Lock()

    def factory(self, config: ModelConfigContent) -> Provider:
        """The provider for `config`; call it on the engine thread (it may import SDKs)."""
        if self._override is not None:
            return self._override(config)
        from workbench.providers.registry import create_provider

        servers = self._local_servers() if config.provider == "local" else None
        return create_provider(
            config,
            secrets=self._secrets,
            local_server_factory=None if servers is None else servers.server_for,
        )

    def embedded_status(self, model: str) -> EmbeddedModelStatus:
        """The embedded model's state for a local config's ``model`` (fast: no process starts)."""
        from workbench.providers.local_llama import llama_cpp_available, resolve_model_path

        installed = llama_cpp_available()
        try:
            path = str(resolve_model_path(model))
            problem = None
        except KnownError as error:
            path, problem = None, str(error)
        if problem is None and not installed:
            problem = (
                "llama-cpp-python is not installed: pip install 'prompt-workbench[local]'"
                " (it compiles once, 10–15 minutes)"
            )
        running, base_url = False, None
        with self._lock:
            servers = self._servers
        if servers is not None and path is not None:
            server = servers.server_for(model)
            running, base_url = server.is_running(), server.base_url
        return EmbeddedModelStatus(installed, path, problem, running, base_url)

    def close(self) -> None:
        """Stop every embedded-model server this hub started."""
        with self._lock:
            servers, self._servers = self._servers, None
        if servers is not None:
            servers.close_all()

    def _local_servers(self) -> LocalModelServers:
        with self._lock:
            if self._servers is None:
                from workbench.providers.local_llama import LocalModelServers

                self._servers = LocalModelServers()
            return self._servers
