"""Family listings read from an SQLite workspace with the standard library's driver.

``workbench prompt list`` and its siblings read a few rows, but opening a `Store` imports
SQLAlchemy and SQLModel, most of such a command's time. `list_families_readonly` answers what
`Store.list_families` answers, from a read-only ``sqlite3`` connection inside one read
transaction (one consistent snapshot, no lock a writer waits for, nothing written, not even the
switch to WAL).

It answers only for a file this program would open as it is: schema version equal to
`SCHEMA_VERSION` with every migration applied. For anything else (no file yet, an empty file, a
pending migration, a newer schema, a foreign or damaged file, a busy file) it returns None, and
the caller opens the `Store`, which creates, migrates or refuses the file with its own messages.

The queries mirror `workbench.store.versions._family_infos`; a test checks both agree.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from workbench.core.kinds import Kind
from workbench.store.migrations import MIGRATIONS, SCHEMA_VERSION
from workbench.store.times import from_db_time
from workbench.store.types import FamilyInfo

_BUSY_TIMEOUT_S = 5.0  # as the store's connections (`connection.BUSY_TIMEOUT_MS`)

_FAMILIES = """
SELECT f.id, f.kind, f.name, f.description, f.head_id, f.created_at,
    (SELECT v.number FROM versions AS v
        WHERE v.family_id = f.id AND v.version_id = f.head_id) AS head_number,
    (SELECT count(*) FROM versions AS v WHERE v.family_id = f.id) AS version_count
FROM families AS f
"""

_LABELS = """
SELECT l.family_id, l.name, v.number
FROM labels AS l
JOIN versions AS v ON v.family_id = l.family_id AND v.version_id = l.version_id
"""


def list_families_readonly(path: Path, kind: Kind | None = None) -> list[FamilyInfo] | None:
    """Families of `kind` (or all) in the workspace file `path`, as `Store.list_families`
    gives them; None when the file is not a current workspace the store would open unchanged.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return None
    uri = f"file:{quote(str(path))}?mode=ro"
    try:
        with closing(
            sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        ) as connection:
            connection.execute("BEGIN")
            if not _is_current(connection):
                return None
            return _family_infos(connection, kind)
    except sqlite3.Error:
        return None  # the store reports what is wrong (damaged, locked, foreign) in words


def _is_current(connection: sqlite3.Connection) -> bool:
    row = connection.execute("SELECT major, minor FROM schema_meta WHERE id = 1").fetchone()
    if row is None or (int(row[0]), int(row[1])) != SCHEMA_VERSION:
        return False
    applied = {name for (name,) in connection.execute("SELECT name FROM schema_migrations")}
    return all(migration.name in applied for migration in MIGRATIONS)


def _family_infos(connection: sqlite3.Connection, kind: Kind | None) -> list[FamilyInfo]:
    labels: dict[int, dict[str, int]] = {}
    for owner, label, number in connection.execute(_LABELS + " ORDER BY l.name"):
        labels.setdefault(owner, {})[label] = number
    query = _FAMILIES
    parameters: tuple[str, ...] = ()
    if kind is not None:
        query += " WHERE f.kind = ?"
        parameters = (Kind(kind).value,)
    rows = connection.execute(query + " ORDER BY f.kind, f.name", parameters).fetchall()
    return [
        FamilyInfo(
            kind=Kind(family_kind),
            name=name,
            description=description,
            head_id=head_id,
            head_number=head_number,
            version_count=version_count,
            labels=labels.get(family_id, {}),
            created_at=from_db_time(created_at),
        )
        for (
            family_id,
            family_kind,
            name,
            description,
            head_id,
            created_at,
            head_number,
            version_count,
        ) in rows
    ]
