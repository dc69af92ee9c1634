"""Saving versions: identity by content, numbering, head moves, parents, immutability."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.store.conftest import dataset, prompt, raw_query
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import (
    ChatMessage,
    CriterionSpec,
    Kind,
    ModelConfigContent,
    PersonaContent,
    PromptContent,
    RubricContent,
    ToneTraits,
)
from workbench.core.versioning import content_hash
from workbench.store import Store


def test_first_save_creates_version_one_and_family(store: Store) -> None:
    result = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour"), author="ana", note="first")
    version = result.version
    assert result.created is True
    assert version.number == 1
    assert version.id == content_hash(Kind.PROMPT, prompt("Bonjour"))
    assert (version.family, version.kind, version.author, version.note) == (
        "greet",
        Kind.PROMPT,
        "ana",
        "first",
    )
    assert version.parent_id is None
    assert version.created_at.tzinfo is not None
    [family] = store.list_families(Kind.PROMPT)
    assert (family.name, family.head_id, family.head_number, family.version_count) == (
        "greet",
        version.id,
        1,
        1,
    )


def test_saving_unchanged_head_creates_nothing(store: Store) -> None:
    first = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).version
    again = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour"), note="ignored")
    assert again.created is False
    assert again.version.id == first.id
    assert again.version.number == 1
    assert again.version.note == ""  # metadata of the stored version, not the new call
    assert len(store.history(Kind.PROMPT, "greet")) == 1


def test_new_content_gets_next_number_and_head_as_parent(store: Store) -> None:
    v1 = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).version
    v2 = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour !")).version
    v3 = store.save_version(Kind.PROMPT, "greet", prompt("Salut")).version
    assert [v.number for v in (v1, v2, v3)] == [1, 2, 3]
    assert v2.parent_id == v1.id
    assert v3.parent_id == v2.id
    assert store.resolve(Kind.PROMPT, "greet").id == v3.id


def test_content_equal_to_older_version_moves_head_back(store: Store) -> None:
    v1 = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).version
    store.save_version(Kind.PROMPT, "greet", prompt("Salut"))
    back = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour"))
    assert back.created is False
    assert back.version.id == v1.id
    assert back.version.number == 1
    assert store.resolve(Kind.PROMPT, "greet").number == 1
    assert store.get_family(Kind.PROMPT, "greet").version_count == 2
    # Saving something new after moving back descends from the version moved to.
    v3 = store.save_version(Kind.PROMPT, "greet", prompt("Coucou")).version
    assert (v3.number, v3.parent_id) == (3, v1.id)


def test_explicit_parent_and_fork_into_another_family(store: Store) -> None:
    source = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).version
    fork = store.save_version(Kind.PROMPT, "greet-casual", prompt("Salut"), parent_id=source.id)
    assert fork.version.parent_id == source.id
    assert fork.version.number == 1
    with pytest.raises(NotFoundError, match="parent version 000000000000 is not stored"):
        store.save_version(Kind.PROMPT, "greet", prompt("Hé"), parent_id="0" * 64)


def test_same_content_in_two_families_is_stored_once(store: Store, db_path: Path) -> None:
    a = store.save_version(Kind.PROMPT, "a", prompt("Bonjour")).version
    b = store.save_version(Kind.PROMPT, "b", prompt("Bonjour")).version
    assert a.id == b.id
    assert (a.family, b.family) == ("a", "b")
    assert raw_query(db_path, "SELECT count(*) FROM version_contents") == [(1,)]
    assert store.get_version(a.id).family == "a"  # earliest stored
    assert store.get_version(a.id, family="b").family == "b"


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        (
            Kind.PROMPT,
            PromptContent(
                messages=(
                    ChatMessage(role="system", content="{{ persona }}"),
                    ChatMessage(role="user", content="{{ message }}"),
                ),
                variables={"message": "Le message"},
                params={"temperature": 0.2, "stop": ["\n\n"]},
            ),
        ),
        (
            Kind.PERSONA,
            PersonaContent(
                display_name="Élodie",
                role="conseillère",
                address_form="vous",
                formality=4,
                register="institutional",
                tone=ToneTraits(warmth=4, emoji="never"),
                avoid=("n'hésitez pas",),
            ),
        ),
        (Kind.DATASET, dataset(5, description="suivi")),
        (
            Kind.MODEL,
            ModelConfigContent(
                provider="openai-compatible",
                model="smollm2",
                base_url="http://127.0.0.1:8080/v1",
                params={"max_tokens": 200, "temperature": 0},
                input_usd_per_mtok=0.0,
            ),
        ),
        (
            Kind.RUBRIC,
            RubricContent(
                threshold=0.75,
                criteria=(CriterionSpec(kind="contains", weight=2, config={"text": "commande"}),),
            ),
        ),
    ],
)
def test_every_kind_round_trips_with_the_same_id(
    db_path: Path, kind: Kind, content: object
) -> None:
    with Store.open(db_path) as writer:
        saved = writer.save_version(kind, "thing", content).version  # type: ignore[arg-type]
    with Store.open(db_path) as reader:
        loaded = reader.get_version(saved.id)
    assert loaded.content == content
    assert type(loaded.content) is type(content)
    assert content_hash(kind, loaded.content) == saved.id
    assert loaded.kind is kind


def test_content_is_stored_as_canonical_json(store: Store, db_path: Path) -> None:
    version = store.save_version(Kind.PROMPT, "greet", prompt("Été")).version
    [(text,)] = raw_query(
        db_path, "SELECT content_json FROM version_contents WHERE version_id = ?", (version.id,)
    )
    assert text == '{"system":"Été","user":"{{ message }}"}'


def test_wrong_content_type_and_bad_names_are_refused(store: Store) -> None:
    with pytest.raises(ValidationError, match="prompt 'greet': expected PromptContent"):
        store.save_version(Kind.PROMPT, "greet", dataset(1))
    with pytest.raises(ValidationError, match="'Bad Name' is not a valid name"):
        store.save_version(Kind.PROMPT, "Bad Name", prompt("x"))
    assert store.list_families() == []


def test_created_at_is_kept_and_naive_times_are_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    aware = store.save_version(
        Kind.PROMPT, "a", prompt("1"), created_at=datetime(2026, 10, 2, 11, 30, tzinfo=paris)
    ).version
    naive = store.save_version(
        Kind.PROMPT, "a", prompt("2"), created_at=datetime(2026, 10, 2, 9, 30)
    ).version
    assert aware.created_at == datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
    assert store.get_version(naive.id).created_at == datetime(2026, 10, 2, 9, 30, tzinfo=UTC)


def test_history_lists_versions_by_number_with_labels(store: Store) -> None:
    ids = [
        store.save_version(Kind.PROMPT, "greet", prompt(text)).version.id
        for text in ("a", "b", "c")
    ]
    store.set_label(Kind.PROMPT, "greet", "production", ids[0], actor="ana")
    history = store.history(Kind.PROMPT, "greet")
    assert [v.id for v in history] == ids
    assert [v.labels for v in history] == [("production",), (), ()]
    with pytest.raises(NotFoundError, match="no prompt named 'gret'"):
        store.history(Kind.PROMPT, "gret")


def test_list_families_by_kind_with_descriptions(store: Store) -> None:
    store.save_version(Kind.PROMPT, "b-prompt", prompt("x"))
    store.save_version(Kind.PROMPT, "a-prompt", prompt("y"))
    store.save_version(Kind.DATASET, "cases", dataset(2))
    info = store.set_family_description(Kind.PROMPT, "b-prompt", "Answers tracking questions.")
    assert info.description == "Answers tracking questions."
    assert [f.name for f in store.list_families(Kind.PROMPT)] == ["a-prompt", "b-prompt"]
    assert [(f.kind, f.name) for f in store.list_families()] == [
        (Kind.DATASET, "cases"),
        (Kind.PROMPT, "a-prompt"),
        (Kind.PROMPT, "b-prompt"),
    ]
    # A description is not content: no new version.
    assert store.get_family(Kind.PROMPT, "b-prompt").version_count == 1
    with pytest.raises(NotFoundError):
        store.set_family_description(Kind.PERSONA, "b-prompt", "x")


def test_get_version_unknown_id(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no version with id abc"):
        store.get_version("abc")


def test_stored_versions_cannot_be_updated_even_with_raw_sql(store: Store, db_path: Path) -> None:
    version = store.save_version(Kind.DATASET, "cases", dataset(2)).version
    statements = [
        ("UPDATE version_contents SET content_json = '{}'", ()),
        ("UPDATE versions SET note = 'rewritten'", ()),
        ("UPDATE dataset_rows SET row_json = '{}'", ()),
    ]
    with closing(sqlite3.connect(db_path)) as raw:
        for sql, params in statements:
            with pytest.raises(sqlite3.IntegrityError, match="versions are immutable"):
                raw.execute(sql, params)
    assert store.get_version(version.id).content == dataset(2)


def test_no_update_or_delete_method_exists_for_versions() -> None:
    public = {name for name in dir(Store) if not name.startswith("_")}
    forbidden = {n for n in public if "version" in n and n.startswith(("update", "delete", "edit"))}
    assert forbidden == set()
