"""Schema versions and migrations: blank files, a real older file, refusal of newer ones."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from tests.store.conftest import prompt, raw_query
from tests.store.fixtures.make_schema_1_0 import DATASET, PROMPT_V1, PROMPT_V2, build
from workbench.core.errors import KnownError, SchemaTooNewError
from workbench.core.models import Kind
from workbench.core.runs import CellKey, CellStatus, RunStatus
from workbench.core.versioning import content_hash
from workbench.store import SCHEMA_VERSION, Store, tables
from workbench.store.connection import Database, make_engine
from workbench.store.migrations import MIGRATIONS, Migration, migrate

FIXTURE = Path(__file__).parent / "fixtures" / "schema-1.0.sqlite"
ALL_NAMES = [m.name for m in MIGRATIONS]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.backup-*.sqlite"))


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    target = tmp_path / "workbench.sqlite"
    shutil.copyfile(FIXTURE, target)
    return target


def test_blank_file_gets_every_migration_and_no_backup(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.backup_path is None
    names = [name for (name,) in raw_query(db_path, "SELECT name FROM schema_migrations")]
    assert sorted(names) == sorted(ALL_NAMES)
    assert _backups(db_path.parent) == []


def test_existing_empty_file_is_treated_as_blank(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    assert _backups(tmp_path) == []


def test_reopening_a_current_file_changes_nothing(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.save_version(Kind.PROMPT, "greet", prompt("Bonjour"))
    with Store.open(db_path) as store:
        assert store.backup_path is None
        assert store.resolve(Kind.PROMPT, "greet").number == 1
    assert _backups(db_path.parent) == []


def test_fixture_really_is_the_old_schema() -> None:
    assert raw_query(FIXTURE, "SELECT major, minor FROM schema_meta") == [(1, 0)]
    tables_in_file = {name for (name,) in raw_query(FIXTURE, "SELECT name FROM sqlite_master")}
    assert "label_events" not in tables_in_file
    columns = {row[1] for row in raw_query(FIXTURE, "PRAGMA table_info(families)")}
    assert "description" not in columns


def test_old_file_is_backed_up_then_migrated_with_data_intact(old_file: Path) -> None:
    with Store.open(old_file) as store:
        backup = store.backup_path
        assert store.schema_version == SCHEMA_VERSION
        # Versions, heads, labels and content identity survive.
        production = store.resolve(Kind.PROMPT, "order-tracking@production")
        staging = store.resolve(Kind.PROMPT, "order-tracking@staging")
        assert (production.number, production.content) == (1, PROMPT_V1)
        assert (staging.number, staging.content) == (2, PROMPT_V2)
        assert staging.parent_id == production.id
        assert store.resolve(Kind.PROMPT, "order-tracking").id == staging.id
        assert content_hash(Kind.PROMPT, staging.content) == staging.id
        data = store.resolve(Kind.DATASET, "tracking")
        assert data.content == DATASET
        assert store.dataset_rows(data.id, 1, 1) == [DATASET.rows[1]]
        # The new columns and tables work on old data.
        assert store.get_family(Kind.PROMPT, "order-tracking").description == ""
        events = store.label_events(Kind.PROMPT, "order-tracking")
        assert [(e.label, e.from_version_id, e.to_version_id, e.actor) for e in events] == [
            ("production", None, production.id, "schema-migration"),
            ("staging", None, staging.id, "schema-migration"),
        ]
        # Runs, cells and the cache survive.
        [run] = store.list_runs()
        assert (run.name, run.status, run.estimated_cost_usd) == (
            "first run",
            RunStatus.FINISHED,
            0.0012,
        )
        assert run.spec.prompt_ids == (staging.id,)
        assert store.cell_keys(run.id, [CellStatus.ERROR]) == {CellKey("track-003", 0)}
        assert store.cache_get("v1:demo-key") == {"text": "Bonjour !", "output_tokens": 3}
        # And the migrated file takes new writes.
        new = store.save_version(Kind.PROMPT, "order-tracking", prompt("Bonjour"))
        assert (new.version.number, new.version.parent_id) == (3, staging.id)
        store.set_label(Kind.PROMPT, "order-tracking", "production", staging.id, actor="ana")
    assert backup is not None
    assert re.fullmatch(r"workbench\.backup-1\.0-\d{8}T\d{12}Z\.sqlite", backup.name)
    assert _backups(old_file.parent) == [backup]
    assert raw_query(backup, "SELECT major, minor FROM schema_meta") == [(1, 0)]
    assert raw_query(backup, "SELECT count(*) FROM versions") == [(5,)]
    assert raw_query(backup, "SELECT name FROM sqlite_master WHERE name = 'label_events'") == []


def test_second_open_after_migration_takes_no_new_backup(old_file: Path) -> None:
    Store.open(old_file).close()
    with Store.open(old_file) as store:
        assert store.backup_path is None
    assert len(_backups(old_file.parent)) == 1


def test_newer_major_is_refused_and_file_left_untouched(db_path: Path) -> None:
    Store.open(db_path).close()
    with closing(sqlite3.connect(db_path)) as raw:
        raw.execute("UPDATE schema_meta SET major = 99, minor = 0")
        raw.commit()
    before = _sha(db_path)
    with pytest.raises(SchemaTooNewError) as caught:
        Store.open(db_path)
    message = str(caught.value)
    assert str(db_path) in message
    assert "written by a newer Prompt Workbench (schema 99.0;" in message
    assert f"this one reads up to {SCHEMA_VERSION[0]}.x" in message
    assert "upgrade" in message
    assert _sha(db_path) == before
    assert _backups(db_path.parent) == []


def test_newer_minor_of_same_major_opens_as_is(db_path: Path) -> None:
    Store.open(db_path).close()
    with closing(sqlite3.connect(db_path)) as raw:
        raw.execute(f"UPDATE schema_meta SET minor = {SCHEMA_VERSION[1] + 10}")
        raw.execute("INSERT INTO schema_migrations VALUES ('m999_from_the_future', 'x')")
        raw.commit()
    with Store.open(db_path) as store:
        assert store.schema_version == (SCHEMA_VERSION[0], SCHEMA_VERSION[1] + 10)
        assert store.backup_path is None
        store.save_version(Kind.PROMPT, "greet", prompt("Bonjour"))


def test_a_failed_migration_leaves_the_file_as_it_was(old_file: Path) -> None:
    broken = Migration(
        name="m999_broken",
        why="test only",
        version=(1, 9),
        steps=("CREATE TABLE half_done (a TEXT)", "THIS IS NOT SQL"),
    )
    database = Database(old_file, make_engine(old_file))
    try:
        with pytest.raises(OperationalError):
            migrate(database, [*MIGRATIONS, broken])
    finally:
        database.close()
    assert raw_query(old_file, "SELECT major, minor FROM schema_meta") == [(1, 0)]
    assert raw_query(old_file, "SELECT name FROM schema_migrations") == [("m001_initial",)]
    names = {name for (name,) in raw_query(old_file, "SELECT name FROM sqlite_master")}
    assert "half_done" not in names and "label_events" not in names
    assert len(_backups(old_file.parent)) == 1
    # The real migrations still apply afterwards.
    with Store.open(old_file) as store:
        assert store.schema_version == SCHEMA_VERSION


def test_other_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("CREATE TABLE invoices (id INTEGER)")
        raw.commit()
    with pytest.raises(KnownError, match=r"not a Prompt Workbench one .*tables invoices"):
        Store.open(path)
    assert raw_query(path, "SELECT name FROM sqlite_master") == [("invoices",)]


def test_non_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("just some notes\n")
    with pytest.raises(KnownError, match="is not an SQLite database"):
        Store.open(path)
    assert path.read_text() == "just some notes\n"


def test_migrations_are_named_ordered_and_explained() -> None:
    assert len(set(ALL_NAMES)) == len(ALL_NAMES)
    assert sorted(ALL_NAMES) == ALL_NAMES
    versions = [m.version for m in MIGRATIONS]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert all(len(m.why) > 30 for m in MIGRATIONS)


def test_sqlmodel_tables_match_the_migrated_schema(db_path: Path) -> None:
    Store.open(db_path).close()
    models = [
        value
        for value in vars(tables).values()
        if isinstance(value, type)
        and hasattr(value, "__table__")
        and value.__module__ == tables.__name__
    ]
    assert len(models) == 14
    for model in models:
        table = model.__table__
        info = raw_query(db_path, f"PRAGMA table_info({table.name})")
        assert info, f"table {table.name} missing from the migrated file"
        in_file = {row[1]: row for row in info}
        assert set(in_file) == {c.name for c in table.columns}, table.name
        primary_in_file = {name for name, row in in_file.items() if row[5]}
        assert primary_in_file == {c.name for c in table.primary_key.columns}, table.name


@pytest.mark.sqlite_only
def test_every_connection_has_the_pragmas(store: Store) -> None:
    with store._db.read() as connection:
        values = {
            pragma: connection.exec_driver_sql(f"PRAGMA {pragma}").scalar()
            for pragma in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert values == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
    }


def test_closed_store_cannot_be_used(db_path: Path) -> None:
    store = Store.open(db_path)
    store.close()
    store.close()
    with pytest.raises(RuntimeError, match="is closed"):
        store.list_families()


def test_migration_one_is_unchanged_since_the_fixture_was_made(tmp_path: Path) -> None:
    # Files in the wild were made by the shipped migration 1; editing it would fork them.
    rebuilt = build(tmp_path / "rebuilt.sqlite")
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
    assert raw_query(rebuilt, schema) == raw_query(FIXTURE, schema)
    for table in ("version_contents", "versions", "dataset_rows", "labels", "cells"):
        dump = f"SELECT * FROM {table} ORDER BY 1, 2"
        assert raw_query(rebuilt, dump) == raw_query(FIXTURE, dump), table
