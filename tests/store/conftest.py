"""Shared fixtures for store tests: a fresh database file per test, and sample contents."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from workbench.core.models import DatasetContent, DatasetRow, PromptContent
from workbench.store import Store


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "workspace" / "workbench.sqlite"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The store's backend: every store test runs on an SQLite file and on PostgreSQL."""
    name: str = request.param
    if name == "postgresql" and "db_path" in request.node.fixturenames:
        pytest.skip("reads or writes the SQLite file itself")
    if name == "postgresql" and request.node.get_closest_marker("sqlite_only") is not None:
        pytest.skip("checks something only SQLite has")
    return name


@pytest.fixture
def store(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Store]:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
        opened = Store.open_url(url, local_path=tmp_path / "workspace" / "workbench.postgres")
    else:
        opened = Store.open(tmp_path / "workspace" / "workbench.sqlite")
    with opened:
        yield opened


def prompt(text: str, **extra: Any) -> PromptContent:
    """A small prompt whose system template is `text`."""
    return PromptContent(system=text, user="{{ message }}", **extra)


def dataset(count: int, *, prefix: str = "row", description: str = "") -> DatasetContent:
    """A dataset of `count` rows with ids ``<prefix>-0000``…"""
    return DatasetContent(
        description=description,
        rows=tuple(
            DatasetRow(
                id=f"{prefix}-{index:04d}",
                vars={"message": f"Où en est ma commande {index} ?", "n": index},
                facts=("expédiée",) if index % 2 else (),
                tags=("fr",),
            )
            for index in range(count)
        ),
    )


def raw_query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run SQL on the file with plain sqlite3, outside the store."""
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, params).fetchall()
