"""Named schema migrations, applied in order when a database is opened.

Each migration has a name (recorded in ``schema_migrations`` once applied), a *why*, the schema
version it brings the file to, and its steps (SQL statements or functions of a connection).
Never edit a migration once it has shipped: files in the wild were made by it. Add a new one.

A minor version adds things an older program of the same major can ignore (a table, a column
with a default); a major version means older programs must refuse the file. All pending
migrations run in one transaction, after a backup copy of a non-empty file has been taken, so a
failure leaves the file as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from workbench.core.errors import KnownError, SchemaTooNewError
from workbench.store.connection import Database
from workbench.store.sqlite_backup import backup_file
from workbench.store.tables import now_utc, to_db_time

Step = str | Callable[[Connection], None]


@dataclass(frozen=True)
class Migration:
    """One named, ordered schema change.

    Attributes:
        name: stable identifier stored in ``schema_migrations``.
        why: the reason for the change, for the next reader.
        version: (major, minor) of the schema once this migration is applied.
        steps: SQL statements (one statement each) or functions run in order.
    """

    name: str
    why: str
    version: tuple[int, int]
    steps: tuple[Step, ...]


_IMMUTABLE = "SELECT RAISE(ABORT, 'versions are immutable: save a new version instead')"
_APPEND_ONLY = "SELECT RAISE(ABORT, 'label_events is an append-only audit trail')"

INITIAL = Migration(
    name="m001_initial",
    why="The first schema: families with immutable content-addressed versions, labels, "
    "row-wise dataset storage, runs with upserted cells, and the response cache.",
    version=(1, 0),
    steps=(
        """CREATE TABLE schema_meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            major INTEGER NOT NULL,
            minor INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE schema_migrations (
            name TEXT PRIMARY KEY,
            applied_at TEXT NOT NULL
        )""",
        """CREATE TABLE version_contents (
            version_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            content_json TEXT NOT NULL
        )""",
        """CREATE TABLE families (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            head_id TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (kind, name),
            FOREIGN KEY (id, head_id) REFERENCES versions (family_id, version_id)
        )""",
        """CREATE TABLE versions (
            pk INTEGER PRIMARY KEY,
            family_id INTEGER NOT NULL REFERENCES families (id),
            version_id TEXT NOT NULL REFERENCES version_contents (version_id),
            number INTEGER NOT NULL,
            parent_id TEXT REFERENCES version_contents (version_id),
            author TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (family_id, version_id),
            UNIQUE (family_id, number)
        )""",
        "CREATE INDEX ix_versions_version_id ON versions (version_id)",
        """CREATE TABLE dataset_rows (
            version_id TEXT NOT NULL REFERENCES version_contents (version_id),
            position INTEGER NOT NULL,
            row_id TEXT NOT NULL,
            row_json TEXT NOT NULL,
            PRIMARY KEY (version_id, position),
            UNIQUE (version_id, row_id)
        )""",
        """CREATE TABLE labels (
            family_id INTEGER NOT NULL REFERENCES families (id),
            name TEXT NOT NULL,
            version_id TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (family_id, name),
            FOREIGN KEY (family_id, version_id) REFERENCES versions (family_id, version_id)
        )""",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            spec_json TEXT NOT NULL,
            columns_json TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            estimated_cost_usd REAL
        )""",
        """CREATE TABLE cells (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            row_id TEXT NOT NULL,
            column_index INTEGER NOT NULL,
            repeat INTEGER NOT NULL,
            status TEXT NOT NULL,
            output TEXT NOT NULL DEFAULT '',
            finish_reason TEXT,
            input_tokens INTEGER,
            output_tokens INTEGER,
            tokens_estimated INTEGER NOT NULL DEFAULT 0,
            ttft_ms REAL,
            latency_ms REAL,
            cost_usd REAL,
            cache_hit INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            error_kind TEXT,
            error_message TEXT,
            finished_at TEXT,
            PRIMARY KEY (run_id, row_id, column_index, repeat)
        )""",
        # Resume and retry-errors ask "which cells of this run have status X".
        "CREATE INDEX ix_cells_run_status ON cells (run_id, status)",
        """CREATE TABLE response_cache (
            key TEXT PRIMARY KEY,
            value_json TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        # Immutability is enforced by the file itself, not only by the absence of an API.
        f"CREATE TRIGGER version_contents_immutable BEFORE UPDATE ON version_contents "
        f"BEGIN {_IMMUTABLE}; END",
        f"CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions BEGIN {_IMMUTABLE}; END",
        f"CREATE TRIGGER dataset_rows_immutable BEFORE UPDATE ON dataset_rows "
        f"BEGIN {_IMMUTABLE}; END",
    ),
)

LABEL_AUDIT = Migration(
    name="m002_label_audit",
    why="Labels decide what ships, so who moved `production` and when must stay answerable: "
    "an append-only event log, guarded by triggers, seeded with one event per existing label.",
    version=(1, 1),
    steps=(
        """CREATE TABLE label_events (
            id INTEGER PRIMARY KEY,
            family_id INTEGER NOT NULL REFERENCES families (id),
            label TEXT NOT NULL,
            from_version_id TEXT,
            to_version_id TEXT,
            actor TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX ix_label_events_family ON label_events (family_id, id)",
        f"CREATE TRIGGER label_events_no_update BEFORE UPDATE ON label_events "
        f"BEGIN {_APPEND_ONLY}; END",
        f"CREATE TRIGGER label_events_no_delete BEFORE DELETE ON label_events "
        f"BEGIN {_APPEND_ONLY}; END",
        """INSERT INTO label_events (family_id, label, from_version_id, to_version_id, actor, at)
            SELECT family_id, name, NULL, version_id, 'schema-migration', updated_at
            FROM labels ORDER BY updated_at, family_id, name""",
    ),
)

FAMILY_DESCRIPTIONS = Migration(
    name="m003_family_descriptions",
    why="Family lists and exported files show what a prompt or dataset is for; the description "
    "belongs to the family, not to a version, so editing it creates no version.",
    version=(1, 2),
    steps=("ALTER TABLE families ADD COLUMN description TEXT NOT NULL DEFAULT ''",),
)

MIGRATIONS: tuple[Migration, ...] = (INITIAL, LABEL_AUDIT, FAMILY_DESCRIPTIONS)
SCHEMA_VERSION: tuple[int, int] = MIGRATIONS[-1].version


@dataclass(frozen=True)
class SchemaState:
    """What an opened file says about itself.

    Attributes:
        version: (major, minor) from ``schema_meta``, or None for a blank file.
        applied: names of the migrations already applied.
        other_tables: tables present in a file without ``schema_meta``.
    """

    version: tuple[int, int] | None
    applied: frozenset[str]
    other_tables: tuple[str, ...] = ()


def read_schema_state(connection: Connection) -> SchemaState:
    """Read the schema version and applied migrations of the connected file."""
    tables = {
        name
        for (name,) in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    if "schema_meta" not in tables:
        return SchemaState(version=None, applied=frozenset(), other_tables=tuple(sorted(tables)))
    row = connection.exec_driver_sql("SELECT major, minor FROM schema_meta WHERE id = 1").first()
    version = None if row is None else (int(row[0]), int(row[1]))
    applied = frozenset(
        name for (name,) in connection.exec_driver_sql("SELECT name FROM schema_migrations")
    )
    return SchemaState(version=version, applied=applied)


def apply_migrations(
    connection: Connection,
    migrations: Sequence[Migration],
    *,
    applied: frozenset[str] = frozenset(),
    at: datetime | None = None,
) -> list[str]:
    """Apply the migrations not in `applied`, in order, inside the caller's transaction.

    Returns the names applied. The schema version only moves forward: a file already at a
    newer minor (written by a newer program of the same major) keeps its version.
    """
    stamp = to_db_time(at or now_utc())
    done: list[str] = []
    for migration in migrations:
        if migration.name in applied:
            continue
        for step in migration.steps:
            if isinstance(step, str):
                connection.exec_driver_sql(step)
            else:
                step(connection)
        connection.exec_driver_sql(
            "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
            (migration.name, stamp),
        )
        connection.exec_driver_sql(
            """INSERT INTO schema_meta (id, major, minor, updated_at) VALUES (1, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET major = excluded.major, minor = excluded.minor,
                updated_at = excluded.updated_at
            WHERE (excluded.major, excluded.minor) > (schema_meta.major, schema_meta.minor)""",
            (*migration.version, stamp),
        )
        done.append(migration.name)
    return done


def backup_path_for(path: Path, from_version: tuple[int, int], at: datetime) -> Path:
    """``<stem>.backup-<major.minor>-<UTC timestamp>.sqlite`` beside the database."""
    stamp = at.strftime("%Y%m%dT%H%M%S%fZ")
    return path.with_name(f"{path.stem}.backup-{from_version[0]}.{from_version[1]}-{stamp}.sqlite")


def migrate(database: Database, migrations: Sequence[Migration] = MIGRATIONS) -> Path | None:
    """Bring the file up to date; returns the backup taken, if any.

    Raises:
        SchemaTooNewError: the file's major version is newer than this program's.
        KnownError: the file holds tables but is not a Prompt Workbench database.
    """
    newest = migrations[-1].version
    with database.write() as connection:
        # The write lock is held from here, so two programs opening the same file cannot both
        # migrate it; the backup below reads the last committed state, i.e. the unmigrated file.
        state = read_schema_state(connection)
        if state.version is None and state.other_tables:
            listed = ", ".join(state.other_tables[:8])
            raise KnownError(
                f"{database.path} is an SQLite database but not a Prompt Workbench one "
                f"(it has tables {listed} and no schema_meta); open or create another file"
            )
        if state.version is not None and state.version[0] > newest[0]:
            major, minor = state.version
            raise SchemaTooNewError(
                f"{database.path} was written by a newer Prompt Workbench (schema {major}.{minor};"
                f" this one reads up to {newest[0]}.x) — upgrade Prompt Workbench to open it."
                " The file was not changed."
            )
        pending = [m for m in migrations if m.name not in state.applied]
        if not pending:
            return None
        backup = None
        if state.version is not None:
            moment = now_utc()
            backup = backup_path_for(database.path, state.version, moment)
            backup_file(database.path, backup)
        apply_migrations(connection, pending, applied=state.applied)
    return backup
