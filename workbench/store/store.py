"""`Store`: the one object through which the rest of the program reads and writes the file."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

from sqlalchemy.exc import OperationalError

from workbench.core.errors import KnownError
from workbench.store import connection as connection_module
from workbench.store.approvals import ApprovalsMixin
from workbench.store.batches import BatchesMixin
from workbench.store.cache import CacheMixin
from workbench.store.connection import Database, check_sqlite_file, make_engine
from workbench.store.conversations import ConversationsMixin
from workbench.store.datasets import DatasetsMixin
from workbench.store.labels import LabelsMixin
from workbench.store.logs import LogsMixin
from workbench.store.migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    migrate,
    read_schema_state,
    refusal_for,
)
from workbench.store.preflight import inspect_file
from workbench.store.reviews import ReviewsMixin
from workbench.store.run_locks import RunLocks
from workbench.store.runs import RunsMixin
from workbench.store.scores import ScoresMixin
from workbench.store.versions import VersionsMixin


class Store(
    VersionsMixin,
    LabelsMixin,
    DatasetsMixin,
    RunsMixin,
    ScoresMixin,
    ReviewsMixin,
    ApprovalsMixin,
    LogsMixin,
    CacheMixin,
    ConversationsMixin,
    BatchesMixin,
):
    """A workspace's SQLite file: families and versions, labels, datasets, runs, scores,
    human reviews, cache.

    Open it with `Store.open`; use it from one thread at a time (another thread, such as the
    GUI reading while the engine writes, opens its own `Store` on the same file). Every write
    is one transaction; every read sees one consistent snapshot.

    Attributes:
        path: the database file.
        backup_path: the copy taken before migrating this file on open, if any.
    """

    def __init__(self, database: Database, *, backup_path: Path | None = None) -> None:
        self._db = database
        self.path = database.path
        self.backup_path = backup_path
        self._closed = False
        self._run_locks = RunLocks(database.path)
        self.user = ""
        """Who is working: written as ``made_by`` on runs, simulations and log imports."""

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open or create the database at `path`, migrating it (after a backup) if needed.

        Raises:
            SchemaTooNewError: the file was written by a newer major schema.
            KnownError: the file is not a Prompt Workbench database or cannot be opened.
        """
        path = Path(path).expanduser().resolve()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise KnownError(f"cannot create the folder for {path}: {error}") from error
        check_sqlite_file(path)
        # Read-only first: a damaged, foreign or newer file is refused before anything (even
        # the switch to WAL) touches it, and a current file opens without the write lock.
        state = inspect_file(path, busy_timeout_ms=connection_module.BUSY_TIMEOUT_MS)
        refusal = refusal_for(path, state.version, state.other_tables)
        if refusal is not None:
            raise refusal
        due = state.blank or bool(state.pending([m.name for m in MIGRATIONS]))
        database = Database(path, make_engine(path))
        try:
            backup = migrate(database) if due else None
        except OperationalError as error:
            database.dispose()
            raise KnownError(f"cannot open {path}: {error.orig}") from error
        except BaseException:
            database.dispose()
            raise
        return cls(database, backup_path=backup)

    @classmethod
    def open_url(cls, url: str, *, local_path: Path | str) -> Store:
        """Open or create the store in the PostgreSQL database at `url`, migrating it if needed.

        `local_path` stands for the store on this machine (its run locks live beside it). The
        password is not part of `url` in the workspace settings: libpq takes it from
        ``PGPASSWORD`` or ``~/.pgpass``.

        Raises:
            SchemaTooNewError: the database was written by a newer major schema.
            KnownError: the server cannot be reached (host and port named), or the database
                holds tables that are not a Prompt Workbench store.
        """
        from workbench.store.postgres import check_reachable, make_pg_engine, parse_url, redact

        parsed = parse_url(url)
        engine = make_pg_engine(parsed)
        check_reachable(engine, parsed)
        label = redact(parsed.set(drivername="postgresql").render_as_string(hide_password=True))
        local = Path(local_path).expanduser().resolve()
        database = Database(local, engine, backend="postgresql", label=label)
        try:
            # A read first: a current schema opens without taking the writers' lock.
            with database.read() as connection:
                state = read_schema_state(connection)
            refusal = refusal_for(label, state.version, state.other_tables)
            if refusal is not None:
                raise refusal
            if state.version is None or any(m.name not in state.applied for m in MIGRATIONS):
                migrate(database)
        except OperationalError as error:
            database.dispose()
            raise KnownError(f"cannot open {label}: {error.orig}") from error
        except BaseException:
            database.dispose()
            raise
        return cls(database)

    def reopen(self) -> Store:
        """Another store on the same file or database (for another thread or a test)."""
        if self._db.backend == "postgresql":
            url = self._db.engine.url.render_as_string(hide_password=False)
            return Store.open_url(url, local_path=self.path)
        return Store.open(self.path)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._db.backend

    @property
    def location(self) -> str:
        """Where the data lives, for people: the file, or the server URL without password."""
        return self._db.label

    def batch(self) -> AbstractContextManager[None]:
        """Make every read and write of this thread inside the block one transaction."""
        return self._db.batch()

    def report_waits_to(self, report: Callable[[str], None]) -> None:
        """Send "waiting for another program" progress lines to `report` (default: the log)."""
        self._db.on_wait = report

    @property
    def schema_version(self) -> tuple[int, int]:
        """The (major, minor) schema version recorded in the file."""
        with self._db.read() as connection:
            row = connection.exec_driver_sql("SELECT major, minor FROM schema_meta").one()
        return int(row[0]), int(row[1])

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            self._run_locks.close()
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Store {self.location} ({state})>"


__all__ = ["SCHEMA_VERSION", "Store"]
