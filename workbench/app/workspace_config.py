"""The workspace's own settings file: where its store lives and who is working in it.

``<home>/workspace.json`` holds ``database_url`` (a ``postgresql://user@host:port/db`` URL for a
store shared by a team; absent for the local SQLite file) and ``user_name`` (the name written
on versions, label moves and approvals; absent means the login name). The URL is kept without
its password: libpq reads it from ``PGPASSWORD`` or ``~/.pgpass``, so it never lands in the
workspace, the database, logs or exports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from workbench.core.errors import KnownError

CONFIG_FILENAME = "workspace.json"


@dataclass(frozen=True)
class WorkspaceConfig:
    """What ``workspace.json`` says.

    Attributes:
        database_url: the shared PostgreSQL store (no password), or None for the local file.
        user_name: who is working, or None for the login name.
    """

    database_url: str | None = None
    user_name: str | None = None

    def with_database(self, url: str | None) -> WorkspaceConfig:
        return replace(self, database_url=url)

    def with_user(self, name: str | None) -> WorkspaceConfig:
        return replace(self, user_name=(name or "").strip() or None)


def config_path(home: Path) -> Path:
    return home / CONFIG_FILENAME


def load_config(home: Path) -> WorkspaceConfig:
    """The settings of the workspace at `home` (defaults when the file is absent)."""
    path = config_path(home)
    if not path.exists():
        return WorkspaceConfig()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise KnownError(f"{path}: cannot read the workspace settings: {error}") from error
    if not isinstance(data, dict):
        raise KnownError(f"{path}: the workspace settings must be a JSON object")
    url, user = data.get("database_url"), data.get("user_name")
    for key, value in (("database_url", url), ("user_name", user)):
        if value is not None and not isinstance(value, str):
            raise KnownError(f"{path}: '{key}' must be a string")
    return WorkspaceConfig(database_url=url or None, user_name=user or None)


def save_config(home: Path, config: WorkspaceConfig) -> Path:
    """Write the settings (atomically); returns the file."""
    home.mkdir(parents=True, exist_ok=True)
    path = config_path(home)
    data = {
        key: value
        for key, value in (("database_url", config.database_url), ("user_name", config.user_name))
        if value
    }
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path
