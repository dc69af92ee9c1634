"""An import batch is validated whole (encodability included) and written in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.models import Kind
from workbench.interop import workspace
from workbench.interop.workspace import BatchImportError, import_paths
from workbench.store import Store

Write = Callable[[str, str | bytes], Path]


def test_a_lone_surrogate_in_a_later_file_leaves_nothing_imported(
    store: Store, write: Write
) -> None:
    first = write("datasets/aaa.jsonl", '{"id":"a","vars":{"m":"ok"}}\n')
    write("datasets/zzz.jsonl", '{"id":"a","vars":{"m":"\\ud800"}}\n')
    with pytest.raises(BatchImportError) as caught:
        import_paths(store, [first.parent], author="t")
    message = str(caught.value)
    assert "zzz.jsonl" in message and "lone surrogate" in message
    assert store.list_families(Kind.DATASET) == []


def test_a_failure_while_writing_rolls_the_whole_batch_back(
    store: Store, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write("datasets/aaa.jsonl", '{"id":"a","vars":{"m":"ok"}}\n')
    write("datasets/bbb.jsonl", '{"id":"b","vars":{"m":"fine"}}\n')
    real = workspace._import_dataset
    calls: list[str] = []

    def failing_second(store: Store, plan: object, *, author: str) -> object:
        calls.append(str(plan))
        if len(calls) == 2:
            raise OSError("disk full")
        return real(store, plan, author=author)  # type: ignore[arg-type]

    monkeypatch.setattr(workspace, "_import_dataset", failing_second)
    with pytest.raises(OSError, match="disk full"):
        import_paths(store, [first.parent], author="t")
    assert len(calls) == 2
    assert store.list_families(Kind.DATASET) == []
    monkeypatch.setattr(workspace, "_import_dataset", real)
    report = import_paths(store, [first.parent], author="t")
    assert report.created == 2
    assert [f.name for f in store.list_families(Kind.DATASET)] == ["aaa", "bbb"]
