"""The promptfoo export: its shape, what it lists as unsupported, and a real promptfoo run of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.interop.test_bundle_helpers import build_world
from tests.interop.test_promptfoo_parity import promptfoo, run_promptfoo  # noqa: F401
from workbench.app.approvals import ApprovalRequest, approve_bundle
from workbench.core.models import CriterionSpec, Kind, RubricContent
from workbench.interop.bundle_export import export_bundle
from workbench.interop.bundle_model import load_bundle
from workbench.interop.promptfoo_rubric import rubric_asserts
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, default_responder, last_user_text


def sometimes_sorry(body: dict[str, Any]) -> str:
    if "adresse" in last_user_text(body):
        return "Désolé, je ne peux pas changer l'adresse."
    return default_responder(body)


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=sometimes_sorry) as srv:
        yield srv


def _approve_anyway(store: Store, server: FakeLLMServer) -> None:
    build_world(store, server, approve=False)
    approve_bundle(
        store,
        ApprovalRequest(
            bundle="order-support",
            prompt="order-tracking",
            persona="conseiller-vous",
            model="fake-gpt",
            rubric="support-basics",
            run_ids=(1,),
            override_reason="one apology in five is acceptable for the pilot",
        ),
        reviewer="camille",
    )


def test_config_shape_provider_and_asserts(
    store: Store, server: FakeLLMServer, tmp_path: Path
) -> None:
    _approve_anyway(store, server)
    result = export_bundle(load_bundle(store, "order-support"), "promptfoo", tmp_path)
    assert sorted(p.name for p in result.files) == ["prompt.json", "promptfooconfig.yaml"]
    text = (tmp_path / "promptfooconfig.yaml").read_text(encoding="utf-8")
    assert text.startswith("# promptfoo config exported by Prompt Workbench from bundle")
    config = yaml.safe_load(text)
    assert config["prompts"] == [
        {"id": "file://prompt.json", "label": "order-tracking@v1 + conseiller-vous@v1"}
    ]
    assert config["providers"] == [
        {
            "id": "openai:chat:fake-gpt",
            "label": "fake-gpt@v1",
            "config": {
                "temperature": 0.2,
                "max_tokens": 200,
                "apiBaseUrl": server.openai_base_url,
                "apiKeyRequired": False,
            },
        }
    ]
    assert config["defaultTest"] == {
        "assert": [
            {"type": "contains", "value": "Réponse"},
            {"type": "not-icontains", "value": "désolé", "metric": "no-apology"},
        ]
    }
    assert [t["description"] for t in config["tests"]] == ["t1", "t2", "t3", "t4", "t5"]
    assert config["tests"][1]["vars"] == {
        "message": "Ma commande n'est toujours pas arrivée.",
        "order_status": "",
    }
    prompt = json.loads((tmp_path / "prompt.json").read_text(encoding="utf-8"))
    assert [m["role"] for m in prompt] == ["system", "user"]
    assert prompt[0]["content"].startswith("Tu es Camille, conseillère Maison Lumière.")
    assert "{% if order_status %}" in prompt[0]["content"]


def test_criteria_without_promptfoo_equivalent_are_listed() -> None:
    rubric = RubricContent(
        threshold=0.75,
        criteria=(
            CriterionSpec(kind="equals", config={"ignore_case": True}),
            CriterionSpec(kind="register", name="tone", config={}),
            CriterionSpec(kind="facts"),
            CriterionSpec(kind="regex", config={"pattern": "(?P<id>\\d+)"}),
            CriterionSpec(kind="starts-with", config={"value": "Bonjour"}),
            CriterionSpec(kind="length", config={"max": 400}),
            CriterionSpec(kind="llm-judge", config={"criterion": "polite", "scale": "1-5"}),
        ),
    )
    converted = rubric_asserts(rubric)
    assert converted.unsupported == [
        "#2 'tone' (register): no promptfoo assertion checks the same",
        "#3 'facts': no promptfoo assertion checks the same",
        "#4 'regex': no promptfoo assertion checks the same",
    ]
    assert converted.asserts == [
        {"type": "javascript", "value": 'output.trimStart().startsWith("Bonjour")'},
        {"type": "javascript", "value": "[...output].length <= 400"},
        {"type": "llm-rubric", "value": "polite", "threshold": 0.75},
    ]
    assert converted.threshold == 0.75
    assert [c.kind for c in converted.per_row] == ["equals"]


def test_zero_weight_criteria_need_no_threshold() -> None:
    # promptfoo marks weight-0 assertions passed, so "all must pass" needs no threshold; an
    # explicit threshold 1 would fail tests whose assertions all weigh 0 (scored 0 there).
    informative = CriterionSpec(kind="contains", weight=0, config={"value": "Bonjour"})
    counted = CriterionSpec(kind="not-icontains", config={"value": "désolé"})
    converted = rubric_asserts(RubricContent(criteria=(counted, informative)))
    assert converted.threshold is None and not converted.notes
    assert converted.asserts[1] == {"type": "contains", "value": "Bonjour", "weight": 0}
    only_zero = rubric_asserts(RubricContent(threshold=0.5, criteria=(informative,)))
    assert only_zero.threshold == 0.5
    assert "every criterion weighs 0" in only_zero.notes[0]


@pytest.mark.slow
def test_real_promptfoo_runs_the_export_and_agrees_with_the_stored_scores(
    store: Store,
    server: FakeLLMServer,
    tmp_path: Path,
    promptfoo: tuple[list[str], dict[str, str]],  # noqa: F811 - the fixture imported above
) -> None:
    _approve_anyway(store, server)
    ours = [r for r in server.requests if r.path == "/v1/chat/completions"]
    sent_here = {json.dumps(r.body["messages"], ensure_ascii=False) for r in ours if r.body}
    export_bundle(load_bundle(store, "order-support"), "promptfoo", tmp_path / "pf")
    server.clear_log()
    results = run_promptfoo(promptfoo, tmp_path / "pf" / "promptfooconfig.yaml", tmp_path)
    theirs = {r["testCase"]["description"]: bool(r["success"]) for r in results}
    rubric = store.resolve(Kind.RUBRIC, "support-basics")
    stored = {s.key.row_id: s.passed for s in store.scores(1, rubric.id)}
    assert theirs == stored
    assert theirs["t4"] is False and sum(theirs.values()) == 4
    sent_there = {
        json.dumps(r.body["messages"], ensure_ascii=False)
        for r in server.requests
        if r.path == "/v1/chat/completions" and r.body
    }
    assert sent_there == sent_here  # byte-identical messages, persona composed in
