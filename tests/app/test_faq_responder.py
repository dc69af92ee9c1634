"""The fake server's keyword support bot (`faq_responder`), the premise of the robustness bench.

The bench measures how much pass rate typos, missing accents and SMS-speak cost; that only
means something if the bot passes the clean demo rows and really misses a misspelt keyword.
Both are checked here through the real `openai` SDK against the fake server, and the clean
rows through the same run and scoring use cases as ``workbench run``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from workbench.app import runs as run_service
from workbench.app.scoring import score_run
from workbench.app.services import Services
from workbench.core.models import Kind, ModelConfigContent
from workbench.engine.runner import RunEngine
from workbench.testing.fake_llm import FakeLLMServer, faq_responder, faq_topic

VOUS_SYSTEM = "Tu es l’assistant du service client de Maison Lumière."
STATUS = (
    "Informations de notre système sur la commande :\nCommande ML-104522 du 2 novembre 2026"
    " (France) — 1 × Lampe Orsay. Statut : expédiée le 4 novembre par Colissimo, numéro de"
    " suivi 6A23918475520. Livraison estimée : 6 novembre."
)


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=faq_responder) as srv:
        yield srv


def _ask(server: FakeLLMServer, system: str, message: str) -> str:
    client = openai.OpenAI(base_url=server.openai_base_url, api_key="test-key", max_retries=0)
    try:
        answer = client.chat.completions.create(
            model="fake",
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": f"Message du client :\n{message}"},
            ],
        )
    finally:
        client.close()
    return answer.choices[0].message.content or ""


def test_clean_keywords_are_answered_and_misspelt_ones_are_missed(server: FakeLLMServer) -> None:
    clean = _ask(server, VOUS_SYSTEM, "Hello, where is my order? It's been a week.")
    assert "order number" in clean
    typo = _ask(server, VOUS_SYSTEM, "Hello, where is my ordet? It's been a week.")
    assert "did not understand" in typo and "order number" not in typo

    candle = "Bonjour, j'ai allumé une des deux bougies Figuier et je voudrais être remboursée."
    assert "hygiène" in _ask(server, VOUS_SYSTEM, candle)
    no_accents = candle.replace("allumé", "allume").replace("remboursée", "remboursee")
    # « allume » is missed; « rembours » still finds the generic refund answer, without the
    # candle's facts.
    assert faq_topic(no_accents) == "refund"
    assert "hygiène" not in _ask(server, VOUS_SYSTEM, no_accents)

    # The order status comes from the system prompt, the register from the persona's rule.
    tracked = _ask(server, f"Tutoie toujours le client.\n{STATUS}", "ou est ma cmd ML-104522")
    assert "6A23918475520" in tracked and "ta commande" in tracked
    assert "votre commande" in _ask(server, STATUS, "Où en est ma commande ?")
    assert faq_topic("") == "not-understood"


def test_the_bot_passes_every_clean_demo_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeLLMServer
) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    svc = Services(str(tmp_path))
    try:
        svc.ensure_demo_loaded()
        store = svc.store
        store.save_version(
            Kind.MODEL,
            "fake",
            ModelConfigContent(
                provider="openai-compatible", model="fake", base_url=server.openai_base_url
            ),
        )
        spec = run_service.build_spec(
            store,
            prompts=list(run_service.DEMO_PROMPTS),
            personas=list(run_service.DEMO_PERSONAS),
            models=["fake"],
            dataset=run_service.DEMO_DATASET,
            rows=run_service.RowSelection(tag=None, sample=None, seed=1),
            rubric=run_service.DEMO_RUBRIC,
            concurrency=4,
        )
        engine = RunEngine(store, svc.provider_factory())
        run_id = engine.create_run(spec, "faq bot on clean rows")
        summary = asyncio.run(engine.execute(run_id))
        assert summary.counts == {"ok": summary.calls} and summary.calls == 6 * 4
        rubric = store.resolve(Kind.RUBRIC, run_service.DEMO_RUBRIC)
        score_run(store, run_id, rubric)
        scores = store.scores(run_id, rubric.id)
        assert len(scores) == 24
        failed = [(s.key.row_id, s.key.column, s.error) for s in scores if s.passed is not True]
        assert failed == []
    finally:
        svc.close()
