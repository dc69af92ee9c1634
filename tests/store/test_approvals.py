"""Approvals in the store: numbering, addresses, labels, revocation and the guarded history."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.store.conftest import dataset, prompt
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import (
    CriterionSpec,
    Kind,
    ModelConfigContent,
    PersonaContent,
    RubricContent,
)
from workbench.core.runs import Column, RunSpec
from workbench.store import Store
from workbench.store.approvals import (
    ApprovalDraft,
    ApprovalEvidence,
    BundleVersions,
    RunEvidence,
)


def _versions(store: Store) -> BundleVersions:
    p = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).version
    persona = store.save_version(
        Kind.PERSONA, "formal", PersonaContent(display_name="Camille", role="conseillère")
    ).version
    model = store.save_version(
        Kind.MODEL, "gpt", ModelConfigContent(provider="openai", model="gpt-4o-mini")
    ).version
    rubric = store.save_version(
        Kind.RUBRIC,
        "basics",
        RubricContent(criteria=(CriterionSpec(kind="contains", config={"value": "Bonjour"}),)),
    ).version
    return BundleVersions(
        prompt_id=p.id,
        prompt_family="greet",
        persona_id=persona.id,
        persona_family="formal",
        model_id=model.id,
        model_family="gpt",
        rubric_id=rubric.id,
        rubric_family="basics",
    )


def _run(store: Store, versions: BundleVersions) -> tuple[int, str]:
    data = store.save_version(Kind.DATASET, "msgs", dataset(3)).version
    spec = RunSpec(
        prompt_ids=(versions.prompt_id,),
        persona_ids=(versions.persona_id,),
        model_ids=(versions.model_id,),
        dataset_id=data.id,
    )
    column = Column(
        index=0,
        prompt_id=versions.prompt_id,
        persona_id=versions.persona_id,
        model_id=versions.model_id,
        label="greet@v1 · formal@v1 · gpt@v1",
    )
    return store.create_run(spec, [column], name="evidence").id, data.id


def _draft(store: Store, bundle: str = "greeting", **extra: object) -> ApprovalDraft:
    versions = _versions(store)
    run_id, dataset_id = _run(store, versions)
    evidence = ApprovalEvidence(
        runs=(RunEvidence(run_id=run_id, column=0, judged=3, passed=3, pass_rate=1.0),),
        pass_rate=1.0,
        mean_score=1.0,
        judged=3,
        passed=3,
    )
    fields = {
        "bundle": bundle,
        "versions": versions,
        "dataset_id": dataset_id,
        "run_ids": (run_id,),
        "evidence": evidence,
        "note": "first",
        **extra,
    }
    return ApprovalDraft.model_validate(fields)


def test_approvals_are_numbered_per_bundle_and_read_back_whole(store: Store) -> None:
    draft = _draft(store)
    first = store.record_approval(draft, reviewer="ana")
    second = store.record_approval(draft.model_copy(update={"note": "again"}), reviewer="bo")
    other = store.record_approval(draft.model_copy(update={"bundle": "other"}), reviewer="ana")
    assert (first.ref, second.ref, other.ref) == ("greeting@v1", "greeting@v2", "other@v1")
    loaded = store.get_approval("greeting@v1")
    assert loaded == first
    assert loaded.versions == draft.versions and loaded.evidence == draft.evidence
    assert loaded.run_ids == draft.run_ids and loaded.reviewer == "ana"
    assert store.get_approval("greeting").number == 2  # newest
    assert [a.ref for a in store.list_approvals()] == ["greeting@v1", "greeting@v2", "other@v1"]
    assert [a.ref for a in store.list_approvals("other")] == ["other@v1"]
    events = store.bundle_history("greeting")
    assert [(e.action, e.approval_number, e.actor) for e in events] == [
        ("approved", 1, "ana"),
        ("approved", 2, "bo"),
    ]


def test_labels_move_and_every_move_is_logged(store: Store) -> None:
    draft = _draft(store)
    store.record_approval(draft, reviewer="ana")
    store.record_approval(draft, reviewer="ana")
    store.set_bundle_label("greeting@v1", "production", actor="ana")
    assert store.get_approval("greeting@production").number == 1
    same = store.set_bundle_label("greeting@v1", "production", actor="ana")
    moved = store.set_bundle_label("greeting@v2", "production", actor="bo", reason="better")
    assert same.action == "label-set" and same.approval_number == 1
    assert (moved.from_approval_number, moved.approval_number, moved.reason) == (1, 2, "better")
    assert store.bundle_labels("greeting") == {"production": 2}
    assert store.get_approval("greeting@v2").labels == ("production",)
    store.remove_bundle_label("greeting", "production", actor="ana", reason="paused")
    assert store.bundle_labels("greeting") == {}
    actions = [(e.action, e.label) for e in store.bundle_history("greeting")]
    assert actions == [
        ("approved", None),
        ("approved", None),
        ("label-set", "production"),
        ("label-set", "production"),
        ("label-removed", "production"),
    ]
    with pytest.raises(ValidationError, match="cannot be a label"):
        store.set_bundle_label("greeting@v1", "v3", actor="ana")
    with pytest.raises(NotFoundError, match="has no label 'staging'"):
        store.remove_bundle_label("greeting", "staging", actor="ana")


def test_revocation_keeps_the_approval_removes_its_labels_and_blocks_relabelling(
    store: Store,
) -> None:
    draft = _draft(store)
    store.record_approval(draft, reviewer="ana")
    store.record_approval(draft, reviewer="ana")
    store.set_bundle_label("greeting@v2", "production", actor="ana")
    with pytest.raises(ValidationError, match="written reason"):
        store.revoke_approval("greeting@v2", reason="  ", actor="ana")
    event = store.revoke_approval("greeting@production", reason="tutoie the customer", actor="bo")
    assert (event.action, event.approval_number, event.reason) == ("revoked", 2, event.reason)
    revoked = store.get_approval("greeting@v2")
    assert revoked.revoked and revoked.revocation is not None
    assert (revoked.revocation.actor, revoked.labels) == ("bo", ())
    assert store.get_approval("greeting").number == 1  # the newest one not revoked
    removed = [e for e in store.bundle_history("greeting") if e.action == "label-removed"]
    assert removed and "revoked: tutoie the customer" in removed[0].reason
    with pytest.raises(ValidationError, match="was revoked"):
        store.set_bundle_label("greeting@v2", "staging", actor="ana")
    with pytest.raises(ValidationError, match="already revoked"):
        store.revoke_approval("greeting@v2", reason="twice", actor="ana")


def test_the_file_refuses_edits_of_approvals_and_of_the_history(
    store: Store, db_path: Path
) -> None:
    draft = _draft(store)
    store.record_approval(draft, reviewer="ana")
    store.set_bundle_label("greeting@v1", "staging", actor="ana")
    store.revoke_approval("greeting@v1", reason="wrong register", actor="ana")
    statements = [
        "UPDATE approvals SET note = 'edited'",
        "DELETE FROM approvals",
        "UPDATE approval_revocations SET reason = 'nothing happened'",
        "DELETE FROM approval_revocations",
        "UPDATE bundle_events SET actor = 'someone else'",
        "DELETE FROM bundle_events",
    ]
    with closing(sqlite3.connect(db_path)) as raw:
        for statement in statements:
            with pytest.raises(sqlite3.IntegrityError, match=r"immutable|append-only"):
                raw.execute(statement)
    assert store.get_approval("greeting@v1").note == "first"
    assert len(store.bundle_history("greeting")) == 4


def test_versions_must_exist_have_the_right_kind_and_belong_to_the_family(store: Store) -> None:
    draft = _draft(store)
    versions = draft.versions
    swapped = versions.model_copy(update={"model_id": versions.rubric_id})
    with pytest.raises(ValidationError, match="is a rubric, given as the bundle's model"):
        store.record_approval(draft.model_copy(update={"versions": swapped}), reviewer="ana")
    wrong_family = versions.model_copy(update={"prompt_family": "formal"})
    with pytest.raises(ValidationError, match="is not a version of 'formal'"):
        store.record_approval(draft.model_copy(update={"versions": wrong_family}), reviewer="a")
    missing = versions.model_copy(update={"rubric_id": "ab" * 32})
    with pytest.raises(NotFoundError, match="rubric version abab"):
        store.record_approval(draft.model_copy(update={"versions": missing}), reviewer="ana")
    with pytest.raises(NotFoundError, match="no run with id 99"):
        store.record_approval(draft.model_copy(update={"run_ids": (99,)}), reviewer="ana")
    with pytest.raises(ValidationError, match="reviewer"):
        store.record_approval(draft, reviewer=" ")
    with pytest.raises(ValidationError, match="not a valid name"):
        store.record_approval(draft.model_copy(update={"bundle": "Bad Name"}), reviewer="ana")
    assert store.list_approvals() == []


def test_unknown_addresses_say_what_exists(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no approved bundle named 'greeting'"):
        store.get_approval("greeting")
    store.record_approval(_draft(store), reviewer="ana")
    with pytest.raises(NotFoundError, match=r"no approval 'v7' \(approvals: v1; labels: none\)"):
        store.get_approval("greeting@v7")
    with pytest.raises(NotFoundError, match="approved bundles: greeting"):
        store.get_approval("greting")
