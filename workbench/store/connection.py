"""Connections to the SQLite file: PRAGMAs on every connection and explicit transactions.

Python's sqlite3 module opens transactions implicitly and not before DDL, which breaks
transactional migrations; so the driver's own handling is turned off (``isolation_level=None``)
and every unit of work begins explicitly: ``BEGIN IMMEDIATE`` for writes, so a writer takes the
write lock up front and waits on ``busy_timeout`` instead of failing half-way when another
connection wrote first, and a deferred ``BEGIN`` for reads, which in WAL mode see one consistent
snapshot and never block the writer.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError

from workbench.core.errors import KnownError
from workbench.store.preflight import DamagedStoreError, damaged_message, is_damage

_log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
BUSY_ATTEMPTS = 6
"""A writer finding the file busy waits this many busy timeouts (30 s) before giving up."""
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # busy_timeout first, so that switching to WAL waits for other connections too.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that exists, is not empty and is not an SQLite database."""
    if not path.exists() or path.stat().st_size == 0:
        return
    if path.is_dir():
        raise KnownError(f"{path} is a folder, not a Prompt Workbench database file")
    with path.open("rb") as handle:
        header = handle.read(len(_SQLITE_MAGIC))
    if header != _SQLITE_MAGIC:
        raise KnownError(f"{path} is not an SQLite database (it may be another kind of file)")


def make_engine(path: Path) -> Engine:
    """An engine on `path` whose every connection has WAL, foreign keys and a busy timeout.

    SQLAlchemy pools file databases with one connection per concurrent checkout, so a `Store`
    shared by accident between threads still never shares a connection.
    """
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _configure)
    return engine


class Database:
    """An engine plus the two kinds of transactions the store uses.

    Attributes:
        path: the SQLite file.
        engine: the SQLAlchemy engine (callers should prefer `read` and `write`).
    """

    def __init__(
        self, path: Path, engine: Engine, *, backend: str = "sqlite", label: str = ""
    ) -> None:
        self.path = path
        self.engine = engine
        self.backend = backend
        """``sqlite`` or ``postgresql``."""
        self.label = label or str(path)
        """Where the data lives, for messages (a file, or a server URL without password)."""
        self._closed = False
        self.on_wait: Callable[[str], None] = _log_wait
        """Told, once per write, that the write waits for another program (a progress line)."""
        self._batch = threading.local()

    def _batch_connection(self) -> Connection | None:
        connection: Connection | None = getattr(self._batch, "connection", None)
        return connection

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction for every read and write this thread makes inside the block.

        Used by imports: a batch of files is written whole or not at all. Nested batches join
        the outer one.
        """
        if self._batch_connection() is not None:
            yield
            return
        with self.write() as connection:
            self._batch.connection = connection
            try:
                yield
            finally:
                self._batch.connection = None

    def _connect(self) -> Connection:
        if self._closed:
            raise RuntimeError(f"the store on {self.label} is closed")
        return self.engine.connect()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection inside ``BEGIN IMMEDIATE``; committed on success, rolled back on error.

        Inside `batch` this is the batch's connection, committed when the batch ends.
        """
        joined = self._batch_connection()
        if joined is not None:
            yield joined
            return
        with self._connect() as connection:
            if self.backend == "postgresql":
                from workbench.store.postgres import begin_write

                begin_write(connection, self.label)
            else:
                self._begin_immediate(connection)
            try:
                yield connection
            except DatabaseError as error:
                connection.rollback()
                self._raise_if_damaged(error)
                raise
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def _begin_immediate(self, connection: Connection) -> None:
        """Take the write lock; while another program writes, wait quietly, saying so once."""
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as error:
                busy = "locked" in str(error.orig) or "busy" in str(error.orig)
                if not busy or attempt == BUSY_ATTEMPTS:
                    raise self._busy(error) from error
                if attempt == 1:
                    self.on_wait(f"Waiting for {self.path.name}: another program is writing to it…")
            except DatabaseError as error:
                self._raise_if_damaged(error)
                raise

    def _raise_if_damaged(self, error: DatabaseError) -> None:
        if self.backend != "sqlite":
            return
        if error.orig is not None and is_damage(error.orig):
            raise DamagedStoreError(
                damaged_message(self.path, f"SQLite says: {error.orig}")
            ) from error

    def _busy(self, error: OperationalError) -> Exception:
        # Past the busy timeout another program still holds the write lock: say so plainly.
        if "locked" in str(error.orig) or "busy" in str(error.orig):
            waited = BUSY_TIMEOUT_MS * BUSY_ATTEMPTS / 1000
            return KnownError(
                f"{self.path} is busy: another program has been writing to it for more than"
                f" {waited:g} s; try again, or close the other program"
            )
        return error

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection inside a deferred transaction: one consistent snapshot for all reads.

        Inside `batch` this is the batch's connection, which sees the batch's own writes.
        """
        joined = self._batch_connection()
        if joined is not None:
            yield joined
            return
        with self._connect() as connection:
            if self.backend == "postgresql":
                from workbench.store.postgres import begin_read

                begin_read(connection)
            else:
                connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            except DatabaseError as error:
                self._raise_if_damaged(error)
                raise
            finally:
                connection.rollback()

    def dispose(self) -> None:
        """Close every pooled connection (they reopen on demand)."""
        self.engine.dispose()

    def close(self) -> None:
        """Close every pooled connection for good."""
        self._closed = True
        self.engine.dispose()


def _log_wait(message: str) -> None:
    _log.warning(message)
