"""Copy a whole store into an empty one, between SQLite and PostgreSQL, losslessly.

Every table the migrations made is copied row by row with its ids (so version ids — content
hashes —, approval numbers, run ids and the audit trails stay the same), in the order of their
foreign keys, in one write transaction of the destination: a failure leaves it empty. The one
cycle (a family's head points at one of its versions) is closed after the versions are in.
Afterwards every table is compared: row count and a SHA-256 of its rows in primary-key order;
any difference raises. The destination must be empty (no row outside the schema tables): the
append-only tables cannot be overwritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, create_engine, inspect

from workbench.core.errors import KnownError

if TYPE_CHECKING:
    from workbench.store.store import Store

_SKIPPED = ("schema_meta", "schema_migrations")
_CHUNK = 2000


@dataclass(frozen=True)
class TableCopy:
    """One table copied: its rows and the hash of its content (same on both sides)."""

    table: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class CopyReport:
    """What `copy_store` copied, table by table, from where to where."""

    source: str
    destination: str
    tables: tuple[TableCopy, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


@dataclass(frozen=True)
class _Schema:
    """Tables of a store with their columns, primary keys and referenced tables."""

    columns: dict[str, list[str]]
    keys: dict[str, list[str]]
    refs: dict[str, set[str]]

    @classmethod
    def read(cls, store: Store) -> _Schema:
        # A plain engine: the store's own one sends booleans as integers, which the catalog
        # queries of reflection do not accept.
        engine = create_engine(store._db.engine.url)
        try:
            inspector = inspect(engine)
            names = [
                n
                for n in inspector.get_table_names()
                if n not in _SKIPPED and not n.startswith(("log_messages_fts", "sqlite_"))
            ]
            columns = {n: [str(c["name"]) for c in inspector.get_columns(n)] for n in names}
            keys = {
                n: list(inspector.get_pk_constraint(n)["constrained_columns"]) or columns[n]
                for n in names
            }
            refs = {
                n: {str(fk["referred_table"]) for fk in inspector.get_foreign_keys(n)}
                for n in names
            }
        finally:
            engine.dispose()
        return cls(columns, keys, refs)

    def ordered(self) -> list[str]:
        """Tables with every referenced table first (the families → versions head excepted)."""
        needs = {
            table: {
                ref
                for ref in refs
                if ref != table
                and not (table == "families" and ref == "versions")
                and ref in self.columns
            }
            for table, refs in self.refs.items()
        }
        ordered: list[str] = []
        while needs:
            ready = sorted(t for t, deps in needs.items() if deps <= set(ordered))
            if not ready:
                raise KnownError(f"cannot order tables for copying: {sorted(needs)}")
            ordered.extend(ready)
            for table in ready:
                del needs[table]
        return ordered


def _rows(
    connection: Connection, table: str, columns: Sequence[str], key: Sequence[str]
) -> Iterable[Sequence[Any]]:
    order = ", ".join(key)
    result = connection.exec_driver_sql(
        f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
    )
    while True:
        chunk = result.fetchmany(_CHUNK)
        if not chunk:
            return
        yield from chunk


def _digest(rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """Row count and a hash of the rows independent of their order (text sorts differently on
    the two backends): the SHA-256 of the sorted SHA-256s of the rows."""
    hashes = sorted(
        hashlib.sha256(repr(tuple(_plain(v) for v in row)).encode()).digest() for row in rows
    )
    return len(hashes), hashlib.sha256(b"".join(hashes)).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _is_empty(connection: Connection, tables: Sequence[str]) -> list[str]:
    return [
        t
        for t in tables
        if connection.exec_driver_sql(f"SELECT 1 FROM {t} LIMIT 1").first() is not None
    ]


def copy_store(source: Store, destination: Store) -> CopyReport:
    """Copy every row of `source` into the empty `destination`, then verify both agree.

    Raises:
        KnownError: the destination is not empty, the schemas differ, or the verification
            found a difference (the destination is then left as it was).
    """
    if source.schema_version != destination.schema_version:
        raise KnownError(
            f"the two stores have different schemas ({source.schema_version} and"
            f" {destination.schema_version}); open both with the same Prompt Workbench first"
        )
    schema = _Schema.read(source)
    tables = schema.ordered()
    missing = sorted(set(tables) - set(_Schema.read(destination).columns))
    if missing:
        raise KnownError(f"{destination.location} lacks the tables {', '.join(missing)}")
    copied: list[TableCopy] = []
    with source._db.read() as reader, destination._db.write() as writer:
        filled = _is_empty(writer, tables)
        if filled:
            raise KnownError(
                f"{destination.location} is not empty (rows in {', '.join(filled[:5])}):"
                " copy into a new, empty database or file"
            )
        heads: list[tuple[Any, Any]] = []
        for table in tables:
            columns, key = schema.columns[table], schema.keys[table]
            insert = (
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' for _ in columns)})"
            )
            head_at = columns.index("head_id") if table == "families" else -1
            batch: list[tuple[Any, ...]] = []
            for row in _rows(reader, table, columns, key):
                values = tuple(_plain(v) for v in row)
                if head_at >= 0 and values[head_at] is not None:
                    heads.append((values[columns.index("id")], values[head_at]))
                    values = (*values[:head_at], None, *values[head_at + 1 :])
                batch.append(values)
                if len(batch) >= _CHUNK:
                    writer.exec_driver_sql(insert, batch)
                    batch = []
            if batch:
                writer.exec_driver_sql(insert, batch)
            if table == "versions" and heads:
                writer.exec_driver_sql(
                    "UPDATE families SET head_id = ? WHERE id = ?", [(h, i) for i, h in heads]
                )
        if destination.backend == "postgresql":
            from workbench.store.postgres import reset_identities

            reset_identities(writer)
        for table in tables:
            columns, key = schema.columns[table], schema.keys[table]
            count, sha = _digest(_rows(reader, table, columns, key))
            count_after, sha_after = _digest(_rows(writer, table, columns, key))
            if (count, sha) != (count_after, sha_after):
                same = "equal" if sha == sha_after else "differ"
                raise KnownError(
                    f"copy check failed for table {table}: {count} rows in the source,"
                    f" {count_after} in the copy, contents {same}; nothing was copied"
                )
            copied.append(TableCopy(table, count, sha))
    return CopyReport(source.location, destination.location, tuple(copied))
