"""Dataset versions stored row by row: reassembly, paging, lookups by id, deduplication."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.conftest import dataset, prompt, raw_query
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import DatasetContent, Kind
from workbench.store import Store


def test_get_version_reassembles_rows_in_order(store: Store) -> None:
    content = dataset(25, description="suivi de commande")
    saved = store.save_version(Kind.DATASET, "cases", content).version
    loaded = store.get_version(saved.id).content
    assert isinstance(loaded, DatasetContent)
    assert loaded == content
    assert [row.id for row in loaded.rows] == [f"row-{i:04d}" for i in range(25)]


def test_pages_by_offset_and_limit(store: Store) -> None:
    content = dataset(50)
    version_id = store.save_version(Kind.DATASET, "cases", content).version.id
    assert store.dataset_row_count(version_id) == 50
    assert store.dataset_rows(version_id, 10, 5) == list(content.rows[10:15])
    assert store.dataset_rows(version_id, 45, 10) == list(content.rows[45:])
    assert store.dataset_rows(version_id, 50, 10) == []
    assert store.dataset_rows(version_id, 0, 0) == []
    assert store.dataset_rows(version_id) == list(content.rows)
    assert store.dataset_row_ids(version_id)[:3] == ["row-0000", "row-0001", "row-0002"]
    with pytest.raises(ValidationError, match="bad page"):
        store.dataset_rows(version_id, -1, 5)


def test_rows_by_id_come_back_in_dataset_order(store: Store) -> None:
    content = dataset(30)
    version_id = store.save_version(Kind.DATASET, "cases", content).version.id
    rows = store.dataset_rows(version_id, ids=["row-0020", "row-0003", "row-0020"])
    assert [row.id for row in rows] == ["row-0003", "row-0020"]
    with pytest.raises(NotFoundError, match="has no row 'nope', 'row-9999'"):
        store.dataset_rows(version_id, ids=["row-0001", "nope", "row-9999"])


def test_saving_same_dataset_again_inserts_nothing(store: Store, db_path: Path) -> None:
    content = dataset(40)
    first = store.save_version(Kind.DATASET, "cases", content)
    again = store.save_version(Kind.DATASET, "cases", dataset(40))
    copy = store.save_version(Kind.DATASET, "cases-copy", dataset(40))
    assert first.created and not again.created
    assert copy.created and copy.version.id == first.version.id
    assert raw_query(db_path, "SELECT count(*) FROM dataset_rows") == [(40,)]


def test_changed_dataset_is_a_new_version_with_its_own_rows(store: Store, db_path: Path) -> None:
    v1 = store.save_version(Kind.DATASET, "cases", dataset(10)).version
    v2 = store.save_version(Kind.DATASET, "cases", dataset(11)).version
    assert (v2.number, v2.parent_id) == (2, v1.id)
    assert store.dataset_row_count(v1.id) == 10
    assert store.dataset_row_count(v2.id) == 11
    assert raw_query(db_path, "SELECT count(*) FROM dataset_rows") == [(21,)]


def test_empty_dataset(store: Store) -> None:
    content = DatasetContent(description="nothing yet", rows=())
    version_id = store.save_version(Kind.DATASET, "empty", content).version.id
    assert store.get_version(version_id).content == content
    assert store.dataset_row_count(version_id) == 0
    assert store.dataset_rows(version_id) == []


def test_paging_a_version_that_is_not_a_dataset(store: Store) -> None:
    version_id = store.save_version(Kind.PROMPT, "greet", prompt("x")).version.id
    with pytest.raises(NotFoundError, match="is a prompt, not a dataset"):
        store.dataset_rows(version_id)
    with pytest.raises(NotFoundError, match="no dataset version with id 1234"):
        store.dataset_row_count("1234")


@pytest.mark.slow
def test_hundred_thousand_rows_save_and_page(store: Store) -> None:
    content = dataset(100_000)
    result = store.save_version(Kind.DATASET, "big", content)
    version_id = result.version.id
    assert store.dataset_row_count(version_id) == 100_000
    page = store.dataset_rows(version_id, 99_990, 50)
    assert [row.id for row in page] == [f"row-{i:04d}" for i in range(99_990, 100_000)]
    assert store.save_version(Kind.DATASET, "big", content).created is False
