"""Opening a store: version checked before any change, damaged files named, no write lock
needed to read, and writers that wait for another program instead of failing."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from tests.store.conftest import dataset, prompt
from workbench.core.errors import KnownError, SchemaTooNewError
from workbench.core.models import Kind
from workbench.store import Store
from workbench.store import connection as connection_module
from workbench.store.preflight import DamagedStoreError


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _filled(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.save_version(Kind.PROMPT, "greet", prompt("Bonjour"))
        store.save_version(Kind.DATASET, "cases", dataset(400))


def _to_rollback_journal(path: Path) -> None:
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("PRAGMA journal_mode=DELETE")


def test_newer_major_in_rollback_journal_mode_is_refused_untouched(db_path: Path) -> None:
    Store.open(db_path).close()
    _to_rollback_journal(db_path)
    with closing(sqlite3.connect(db_path)) as raw:
        raw.execute("UPDATE schema_meta SET major = 99")
        raw.commit()
    before = _sha(db_path)
    with pytest.raises(SchemaTooNewError, match="The file was not changed"):
        Store.open(db_path)
    assert _sha(db_path) == before
    with closing(sqlite3.connect(db_path)) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_a_truncated_store_says_it_is_damaged_and_names_the_backup(db_path: Path) -> None:
    _filled(db_path)
    _to_rollback_journal(db_path)
    backup = db_path.with_name(f"{db_path.stem}.backup-1.3-20260101T000000000000Z.sqlite")
    backup.write_bytes(db_path.read_bytes())
    size = db_path.stat().st_size
    with db_path.open("r+b") as handle:
        handle.truncate(size // 2)
    before = _sha(db_path)
    with pytest.raises(DamagedStoreError) as caught:
        Store.open(db_path)
    message = str(caught.value)
    assert f"{db_path} is damaged" in message and "cut short" in message
    assert f"The last backup is {backup}" in message and "copy that backup to" in message
    assert _sha(db_path) == before


def test_a_damaged_store_without_backup_says_how_to_recover(db_path: Path) -> None:
    _filled(db_path)
    _to_rollback_journal(db_path)
    with db_path.open("r+b") as handle:
        handle.truncate(50)
    with pytest.raises(DamagedStoreError, match=r"no backup beside it.*\.recover"):
        Store.open(db_path)


def test_pages_damaged_inside_the_file_are_reported_as_damage(db_path: Path) -> None:
    _filled(db_path)
    _to_rollback_journal(db_path)
    with closing(sqlite3.connect(db_path)) as raw:
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        page_count = raw.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(db_path.read_bytes())
    for page in range(1, page_count):  # every page but the first (the schema's root)
        start = page * page_size
        data[start : start + page_size] = b"\xa5" * page_size
    db_path.write_bytes(bytes(data))
    with (
        pytest.raises(DamagedStoreError, match="is damaged: SQLite says"),
        Store.open(db_path) as store,
    ):
        store.list_families(Kind.DATASET)


def test_a_current_store_opens_and_reads_while_another_program_writes(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _filled(db_path)
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT_MS", 200)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE schema_meta SET updated_at = 'x'")
        with Store.open(db_path) as store:
            assert [f.name for f in store.list_families(Kind.PROMPT)] == ["greet"]
        other.execute("ROLLBACK")


def test_a_writer_waits_quietly_for_another_program(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _filled(db_path)
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(connection_module, "BUSY_ATTEMPTS", 600)
    release = threading.Event()
    holding = threading.Event()

    def other_program() -> None:
        with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            holding.set()
            release.wait(30)
            other.execute("COMMIT")

    thread = threading.Thread(target=other_program)
    thread.start()
    holding.wait(30)
    said: list[str] = []
    with Store.open(db_path) as store:

        def waiting(message: str) -> None:
            said.append(message)
            release.set()  # the other program finishes once we are seen waiting

        store.report_waits_to(waiting)
        saved = store.save_version(Kind.PROMPT, "greet", prompt("Salut"))
    thread.join(30)
    assert saved.created
    assert said == [f"Waiting for {db_path.name}: another program is writing to it…"]


def test_a_writer_still_blocked_after_its_waits_gets_a_clear_error(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _filled(db_path)
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(connection_module, "BUSY_ATTEMPTS", 2)
    with Store.open(db_path) as store, closing(sqlite3.connect(db_path)) as other:
        other.execute("BEGIN IMMEDIATE")
        store.report_waits_to(lambda _message: None)
        with pytest.raises(KnownError, match="is busy: another program has been writing"):
            store.save_version(Kind.PROMPT, "greet", prompt("Salut"))
        other.rollback()
