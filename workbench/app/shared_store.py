"""Use cases of a store shared by a team: point a workspace at PostgreSQL, name its user.

`configure_workspace` checks a ``postgresql://`` URL by opening (and migrating) the store there
before anything is saved, so an unreachable server or a newer schema leaves the workspace as it
was. The saved URL has no password (libpq takes it from ``PGPASSWORD`` or ``~/.pgpass``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.app.workspace_config import load_config, save_config
from workbench.core.errors import KnownError

if TYPE_CHECKING:
    from workbench.app.services import Services
    from workbench.store import Store
    from workbench.store.copy import CopyReport


@dataclass(frozen=True)
class ConfigureOutcome:
    """What `configure_workspace` changed.

    Attributes:
        database_url: the store now configured (no password), or None for the local file.
        user_name: the user name now configured, or None for the login name.
        notes: lines to tell the user.
    """

    database_url: str | None
    user_name: str | None
    notes: list[str] = field(default_factory=list)


def configure_workspace(
    services: Services,
    *,
    database: str | None = None,
    user: str | None = None,
    reopen: bool = True,
) -> ConfigureOutcome:
    """Point the workspace at `database` ('local' or a PostgreSQL URL) and/or set `user`.

    With `reopen` the services' store is closed so its next use opens the new one (the CLI);
    the GUI, whose threads hold stores, passes False and asks for a restart.

    Raises:
        KnownError: a malformed URL, or a server that cannot be reached (host and port named);
            the workspace settings are then unchanged.
        SchemaTooNewError: the database was written by a newer Prompt Workbench.
    """
    from workbench.store import Store
    from workbench.store.postgres import is_database_url, parse_url, storable_url

    config = load_config(services.home)
    notes: list[str] = []
    if database is not None:
        choice = database.strip()
        if choice.lower() in ("local", "sqlite", ""):
            config = config.with_database(None)
            notes.append(f"The workspace uses its local file {services.store_path}.")
        elif is_database_url(choice):
            parsed = parse_url(choice)
            if parsed.password:
                # Used for this check only; later sessions read it from libpq's own sources.
                os.environ.setdefault("PGPASSWORD", str(parsed.password))
                notes.append(
                    "The password was not saved: set PGPASSWORD or add it to ~/.pgpass"
                    " for the next sessions."
                )
            local = services.home / "shared-store"
            with Store.open_url(choice, local_path=local) as opened:
                location = opened.location
            config = config.with_database(storable_url(choice))
            notes.append(f"The workspace's store is now {location}.")
        else:
            raise KnownError(
                f"--database {database!r}: give a postgresql://user@host:port/db URL or 'local'"
            )
    if user is not None:
        config = config.with_user(user)
        notes.append(f"Records are made by {config.user_name or 'the login name'}.")
    save_config(services.home, config)
    if reopen:
        services.reset_store()
    return ConfigureOutcome(config.database_url, config.user_name, notes)


def open_store_at(target: str, *, anchor_home: Path) -> Store:
    """The store at `target`: a ``postgresql://`` URL or an SQLite file path."""
    from workbench.store import Store
    from workbench.store.postgres import is_database_url

    if is_database_url(target):
        return Store.open_url(target, local_path=anchor_home / "shared-store")
    return Store.open(Path(target))


def copy_workspace_store(source: str, destination: str, *, anchor_home: Path) -> CopyReport:
    """Copy the store at `source` into the empty store at `destination` (files or URLs).

    Both are opened (and migrated) first; the copy keeps every id and hash, and is checked
    table by table afterwards.

    Raises:
        KnownError: a store cannot be opened, the destination is not empty, or the check failed.
    """
    from workbench.store.copy import copy_store

    with (
        open_store_at(source, anchor_home=anchor_home) as src,
        open_store_at(destination, anchor_home=anchor_home) as dst,
    ):
        return copy_store(src, dst)


def workspace_settings(services: Services) -> tuple[str | None, str | None]:
    """The configured (database URL without password, user name) of the workspace."""
    config = load_config(services.home)
    return config.database_url, config.user_name
