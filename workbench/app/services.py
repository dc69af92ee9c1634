"""The object graph for one workspace, built once and passed down (no module-level singletons).

`Services` owns the workspace home, the store of the calling thread, secrets, and the factories
the engine needs. A `Store` belongs to one thread: other threads (the GUI's engine thread) call
`open_store()` to get their own connection to the same file.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.app.paths import STORE_FILENAME, demo_workspace_dir, workspace_home
from workbench.core.models import Kind, ModelConfigContent

if TYPE_CHECKING:
    from workbench.core.llm import Provider
    from workbench.interop.workspace import ImportReport
    from workbench.providers.secrets import SecretStore
    from workbench.store import Store

DEMO_FOLDERS = ("prompts", "datasets", "models", "rubrics")


class Services:
    """Everything a command or window needs for one workspace.

    Args:
        home: the workspace folder; None picks ``WORKBENCH_HOME`` or the platform default.
    """

    def __init__(self, home: Path | str | None = None) -> None:
        self.home = workspace_home(home)
        self.store_path = self.home / STORE_FILENAME
        self._store: Store | None = None
        self._secrets: SecretStore | None = None

    @property
    def store(self) -> Store:
        """The store of the thread that built these services; opened and migrated on first use."""
        if self._store is None:
            self._store = self.open_store()
        return self._store

    def open_store(self) -> Store:
        """A new connection to the workspace's store, for use on the calling thread."""
        from workbench.store import Store

        self.home.mkdir(parents=True, exist_ok=True)
        return Store.open(self.store_path)

    @property
    def secrets(self) -> SecretStore:
        """API keys from the environment, then the OS keyring."""
        if self._secrets is None:
            from workbench.providers.secrets import SecretStore

            self._secrets = SecretStore()
        return self._secrets

    def provider_factory(self) -> Callable[[ModelConfigContent], Provider]:
        """A factory the engine calls for each model config it runs."""
        from workbench.providers.registry import create_provider

        secrets = self.secrets

        def factory(config: ModelConfigContent) -> Provider:
            return create_provider(config, secrets=secrets)

        return factory

    @staticmethod
    def current_author() -> str:
        """Who is editing: ``WORKBENCH_AUTHOR``, else the login name."""
        author = os.environ.get("WORKBENCH_AUTHOR")
        if author:
            return author
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return "unknown"

    def ensure_demo_loaded(self) -> ImportReport | None:
        """Load the bundled demo workspace into an empty store; None when nothing was done."""
        demo = demo_workspace_dir()
        if demo is None or self.store.list_families(Kind.PROMPT):
            return None
        from workbench.interop.workspace import import_paths

        folders = [demo / name for name in DEMO_FOLDERS if (demo / name).is_dir()]
        return import_paths(self.store, folders, author=self.current_author())

    def close(self) -> None:
        """Close the store opened by `store`."""
        if self._store is not None:
            self._store.close()
            self._store = None
