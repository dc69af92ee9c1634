"""Resolving ``NAME[@REF]`` addresses, and the errors that help fix a wrong one."""

from __future__ import annotations

import pytest

from tests.store.conftest import prompt
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import Kind, Version
from workbench.core.versioning import VersionRef
from workbench.store import Store


@pytest.fixture
def versions(store: Store) -> list[Version]:
    saved = [
        store.save_version(Kind.PROMPT, "greet", prompt(text)).version
        for text in ("Bonjour", "Bonjour !", "Salut")
    ]
    store.set_label(Kind.PROMPT, "greet", "production", saved[0].id, actor="ana")
    store.set_label(Kind.PROMPT, "greet", "staging", saved[1].id, actor="ana")
    return saved


def test_head_number_label_and_prefix(store: Store, versions: list[Version]) -> None:
    assert store.resolve(Kind.PROMPT, "greet").id == versions[2].id
    assert store.resolve(Kind.PROMPT, VersionRef("greet")).id == versions[2].id
    assert store.resolve(Kind.PROMPT, "greet@v2").id == versions[1].id
    assert store.resolve(Kind.PROMPT, VersionRef("greet", "v1")).id == versions[0].id
    assert store.resolve(Kind.PROMPT, "greet@production").id == versions[0].id
    assert store.resolve(Kind.PROMPT, "greet@staging").labels == ("staging",)
    for version in versions:
        assert store.resolve(Kind.PROMPT, f"greet@{version.id[:8]}").id == version.id
        assert store.resolve(Kind.PROMPT, f"greet@{version.id.upper()}").id == version.id


def test_resolved_version_carries_labels_and_content(store: Store, versions: list[Version]) -> None:
    resolved = store.resolve(Kind.PROMPT, "greet@production")
    assert resolved.labels == ("production",)
    assert resolved.content == prompt("Bonjour")
    assert resolved.ref == "greet@v1"


def test_unknown_family_lists_existing_names(store: Store, versions: list[Version]) -> None:
    store.save_version(Kind.PROMPT, "order-tracking", prompt("x"))
    with pytest.raises(NotFoundError) as caught:
        store.resolve(Kind.PROMPT, "gret@v1")
    message = str(caught.value)
    assert "no prompt named 'gret'" in message
    assert "did you mean 'greet'" in message
    assert "prompts here: greet, order-tracking" in message


def test_unknown_family_when_there_are_none(store: Store, versions: list[Version]) -> None:
    with pytest.raises(NotFoundError, match="there are no personas yet"):
        store.resolve(Kind.PERSONA, "greet")


def test_unknown_ref_lists_labels_and_versions(store: Store, versions: list[Version]) -> None:
    for ref in ("greet@v9", "greet@prod", "greet@ffffffff"):
        with pytest.raises(NotFoundError) as caught:
            store.resolve(Kind.PROMPT, ref)
        message = str(caught.value)
        assert f"has no version or label '{ref.split('@')[1]}'" in message
        assert "production → v1, staging → v2" in message
        assert f"v1 ({versions[0].id[:8]}), v2 ({versions[1].id[:8]}), v3" in message


def test_ambiguous_prefix_lists_candidates(store: Store) -> None:
    # Find two contents whose ids share a 4-digit prefix (a few hundred tries at most).
    seen: dict[str, str] = {}
    for index in range(5000):
        version = store.save_version(Kind.PROMPT, "many", prompt(f"text {index}")).version
        if version.id[:4] in seen:
            first, second = seen[version.id[:4]], version.id
            break
        seen[version.id[:4]] = version.id
    else:
        pytest.fail("no shared prefix found")
    with pytest.raises(ValidationError) as caught:
        store.resolve(Kind.PROMPT, f"many@{second[:4]}")
    message = str(caught.value)
    assert "matches 2 versions of prompt 'many'" in message
    assert first[:12] in message and second[:12] in message
    assert "give more hex digits" in message
    longer = next(n for n in range(5, 64) if first[:n] != second[:n])
    assert store.resolve(Kind.PROMPT, f"many@{second[:longer]}").id == second


def test_prefix_shorter_than_four_is_not_a_prefix(store: Store, versions: list[Version]) -> None:
    with pytest.raises(NotFoundError, match="at least 4 hex digits"):
        store.resolve(Kind.PROMPT, f"greet@{versions[0].id[:3]}")


def test_malformed_address(store: Store) -> None:
    with pytest.raises(ValidationError, match="is not a NAME or NAME@VERSION address"):
        store.resolve(Kind.PROMPT, "greet@v1@v2")


def test_kind_separates_families(store: Store, versions: list[Version]) -> None:
    with pytest.raises(NotFoundError, match="no rubric named 'greet'"):
        store.resolve(Kind.RUBRIC, "greet")
