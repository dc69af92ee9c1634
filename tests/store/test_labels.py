"""Labels: create, move, remove, and the append-only audit trail guarded by triggers."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.store.conftest import prompt
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import Kind
from workbench.store import Store


def _two_versions(store: Store) -> tuple[str, str]:
    v1 = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).version.id
    v2 = store.save_version(Kind.PROMPT, "greet", prompt("Salut")).version.id
    return v1, v2


def test_set_move_and_remove_append_events(store: Store) -> None:
    v1, v2 = _two_versions(store)
    created = store.set_label(Kind.PROMPT, "greet", "production", v1, actor="ana")
    moved = store.set_label(Kind.PROMPT, "greet", "production", v2, actor="bruno")
    removed = store.remove_label(Kind.PROMPT, "greet", "production", actor="chloé")
    assert (created.from_version_id, created.to_version_id, created.actor) == (None, v1, "ana")
    assert (moved.from_version_id, moved.to_version_id, moved.actor) == (v1, v2, "bruno")
    assert (removed.from_version_id, removed.to_version_id) == (v2, None)
    events = store.label_events(Kind.PROMPT, "greet")
    assert events == [created, moved, removed]
    assert all(e.family == "greet" and e.kind is Kind.PROMPT for e in events)
    assert events[0].at <= events[1].at <= events[2].at
    assert store.get_family(Kind.PROMPT, "greet").labels == {}


def test_labels_show_on_versions_and_families(store: Store) -> None:
    v1, v2 = _two_versions(store)
    store.set_label(Kind.PROMPT, "greet", "production", v1, actor="ana")
    store.set_label(Kind.PROMPT, "greet", "staging", v1, actor="ana")
    store.set_label(Kind.PROMPT, "greet", "staging", v2, actor="ana")
    assert store.get_version(v1).labels == ("production",)
    assert store.get_version(v2).labels == ("staging",)
    assert store.get_family(Kind.PROMPT, "greet").labels == {"production": 1, "staging": 2}


def test_setting_label_to_where_it_is_records_nothing(store: Store) -> None:
    v1, _ = _two_versions(store)
    first = store.set_label(Kind.PROMPT, "greet", "production", v1, actor="ana")
    again = store.set_label(Kind.PROMPT, "greet", "production", v1, actor="bruno")
    assert again == first
    assert len(store.label_events(Kind.PROMPT, "greet")) == 1


def test_label_must_point_into_its_own_family(store: Store) -> None:
    _two_versions(store)
    other = store.save_version(Kind.PROMPT, "other", prompt("Ailleurs")).version.id
    with pytest.raises(NotFoundError, match="is not a version of prompt 'greet'"):
        store.set_label(Kind.PROMPT, "greet", "production", other, actor="ana")
    with pytest.raises(NotFoundError, match="no prompt named 'nope'"):
        store.set_label(Kind.PROMPT, "nope", "production", other, actor="ana")
    assert store.label_events(Kind.PROMPT, "greet") == []


@pytest.mark.parametrize("label", ["v2", "beef", "cafe1234", "Prod", "", "a b"])
def test_labels_that_could_be_misread_are_refused(store: Store, label: str) -> None:
    v1, _ = _two_versions(store)
    with pytest.raises(ValidationError, match=f"'{label}'"):
        store.set_label(Kind.PROMPT, "greet", label, v1, actor="ana")


def test_actor_is_required(store: Store) -> None:
    v1, _ = _two_versions(store)
    with pytest.raises(ValidationError, match="needs an actor"):
        store.set_label(Kind.PROMPT, "greet", "production", v1, actor="  ")


def test_removing_a_missing_label_lists_existing_ones(store: Store) -> None:
    v1, _ = _two_versions(store)
    store.set_label(Kind.PROMPT, "greet", "production", v1, actor="ana")
    with pytest.raises(NotFoundError, match=r"has no label 'staging' \(labels: production\)"):
        store.remove_label(Kind.PROMPT, "greet", "staging", actor="ana")


def test_label_events_cannot_be_changed_or_deleted(store: Store, db_path: Path) -> None:
    v1, v2 = _two_versions(store)
    store.set_label(Kind.PROMPT, "greet", "production", v1, actor="ana")
    store.set_label(Kind.PROMPT, "greet", "production", v2, actor="ana")
    before = store.label_events(Kind.PROMPT, "greet")
    with closing(sqlite3.connect(db_path)) as raw:
        for sql in (
            "UPDATE label_events SET actor = 'mallory'",
            "DELETE FROM label_events",
            "DELETE FROM label_events WHERE id = 1",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(sql)
        raw.commit()
    assert store.label_events(Kind.PROMPT, "greet") == before
    # The API offers readers of audit trails only: nothing that edits or deletes events.
    public = [name for name in dir(Store) if "event" in name and not name.startswith("_")]
    assert "label_events" in public
    assert all(name.endswith("_events") for name in public), public
