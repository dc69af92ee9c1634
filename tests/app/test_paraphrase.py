"""The paraphrase perturbation through the engine, the real openai SDK and the fake server.

The fake server's `paraphrase_responder` rewrites a message like a customer (``Re-bonjour !``
and a few words swapped, numbers kept); marks in the message script bad rewrites (a dropped
order number, an empty answer, another language, a runaway answer) so the checks, the retry
with the reason and the fallback to the original text are exercised on real HTTP calls.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.app.conftest import VOUS, build_run
from workbench.app.paraphrase import (
    ParaphraseSettings,
    ParaphraseStoppedError,
    add_noisy_variants_paraphrased,
    perturb_spec_paraphrased,
)
from workbench.app.robustness import PerturbOptions, perturb_spec, preview_variants
from workbench.core.errors import KnownError, NotFoundError, ValidationError
from workbench.core.models import DatasetContent, DatasetRow, Kind, ModelConfigContent
from workbench.core.perturb import noise_of, original_of, parse_perturbations
from workbench.core.perturb.paraphrase import FALLBACK_TAG
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, Reply, paraphrase_responder


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=paraphrase_responder) as srv:
        yield srv


def factory(config: ModelConfigContent) -> Any:
    # transport="sdk": the real openai SDK against the fake server.
    return create_provider(
        config, secrets=SecretStore({}, use_keyring=False), timeout_s=10, transport="sdk"
    )


def model(store: Store, server: FakeLLMServer, *, priced: bool = False) -> str:
    prices = {"input_usd_per_mtok": 1000.0, "output_usd_per_mtok": 1000.0} if priced else {}
    store.save_version(
        Kind.MODEL,
        "rewriter",
        ModelConfigContent(
            provider="openai-compatible",
            model="rewriter-model",
            base_url=server.openai_base_url,
            **prices,
        ),
    )
    return "rewriter"


def posts(server: FakeLLMServer) -> list[dict[str, Any]]:
    return [
        r.body for r in server.requests if r.path == "/v1/chat/completions" and r.body is not None
    ]


def messages(*texts: str) -> list[DatasetRow]:
    return [
        DatasetRow(
            id=f"r{i}",
            vars={"message": text, "order_id": f"ML-10{i}"},
            facts=("jeudi",),
            tags=("fr",),
        )
        for i, text in enumerate(texts)
    ]


PARAPHRASE = PerturbOptions(parse_perturbations("paraphrase,accents"), seed=7)


def paraphrase_spec(
    store: Store, rows: list[DatasetRow], settings: ParaphraseSettings, **kwargs: Any
) -> Any:
    stored = build_run(store, rows, personas=(VOUS,))
    return perturb_spec_paraphrased(
        store,
        stored.run.spec,
        PARAPHRASE,
        author="t",
        settings=settings,
        provider_factory=factory,
        **kwargs,
    )


def variants_of(store: Store, dataset_id: str, kind: str) -> dict[str, DatasetRow]:
    content = store.get_version(dataset_id).content_as(DatasetContent)
    return {original_of(r) or "": r for r in content.rows if noise_of(r) == kind}


def test_rewrites_become_variants_and_a_second_run_is_answered_from_the_cache(
    store: Store, server: FakeLLMServer
) -> None:
    rows = messages(
        "Bonjour, où est ma commande ML-100 ? Merci",
        "Bonjour, j'ai payé 12,50 € et rien reçu, écrivez à a.b@example.com",
    )
    settings = ParaphraseSettings(model(store, server))
    progress: list[tuple[int, int]] = []
    made = paraphrase_spec(store, rows, settings, progress=lambda d, t: progress.append((d, t)))

    sent = posts(server)
    assert len(sent) == 2
    for body in sent:
        assert body["temperature"] == 0
        assert isinstance(body["seed"], int)
        assert (
            "ML-100" in body["messages"][0]["content"]
            or "12,50 €" in body["messages"][0]["content"]
        )
    assert progress[0] == (0, 2) and progress[-1] == (2, 2)
    data = store.get_version(made.perturbed.spec.dataset_id)
    assert data.family == "cases.noisy"
    para = variants_of(store, data.id, "paraphrase")
    assert (
        para["r0"].vars["message"]
        == "Re-bonjour ! Salut, où est ma commande ML-100 ? Merci d'avance"
    )
    assert (
        "12,50 €" in para["r1"].vars["message"] and "a.b@example.com" in para["r1"].vars["message"]
    )
    assert FALLBACK_TAG not in para["r0"].tags
    assert para["r0"].facts == ("jeudi",) and para["r0"].vars["order_id"] == "ML-100"
    assert set(variants_of(store, data.id, "accents")) == {"r0", "r1"}
    assert made.paraphrase is not None
    assert (made.paraphrase.requests, made.paraphrase.cache_hits) == (2, 0)
    assert made.paraphrase.accepted == 2 and not made.paraphrase.fallbacks

    again = paraphrase_spec(store, rows, settings)
    assert len(posts(server)) == 2  # nothing asked again
    assert again.paraphrase is not None
    assert (again.paraphrase.requests, again.paraphrase.cache_hits) == (0, 2)
    assert again.perturbed.spec.dataset_id == made.perturbed.spec.dataset_id

    reseeded = perturb_spec_paraphrased(
        store,
        build_run(store, rows, personas=(VOUS,)).run.spec,
        PerturbOptions(parse_perturbations("paraphrase"), seed=8),
        author="t",
        settings=settings,
        provider_factory=factory,
    )
    assert reseeded.paraphrase is not None and reseeded.paraphrase.requests == 2


def test_a_dropped_order_number_is_asked_again_once_then_falls_back_to_the_original(
    store: Store, server: FakeLLMServer
) -> None:
    rows = messages(
        "Bonjour, ma commande ML-100 [[para:drop-once]] n'est pas arrivée",
        "Bonjour, ma commande ML-101 [[para:drop]] n'est pas arrivée",
        "Bonjour, je n'ai rien reçu [[para:empty]] depuis lundi",
        "Bonjour, je n'ai toujours rien reçu [[para:english]] pour ML-103, pourquoi donc ?",
        "Bonjour, je n'ai rien reçu [[para:long]] du tout",
    )
    made = paraphrase_spec(store, rows, ParaphraseSettings(model(store, server)))

    para = variants_of(store, made.perturbed.spec.dataset_id, "paraphrase")
    # Accepted on the retry, which names the reason.
    assert "ML-100" in para["r0"].vars["message"] and FALLBACK_TAG not in para["r0"].tags
    retries = [b for b in posts(server) if len(b["messages"]) == 3]
    assert any("ML-100" in b["messages"][2]["content"] for b in retries)
    # Refused twice: the original text, marked.
    for row in rows[1:]:
        assert para[row.id].vars["message"] == row.vars["message"]
        assert FALLBACK_TAG in para[row.id].tags
    assert made.paraphrase is not None
    reasons = dict(made.paraphrase.fallbacks)
    assert "dropped 'ML-101'" in reasons["r1"]
    assert "empty" in reasons["r2"]
    assert "another language (en" in reasons["r3"]
    assert "too long" in reasons["r4"]
    assert len(posts(server)) == 10  # every text asked twice
    assert any("paraphrase:fallback" in note for note in made.notes)


def test_a_protected_field_must_survive_the_rewrite(store: Store, server: FakeLLMServer) -> None:
    rows = [
        DatasetRow(id="r0", vars={"message": "Bonjour, je suis Jean Dupont", "name": "Jean Dupont"})
    ]
    server.script(Reply.ok("Salut, c'est Jean"), Reply.ok("Salut, c'est Jean"))
    stored = build_run(store, rows, personas=(VOUS,))
    made = perturb_spec_paraphrased(
        store,
        stored.run.spec,
        PerturbOptions(parse_perturbations("paraphrase"), protected_fields=("name",)),
        author="t",
        settings=ParaphraseSettings(model(store, server)),
        provider_factory=factory,
    )
    assert made.paraphrase is not None
    assert "dropped 'Jean Dupont'" in made.paraphrase.fallbacks[0][1]
    assert "Jean Dupont" in posts(server)[0]["messages"][0]["content"]


def test_the_budget_stops_paraphrasing_and_nothing_is_saved(
    store: Store, server: FakeLLMServer
) -> None:
    rows = messages(*(f"Bonjour, où est ma commande ML-10{i} ? Merci" for i in range(6)))
    name = model(store, server, priced=True)
    # About 0.2 $ per call at these prices: room for a few calls, not for six.
    settings = ParaphraseSettings(name, budget_usd=0.5, concurrency=1)
    with pytest.raises(ParaphraseStoppedError, match=r"budget of \$0.5"):
        paraphrase_spec(store, rows, settings)
    asked = len(posts(server))
    assert 0 < asked < 6
    with pytest.raises(NotFoundError):
        store.resolve(Kind.DATASET, "cases.noisy")

    made = paraphrase_spec(store, rows, ParaphraseSettings(name, budget_usd=50.0, concurrency=1))
    assert made.paraphrase is not None
    assert made.paraphrase.cache_hits == asked  # what was paid for is not asked again
    assert len(posts(server)) == 6
    assert 0 < made.paraphrase.cost_usd <= 50.0


def test_the_run_budget_pays_for_the_rewrites(store: Store, server: FakeLLMServer) -> None:
    rows = messages("Bonjour, où est ma commande ML-100 ? Merci")
    stored = build_run(store, rows, personas=(VOUS,))
    spec = stored.run.spec.model_copy(update={"budget_usd": 10.0})
    made = perturb_spec_paraphrased(
        store,
        spec,
        PARAPHRASE,
        author="t",
        settings=ParaphraseSettings(model(store, server, priced=True)),
        provider_factory=factory,
    )
    assert made.paraphrase is not None and made.paraphrase.cost_usd > 0
    assert made.perturbed.spec.budget_usd == pytest.approx(10.0 - made.paraphrase.cost_usd)


def test_a_budget_on_a_model_without_price_is_refused(store: Store, server: FakeLLMServer) -> None:
    settings = ParaphraseSettings(model(store, server), budget_usd=1.0)
    with pytest.raises(KnownError, match="no price is known"):
        paraphrase_spec(store, messages("Bonjour ML-100"), settings)
    assert posts(server) == []


def test_cancel_stops_the_calls_and_saves_nothing(store: Store, server: FakeLLMServer) -> None:
    server.faults.hang = True
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ParaphraseStoppedError, match="cancelled after 0 of 2"):
        paraphrase_spec(
            store,
            messages("Bonjour ML-100", "Bonjour ML-101"),
            ParaphraseSettings(model(store, server)),
            cancel=cancel,
        )
    with pytest.raises(NotFoundError):
        store.resolve(Kind.DATASET, "cases.noisy")


def test_paraphrase_needs_a_model(store: Store) -> None:
    stored = build_run(store, messages("Bonjour ML-100"), personas=(VOUS,))
    with pytest.raises(ValidationError, match="needs a model"):
        perturb_spec(store, stored.run.spec, PARAPHRASE, author="t")
    with pytest.raises(ValidationError, match="--perturb-model"):
        perturb_spec_paraphrased(
            store, stored.run.spec, PARAPHRASE, author="t", settings=None, provider_factory=factory
        )
    # The setup dialog's estimate counts the rewrites without asking any model.
    assert preview_variants(store, stored.run.spec, PARAPHRASE).variants == 2


def test_user_turns_of_a_conversation_are_rewritten_one_by_one(
    store: Store, server: FakeLLMServer
) -> None:
    turns = [
        {"role": "user", "content": "Bonjour, ma commande ML-100 n'arrive pas"},
        {"role": "assistant", "content": "Je regarde."},
        {"role": "user", "content": "Merci, c'est urgent"},
    ]
    rows = [DatasetRow(id="c0", vars={"conversation": turns})]
    made = paraphrase_spec(store, rows, ParaphraseSettings(model(store, server)))
    variant = variants_of(store, made.perturbed.spec.dataset_id, "paraphrase")["c0"]
    new = variant.vars["conversation"]
    assert new[0]["content"] == "Re-bonjour ! Salut, ma commande ML-100 n'arrive pas"
    assert new[1] == turns[1]
    assert new[2]["content"] == "Re-bonjour ! Merci d'avance, c'est urgent"
    assert len(posts(server)) == 2


def test_the_dataset_action_keeps_paraphrases_and_asks_only_for_new_rows(
    store: Store, server: FakeLLMServer
) -> None:
    name = model(store, server)
    store.save_version(
        Kind.DATASET, "msgs", DatasetContent(rows=tuple(messages("Bonjour ML-100", "Salut ML-101")))
    )
    options = PerturbOptions(parse_perturbations("paraphrase"), seed=1)
    result, outcome = add_noisy_variants_paraphrased(
        store,
        "msgs",
        options,
        author="t",
        settings=ParaphraseSettings(name),
        provider_factory=factory,
        row_ids=["r0"],
    )
    assert result.added == 1 and outcome is not None and outcome.texts == 1
    result, outcome = add_noisy_variants_paraphrased(
        store,
        "msgs",
        options,
        author="t",
        settings=ParaphraseSettings(name),
        provider_factory=factory,
    )
    assert result.added == 1 and outcome is not None and outcome.texts == 1
    assert result.skipped == 1 and not result.notes
    assert len(posts(server)) == 2
    content = result.version.content_as(DatasetContent)
    assert [r.id for r in content.rows] == ["r0", "r0~paraphrase", "r1", "r1~paraphrase"]
