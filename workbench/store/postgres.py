"""The store on a PostgreSQL server: engine, SQL translation, reachability, schema state.

The store's SQL is written once, for SQLite (``?`` placeholders, SQLite DDL). On PostgreSQL:

- statements the store passes straight to the driver have their ``?`` placeholders turned into
  psycopg's ``%s`` (and literal ``%`` doubled) just before they are sent; statements SQLAlchemy
  compiles itself are left alone;
- migration DDL is translated by `pg_statements`: integers become ``BIGINT``, ``INTEGER PRIMARY
  KEY`` an identity column, ``REAL`` ``DOUBLE PRECISION``; the SQLite ``RAISE(ABORT)`` triggers
  that make versions, label events, approvals and logs append-only become row triggers calling
  ``workbench_refuse(message)``, which raises the same message; the FTS5 index of imported logs
  has no equivalent here (log search falls back to a case-insensitive ``ILIKE`` match of every
  word);
- Python booleans are sent as integers (the columns are integers, as on SQLite) and
  ``numeric`` results (``SUM`` of integers) come back as ``int`` or ``float``.

Writers are serialised like SQLite's ``BEGIN IMMEDIATE``: every write transaction first takes one
transaction-scoped advisory lock (`WRITE_LOCK_KEY`), so a read-modify-write (a label move, the
next approval number) never loses another writer's update. Reads run in ``REPEATABLE READ``: one
consistent snapshot, never blocking a writer.

Passwords never live in the workspace: the URL kept in the workspace settings has none (libpq
takes it from ``PGPASSWORD`` or ``~/.pgpass``), and every message shows the URL without it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from workbench.core.errors import KnownError

WRITE_LOCK_KEY = 0x5057_4B42  # "PWKB": the one lock every write transaction takes first
CONNECT_TIMEOUT_S = 10

REFUSE_FUNCTION = """CREATE OR REPLACE FUNCTION workbench_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$"""


def is_database_url(text: str) -> bool:
    """Whether `text` looks like a PostgreSQL URL rather than a file path."""
    return text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def parse_url(text: str) -> URL:
    """The SQLAlchemy URL (psycopg driver) of a ``postgresql://`` URL; KnownError when malformed."""
    try:
        url = make_url(text.strip())
    except ArgumentError as error:
        raise KnownError(f"not a database URL: {redact(text)!r} ({error})") from error
    if url.get_backend_name() not in ("postgresql", "postgres"):
        raise KnownError(
            f"unsupported database URL {redact(text)!r}: only postgresql://user@host:port/db"
        )
    if not url.database:
        raise KnownError(f"the database URL {redact(text)!r} names no database (…/dbname)")
    return url.set(drivername="postgresql+psycopg")


def redact(text: str) -> str:
    """`text` (a URL) without its password, for messages and settings."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1@", text)


def storable_url(text: str) -> str:
    """The URL to keep in the workspace settings: no password, ``postgresql://`` scheme."""
    url = parse_url(text)
    bare = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return bare.render_as_string(hide_password=False)


def describe(url: URL) -> str:
    """``host:port/database`` for messages."""
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def _translate_placeholders(statement: str) -> str:
    out: list[str] = []
    quoted = False
    for char in statement:
        if char == "'":
            quoted = not quoted
            out.append(char)
        elif char == "%":
            out.append("%%")
        elif char == "?" and not quoted:
            out.append("%s")
        else:
            out.append(char)
    return "".join(out)


def _before_execute(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> tuple[str, Any]:
    compiled = getattr(context, "compiled", None)
    if compiled is None and parameters is not None:
        statement = _translate_placeholders(statement)
    return statement, parameters


def _configure(dbapi_connection: Any, _record: Any) -> None:
    from psycopg.adapt import Dumper, Loader
    from psycopg.postgres import types

    int8 = types["int8"].oid

    class BoolAsInt(Dumper):
        oid = int8

        def dump(self, obj: Any) -> bytes:
            return b"1" if obj else b"0"

    class NumericAsNumber(Loader):
        def load(self, data: Any) -> Any:
            value = Decimal(bytes(data).decode())
            return int(value) if value == value.to_integral_value() else float(value)

    dbapi_connection.adapters.register_dumper(bool, BoolAsInt)
    dbapi_connection.adapters.register_loader("numeric", NumericAsNumber)


def make_pg_engine(url: URL) -> Engine:
    """An engine on `url` with the translation hooks; connections time out after 10 s."""
    engine = create_engine(
        url,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "prompt-workbench"},
        pool_pre_ping=True,
    )
    # Booleans are integer columns (as on SQLite): SQLAlchemy converts them both ways.
    engine.dialect.supports_native_boolean = False
    event.listen(engine, "connect", _configure)
    event.listen(engine, "before_cursor_execute", _before_execute, retval=True)
    return engine


def unreachable(url: URL, error: OperationalError) -> KnownError:
    """A clear error for a server that cannot be reached or refuses the connection."""
    reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    return KnownError(
        f"cannot connect to the PostgreSQL server at {url.host or 'localhost'}:"
        f"{url.port or 5432} (database {url.database!r}, user {url.username or '(default)'}):"
        f" {redact(reason)}. Check the URL, that the server runs and accepts connections, and"
        " the password (PGPASSWORD or ~/.pgpass). The local workspace was not changed."
    )


def check_reachable(engine: Engine, url: URL) -> None:
    """Connect once; KnownError naming host and port when that fails."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            connection.rollback()
    except OperationalError as error:
        engine.dispose()
        raise unreachable(url, error) from error


WRITE_WAIT_S = 60
"""A writer waits this long for another writer's transaction before giving up."""


def begin_write(connection: Connection, label: str) -> None:
    """Serialise writers: the first statements of every write transaction."""
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITE_WAIT_S}s'")
    try:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
    except OperationalError as error:
        connection.rollback()
        if "lock timeout" in str(error.orig):
            raise KnownError(
                f"{label} is busy: another program has been writing to it for more than"
                f" {WRITE_WAIT_S} s; try again"
            ) from error
        raise


def begin_read(connection: Connection) -> None:
    """One snapshot for every read of the transaction."""
    connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def table_names(connection: Connection) -> set[str]:
    """The tables of the current schema."""
    return {
        name
        for (name,) in connection.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    }


_TRIGGER = re.compile(
    r"CREATE TRIGGER (\w+) BEFORE (UPDATE|DELETE) ON (\w+)\s+BEGIN SELECT RAISE\(ABORT, "
    r"'((?:[^']|'')*)'\); END",
    re.S,
)
_FAMILIES_HEAD_FK = re.compile(
    r",\s*FOREIGN KEY \(id, head_id\) REFERENCES versions \(family_id, version_id\)"
)


def pg_statements(statement: str) -> list[str]:
    """The PostgreSQL statements doing what the SQLite migration `statement` does."""
    text = statement.strip()
    if "fts5" in text or "log_messages_fts" in text:
        return []  # no FTS5 index: log search uses ILIKE on PostgreSQL
    trigger = _TRIGGER.fullmatch(text)
    if trigger:
        name, action, table, message = trigger.groups()
        return [
            REFUSE_FUNCTION,
            f"CREATE TRIGGER {name} BEFORE {action} ON {table} FOR EACH ROW"
            f" EXECUTE FUNCTION workbench_refuse('{message}')",
        ]
    if text.startswith("CREATE TRIGGER"):
        raise ValueError(f"no PostgreSQL translation for trigger: {text[:80]}")
    extra: list[str] = []
    if text.startswith("CREATE TABLE families"):
        # SQLite accepts a reference to a table created later; PostgreSQL adds it afterwards.
        text = _FAMILIES_HEAD_FK.sub("", text)
    if text.startswith("CREATE TABLE versions"):
        extra.append(
            "ALTER TABLE families ADD CONSTRAINT families_head_fk FOREIGN KEY (id, head_id)"
            " REFERENCES versions (family_id, version_id)"
        )
    text = re.sub(
        r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", text
    )
    text = re.sub(r"\bINTEGER\b", "BIGINT", text)
    text = re.sub(r"\bREAL\b", "DOUBLE PRECISION", text)
    text = re.sub(r"\bBLOB\b", "BYTEA", text)
    return [text, *extra]


def identity_tables(connection: Connection) -> list[tuple[str, str]]:
    """(table, column) of every identity column, to move sequences past copied ids."""
    return [
        (str(table), str(column))
        for table, column in connection.exec_driver_sql(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_identity = 'YES'"
        )
    ]


def reset_identities(connection: Connection) -> None:
    """Move every identity sequence past the largest id present (after rows were copied in)."""
    for table, column in identity_tables(connection):
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f" COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)"
        )
