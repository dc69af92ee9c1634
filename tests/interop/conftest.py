"""Fixtures for the interop tests: a real store in a temporary folder, and file helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workbench.store import Store


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary workspace home; WORKBENCH_HOME points at it so nothing leaks outside."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("WORKBENCH_HOME", str(folder))
    return folder


@pytest.fixture
def open_store(home: Path) -> Iterator[Callable[[str], Store]]:
    """Open real SQLite stores by name under the temporary home; all are closed afterwards."""
    opened: list[Store] = []

    def opener(name: str = "workbench") -> Store:
        store = Store.open(home / f"{name}.sqlite")
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[str], Store]) -> Store:
    """A fresh, empty store."""
    return open_store("workbench")


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file under tmp_path (text as UTF-8 with the line ends given) and return its path."""

    def writer(relative: str, data: str | bytes) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return writer
