"""Fixtures shared by every test folder: a throwaway PostgreSQL server for the shared store.

`pg_server` starts one server per test session (``initdb`` into a temporary folder, ``postgres``
on a free port of 127.0.0.1, run as the ``postgres`` user when the tests run as root; see
`workbench.testing.pg_server`) and stops it at the end. `pg_url` makes a fresh, empty database
on it per test. Without PostgreSQL server binaries both skip, saying why.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from workbench.testing.pg_server import TempPostgres, find_pg_bin

_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TempPostgres]:
    folder, reason = find_pg_bin()
    if folder is None:
        pytest.skip(reason)
    try:
        server = TempPostgres(bin_dir=folder).start()
    except (RuntimeError, OSError) as error:  # pragma: no cover - depends on the machine
        pytest.skip(f"PostgreSQL could not be started: {error}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_database(pg_server: TempPostgres) -> Callable[[], str]:
    """Makes a new empty database on the session's server and returns its URL."""

    def make() -> str:
        return pg_server.create_database(f"wb_test_{next(_names)}")

    return make


@pytest.fixture
def pg_url(pg_database: Callable[[], str]) -> str:
    """The URL of a new empty database."""
    return pg_database()
