"""The object graph for one workspace, built once and passed down (no module-level singletons).

The one composition root of both front ends. `Services` owns the workspace home, the store of the
calling thread, secrets, and the `ProviderHub` that builds providers for the engine and the
judge. A `Store` belongs to one thread: other threads (the GUI's engine thread) call
`open_store()` to get their own connection to the same file.

`ProviderHub` builds providers lazily (importing the provider SDKs takes seconds, so the first
import happens on the engine thread, never while a window opens) and shares one embedded
llama.cpp server per GGUF file between runs, so the model loads once per session instead of once
per run. `close` stops those servers. Defaults (concurrency, timeouts) are in `app/defaults.py`.
"""

from __future__ import annotations

import functools
import getpass
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, overload

from workbench.app.defaults import HTTP_TIMEOUT_S
from workbench.app.paths import STORE_FILENAME, demo_workspace_dir, workspace_home
from workbench.core.errors import KnownError
from workbench.core.kinds import Kind

if TYPE_CHECKING:
    from workbench.core.llm import Provider
    from workbench.core.models import ModelConfigContent
    from workbench.interop.workspace import ImportReport
    from workbench.providers.local_llama import LocalModelServers
    from workbench.providers.secrets import SecretStore
    from workbench.store import Store

DEMO_FOLDERS = ("prompts", "datasets", "models", "rubrics")
SHARED_STORE_ANCHOR = "shared-store"
"""Stands for a PostgreSQL store on this machine: its run locks live beside it in the home."""

ProviderFactory = Callable[["ModelConfigContent"], "Provider"]


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
            timeout_s=HTTP_TIMEOUT_S,
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


def author_for(home: Path | None = None) -> str:
    """Who is editing: ``WORKBENCH_AUTHOR``, else the user name in the workspace settings
    (of `home`, default the current workspace), else the login name."""
    author = os.environ.get("WORKBENCH_AUTHOR")
    if author:
        return author
    from workbench.app.workspace_config import load_config

    try:
        configured = load_config(home or workspace_home()).user_name
    except KnownError:
        configured = None
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class _CurrentAuthor:
    """`Services.current_author`: bound to an instance it reads that workspace's settings."""

    @overload
    def __get__(self, obj: None, owner: type) -> Callable[[], str]: ...

    @overload
    def __get__(self, obj: Services, owner: type) -> Callable[[], str]: ...

    def __get__(self, obj: Services | None, owner: type) -> Callable[[], str]:
        if obj is None:
            return author_for
        return functools.partial(author_for, obj.home)


class Services:
    """Everything a command or window needs for one workspace.

    Args:
        home: the workspace folder; None picks ``WORKBENCH_HOME`` or the platform default.
        provider_override: a factory used instead of the real providers (tests and benchmarks
            point every model config at a fake server this way).
    """

    def __init__(
        self,
        home: Path | str | None = None,
        *,
        provider_override: ProviderFactory | None = None,
    ) -> None:
        self.home = workspace_home(home)
        self.store_path = self.home / STORE_FILENAME
        self._store: Store | None = None
        self._secrets: SecretStore | None = None
        self._provider_override = provider_override
        self._providers: ProviderHub | None = None

    @property
    def store(self) -> Store:
        """The store of the thread that built these services; opened and migrated on first use."""
        if self._store is None:
            self._store = self.open_store()
        return self._store

    @property
    def database_url(self) -> str | None:
        """The shared PostgreSQL store of this workspace (no password), or None: the local file."""
        from workbench.app.workspace_config import load_config

        return load_config(self.home).database_url

    @property
    def store_is_open(self) -> bool:
        """Whether `store` has been opened (by this object, on its thread)."""
        return self._store is not None

    def open_store(self) -> Store:
        """A new connection to the workspace's store, for use on the calling thread."""
        from workbench.store import Store

        url = self.database_url
        if url is not None:
            # Nothing local is created before the server answered (run locks live in home).
            store = Store.open_url(url, local_path=self.home / SHARED_STORE_ANCHOR)
        else:
            self.home.mkdir(parents=True, exist_ok=True)
            store = Store.open(self.store_path)
        store.user = self.current_author()
        return store

    def reset_store(self) -> None:
        """Close the store opened by `store`; the next use opens the configured one."""
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def secrets(self) -> SecretStore:
        """API keys from the environment, then the OS keyring."""
        if self._secrets is None:
            from workbench.providers.secrets import SecretStore

            self._secrets = SecretStore()
        return self._secrets

    @property
    def providers(self) -> ProviderHub:
        """The workspace's provider hub (embedded-model servers shared between runs)."""
        if self._providers is None:
            self._providers = ProviderHub(self.secrets, override=self._provider_override)
        return self._providers

    def provider_factory(self) -> ProviderFactory:
        """A factory the engine calls for each model config it runs."""
        return self.providers.factory

    current_author = _CurrentAuthor()
    """Who is editing: ``WORKBENCH_AUTHOR``, else the workspace's user name, else the login.
    ``services.current_author()`` reads this workspace's settings; ``Services.current_author()``
    those of the default workspace."""

    def ensure_demo_loaded(self) -> ImportReport | None:
        """Load the bundled demo workspace into an empty store; None when nothing was done."""
        return load_demo_workspace(self.store, author=self.current_author())

    def close(self) -> None:
        """Close the store opened by `store` and stop the embedded-model servers started."""
        if self._providers is not None:
            self._providers.close()
        if self._store is not None:
            self._store.close()
            self._store = None


def demo_wanted(store: Store) -> bool:
    """Whether the bundled demo workspace exists and `store` is still empty of prompts."""
    return demo_workspace_dir() is not None and not store.list_families(Kind.PROMPT)


def load_demo_workspace(store: Store, *, author: str) -> ImportReport | None:
    """Load the bundled demo workspace into `store` if it has no prompt yet (else None).

    Takes the store to write to, so the GUI can run it on a worker thread with that thread's
    own connection after its window is up.
    """
    demo = demo_workspace_dir()
    if demo is None or store.list_families(Kind.PROMPT):
        return None
    from workbench.interop.workspace import import_paths

    folders = [demo / name for name in DEMO_FOLDERS if (demo / name).is_dir()]
    return import_paths(store, folders, author=author)
