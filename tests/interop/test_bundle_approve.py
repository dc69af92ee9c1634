"""Approving a bundle on the evidence of a real scored run, and the override rule."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from tests.interop.test_bundle_helpers import bundle_request, run_and_score, save_versions
from workbench.app.approvals import approve_bundle
from workbench.core.errors import ValidationError
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.runs import RunStatus
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, default_responder, last_user_text


def apologetic_on_two(body: dict[str, Any]) -> str:
    """Fails the rubric's no-apology check on two of the five messages."""
    text = last_user_text(body)
    if "arrivée" in text or "adresse" in text:
        return "Je suis désolé, je ne peux pas."
    return default_responder(body)


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=apologetic_on_two) as srv:
        yield srv


def test_evidence_is_the_bundle_column_pass_rate_and_a_low_one_is_refused(
    store: Store, server: FakeLLMServer
) -> None:
    versions = save_versions(store, server)
    run_id = run_and_score(store, versions)
    request = bundle_request(versions, run_id)
    with pytest.raises(ValidationError) as refused:
        approve_bundle(store, request, reviewer="camille")
    message = str(refused.value)
    assert "pass rate 60.0% (3/5) is below the required 80%" in message
    assert "--override-reason" in message
    assert store.list_approvals() == []

    lenient = approve_bundle(
        store, dataclasses.replace(request, min_pass_rate=0.6), reviewer="camille"
    )
    evidence = lenient.evidence
    assert (evidence.judged, evidence.passed, evidence.pass_rate) == (5, 3, 0.6)
    assert evidence.mean_score == pytest.approx(0.6)
    assert evidence.min_pass_rate == 0.6 and evidence.rubric_threshold == 1.0
    assert evidence.unmet == () and lenient.override_reason is None
    [run] = evidence.runs
    assert (run.run_id, run.column, run.status) == (run_id, 0, "finished")
    assert run.pass_interval is not None and run.pass_interval[0] < 0.6 < run.pass_interval[1]
    assert lenient.dataset_id == versions["dataset"].id


def test_an_override_needs_a_real_reason_and_keeps_it_with_the_unmet_checks(
    store: Store, server: FakeLLMServer
) -> None:
    versions = save_versions(store, server)
    run_id = run_and_score(store, versions)
    request = bundle_request(versions, run_id)
    with pytest.raises(ValidationError, match="at least 10 characters"):
        approve_bundle(store, dataclasses.replace(request, override_reason="ok"), reviewer="c")
    reason = "apologies are acceptable for delivery complaints this week"
    approval = approve_bundle(
        store, dataclasses.replace(request, override_reason=reason), reviewer="camille"
    )
    assert approval.override_reason == reason
    assert approval.evidence.unmet == ("pass rate 60.0% (3/5) is below the required 80%",)
    assert store.bundle_history("order-support")[0].reason == reason


def test_unfinished_unscored_and_foreign_runs_are_named(
    store: Store, server: FakeLLMServer
) -> None:
    versions = save_versions(store, server)
    run_id = run_and_score(store, versions)
    store.set_run_status(run_id, RunStatus.CANCELLED)
    other_model = store.save_version(
        Kind.MODEL,
        "other",
        ModelConfigContent(provider="openai-compatible", model="x", base_url="http://x/v1"),
    ).version
    request = dataclasses.replace(bundle_request(versions, run_id), model=other_model.ref)
    with pytest.raises(ValidationError) as refused:
        approve_bundle(store, request, reviewer="camille")
    message = str(refused.value)
    assert f"run {run_id} is cancelled, not finished" in message
    assert f"run {run_id} has no column with exactly this bundle" in message
    assert "order-tracking@v1 · conseiller-vous@v1 · fake-gpt@v1" in message

    store.set_run_status(run_id, RunStatus.FINISHED)
    rubric = store.save_version(
        Kind.RUBRIC,
        "support-basics",
        store.resolve(Kind.RUBRIC, "support-basics").content.model_copy(update={"threshold": 0.5}),
    ).version
    unscored = dataclasses.replace(bundle_request(versions, run_id), rubric=rubric.ref)
    with pytest.raises(ValidationError, match=r"not scored with rubric support-basics@v2"):
        approve_bundle(store, unscored, reviewer="camille")
    no_run = dataclasses.replace(bundle_request(versions, run_id), run_ids=())
    with pytest.raises(ValidationError, match="no run was given as evidence"):
        approve_bundle(store, no_run, reviewer="camille")
