"""Approvals that require a second person: proposed, then signed off by someone else."""

from __future__ import annotations

import pytest

from tests.store.test_approvals import _draft
from workbench.core.errors import ValidationError
from workbench.store import Store


def test_a_proposal_counts_only_after_another_person_signs_off(store: Store) -> None:
    proposal = store.record_approval(_draft(store), reviewer="ana", requires_reviewer=True)
    assert proposal.awaiting_review and proposal.signoff is None
    with pytest.raises(ValidationError, match="awaiting review by another person"):
        store.set_bundle_label(proposal.ref, "production", actor="ana")
    with pytest.raises(ValidationError, match="proposed by ana"):
        store.sign_off_approval(proposal.ref, reviewer=" ANA ")
    signed = store.sign_off_approval(proposal.ref, reviewer="bo", note="checked run 1")
    assert not signed.awaiting_review
    assert signed.signoff is not None and signed.signoff.reviewer == "bo"
    assert len(signed.signoff.evidence_sha256) == 64
    assert store.get_approval(proposal.ref) == signed
    event = store.set_bundle_label(proposal.ref, "production", actor="bo")
    assert event.approval_number == proposal.number
    with pytest.raises(ValidationError, match="already signed off by bo"):
        store.sign_off_approval(proposal.ref, reviewer="cy")


def test_an_ordinary_approval_needs_no_sign_off(store: Store) -> None:
    approval = store.record_approval(_draft(store), reviewer="ana")
    assert not approval.awaiting_review
    with pytest.raises(ValidationError, match="not proposed for review"):
        store.sign_off_approval(approval.ref, reviewer="bo")


def test_a_revoked_proposal_cannot_be_signed(store: Store) -> None:
    proposal = store.record_approval(_draft(store), reviewer="ana", requires_reviewer=True)
    store.revoke_approval(proposal.ref, reason="wrong dataset", actor="ana")
    with pytest.raises(ValidationError, match="revoked"):
        store.sign_off_approval(proposal.ref, reviewer="bo")


def test_runs_say_who_made_them(store: Store) -> None:
    from tests.store.test_approvals import _run, _versions

    store.user = "ana"
    run_id, _ = _run(store, _versions(store))
    assert store.get_run(run_id).made_by == "ana"


def test_the_database_refuses_a_sign_off_by_the_proposer(store: Store) -> None:
    from sqlalchemy.exc import DatabaseError

    proposal = store.record_approval(_draft(store), reviewer="ana", requires_reviewer=True)
    refused = pytest.raises(DatabaseError, match="someone other than its proposer")
    with refused, store._db.write() as connection:
        connection.exec_driver_sql(
            "INSERT INTO approval_signoffs (approval_id, reviewer, evidence_sha256, at)"
            " VALUES (?, 'Ana', 'x', '2026-01-01')",
            (proposal.id,),
        )
    assert store.get_approval(proposal.ref).awaiting_review
