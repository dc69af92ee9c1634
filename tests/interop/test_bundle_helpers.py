"""Shared builders for the bundle tests: a real run on the fake API, scored, then approved.

Everything is real: a SQLite store, the engine calling the fake OpenAI-compatible server over
HTTP on 127.0.0.1, rubric scoring stored by the scoring service, and the approval service.
(No test functions live here; the name only keeps it beside the tests that use it.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.app.approvals import ApprovalRequest, approve_bundle
from workbench.app.scoring import score_run
from workbench.core.models import (
    CriterionSpec,
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PersonaContent,
    PromptContent,
    RubricContent,
    Version,
)
from workbench.core.runs import RunSpec
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions, RunEngine
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.store import Store
from workbench.store.approvals import Approval
from workbench.testing.fake_llm import FakeLLMServer

SYSTEM = (
    "{% if persona %}{{ persona }}\n\n{% endif %}"
    "Tu réponds aux questions de suivi de commande de la boutique Maison Lumière."
    "{% if order_status %}\nStatut connu : {{ order_status }}{% endif %}\n"
)
USER = "Message du client : {{ message }}\n"
MESSAGES = (
    "Bonjour, où en est ma commande 10452 ?",
    "Ma commande n'est toujours pas arrivée.",
    "Pouvez-vous me donner le numéro de suivi ?",
    "Je voudrais changer l'adresse de livraison.",
    "Merci pour votre aide !",
)


@dataclass(frozen=True)
class BundleWorld:
    """The versions, run and approval a test starts from."""

    prompt: Version
    persona: Version
    model: Version
    rubric: Version
    dataset: Version
    run_id: int
    approval: Approval | None


def save_versions(
    store: Store, server: FakeLLMServer, *, prompt: PromptContent | None = None
) -> dict[str, Version]:
    """Save the prompt, persona, model config (on the fake server), rubric and dataset."""
    saved = {
        "prompt": store.save_version(
            Kind.PROMPT,
            "order-tracking",
            prompt
            or PromptContent(
                system=SYSTEM,
                user=USER,
                variables={"message": "the message", "order_status": "known status"},
                params={"temperature": 0.2, "max_tokens": 200},
            ),
        ).version,
        "persona": store.save_version(
            Kind.PERSONA,
            "conseiller-vous",
            PersonaContent(display_name="Camille", role="conseillère Maison Lumière"),
        ).version,
        "model": store.save_version(
            Kind.MODEL,
            "fake-gpt",
            ModelConfigContent(
                provider="openai-compatible", model="fake-gpt", base_url=server.openai_base_url
            ),
        ).version,
        "rubric": store.save_version(
            Kind.RUBRIC,
            "support-basics",
            RubricContent(
                threshold=1.0,
                criteria=(
                    CriterionSpec(kind="contains", config={"value": "Réponse"}),
                    CriterionSpec(
                        kind="not-icontains", name="no-apology", config={"value": "désolé"}
                    ),
                ),
            ),
        ).version,
        "dataset": store.save_version(
            Kind.DATASET,
            "tracking",
            DatasetContent(
                rows=tuple(
                    DatasetRow(
                        id=f"t{index + 1}",
                        vars={
                            "message": message,
                            "order_status": "expédiée le 3/11" if index % 2 == 0 else "",
                        },
                    )
                    for index, message in enumerate(MESSAGES)
                )
            ),
        ).version,
    }
    return saved


def run_and_score(store: Store, versions: dict[str, Version]) -> int:
    """Run the bundle's single column through the engine over HTTP, then score it."""
    spec = RunSpec(
        prompt_ids=(versions["prompt"].id,),
        persona_ids=(versions["persona"].id,),
        model_ids=(versions["model"].id,),
        dataset_id=versions["dataset"].id,
        concurrency=4,
    )
    secrets = SecretStore({}, use_keyring=False)

    def factory(config: ModelConfigContent) -> Any:
        return create_provider(config, secrets=secrets, timeout_s=10)

    engine = RunEngine(
        store,
        factory,
        options=EngineOptions(retry=RetryPolicy(base_delay_s=0.01, max_wait_s=0.05), seed=0),
    )
    run_id = engine.create_run(spec, "bundle evidence")
    asyncio.run(engine.execute(run_id))
    score_run(store, run_id, versions["rubric"])
    return run_id


def build_world(
    store: Store,
    server: FakeLLMServer,
    *,
    approve: bool = True,
    name: str = "order-support",
    tweak: Callable[[ApprovalRequest], ApprovalRequest] | None = None,
) -> BundleWorld:
    """Versions, a scored run and (by default) an approval of the bundle named `name`."""
    versions = save_versions(store, server)
    run_id = run_and_score(store, versions)
    approval = None
    if approve:
        request = bundle_request(versions, run_id, name=name)
        if tweak is not None:
            request = tweak(request)
        approval = approve_bundle(store, request, reviewer="camille")
    return BundleWorld(
        prompt=versions["prompt"],
        persona=versions["persona"],
        model=versions["model"],
        rubric=versions["rubric"],
        dataset=versions["dataset"],
        run_id=run_id,
        approval=approval,
    )


def bundle_request(
    versions: dict[str, Version], run_id: int, *, name: str = "order-support"
) -> ApprovalRequest:
    """An approval request for the saved versions with `run_id` as evidence."""
    return ApprovalRequest(
        bundle=name,
        prompt=versions["prompt"].ref,
        persona=versions["persona"].ref,
        model=versions["model"].ref,
        rubric=versions["rubric"].ref,
        run_ids=(run_id,),
        note="ready for the holiday season",
    )
