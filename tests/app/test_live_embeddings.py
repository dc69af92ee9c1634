"""The ``similar`` criterion during live scoring: its embedding calls go through the engine.

A run on the fake OpenAI-compatible server is scored live with a rubric holding a ``similar``
criterion whose embeddings endpoint is the same fake server, made slow in a way that only a
client that keeps sending chat requests can get past: each embeddings answer is held until two
more chat requests have arrived. A synchronous embedding call inside the engine's event loop
would freeze the run while it waits (no chat request could be sent), so the hold would run out
and the first scores would land before any other cell; through the engine's `EngineEmbedder`
the run goes on while the vectors are on their way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from workbench.app.embeddings import embedder_from_store
from workbench.app.run_execution import CellFinished, CellsScored, RunExecutor, ScoringFailed
from workbench.app.scoring import from_cell_score, make_cell_scorer, score_run
from workbench.core.models import (
    CriterionSpec,
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PromptContent,
    RubricContent,
    Version,
)
from workbench.core.runs import CellStatus, RunSpec
from workbench.engine.embedder import EmbeddingFailed
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.scoring.criteria import embedding as embedding_criterion
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, Reply, fake_embedding

FAST = EngineOptions(retry=RetryPolicy(base_delay_s=0.01, max_attempts=3), seed=0)
MESSAGES = [
    "colis expédié aujourd'hui",
    "facture en double",
    "colis expédié hier soir",
    "mot de passe oublié",
    "colis expédié aujourd'hui par la poste",
    "remboursement refusé",
    "adresse de livraison",
    "colis perdu",
]


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


def factory(config: ModelConfigContent) -> Any:
    return create_provider(config, secrets=SecretStore({}, use_keyring=False), timeout_s=10)


def embedding_posts(server: FakeLLMServer) -> int:
    return sum(1 for r in server.requests if r.path == "/v1/embeddings")


def similar_run(store: Store, server: FakeLLMServer) -> tuple[int, Version]:
    """A pending run of one column over `MESSAGES`, its rubric one ``similar`` criterion."""
    prompt = store.save_version(Kind.PROMPT, "ask", PromptContent(user="{{ message }}")).version
    model = store.save_version(
        Kind.MODEL,
        "fake",
        ModelConfigContent(
            provider="openai-compatible", model="fake-small", base_url=server.openai_base_url
        ),
    ).version
    rows = tuple(
        DatasetRow(id=f"r{index}", vars={"message": text}) for index, text in enumerate(MESSAGES)
    )
    data = store.save_version(Kind.DATASET, "msgs", DatasetContent(rows=rows)).version
    similar = CriterionSpec(
        kind="similar",
        config={
            "value": "Réponse à: colis expédié aujourd'hui",
            "threshold": 0.8,
            "embedding": {"model": "fake-embedding", "base_url": server.openai_base_url},
        },
    )
    rubric = store.save_version(Kind.RUBRIC, "close", RubricContent(criteria=(similar,))).version
    spec = RunSpec(
        prompt_ids=(prompt.id,),
        model_ids=(model.id,),
        dataset_id=data.id,
        concurrency=1,
        rubric_id=rubric.id,
    )
    executor = RunExecutor(store, factory, options=FAST)
    return executor.create_run(spec, "similar live"), rubric


def test_a_slow_embeddings_endpoint_does_not_hold_up_the_cells_landing(
    store: Store, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedding_criterion, "_cache", {})
    run_id, rubric = similar_run(store, server)
    server.faults.embeddings_wait_for_chats = 2
    timeline: list[tuple[str, int]] = []

    def on_event(event: object) -> None:
        if isinstance(event, CellFinished):
            timeline.append(("landed", 1))

    def on_scoring(event: CellsScored | ScoringFailed) -> None:
        assert isinstance(event, CellsScored), event
        timeline.append(("scored", len(event.scores)))

    async def execute() -> None:
        executor = RunExecutor(store, factory, options=FAST)
        await executor.execute(run_id, sink=on_event, on_scoring=on_scoring)

    asyncio.run(execute())

    stats = server.stats
    assert stats.get("embeddings_gave_up", 0) == 0, stats
    assert stats["embeddings_released"] >= 1
    # The first scores were announced after more cells had landed than they cover: cells kept
    # landing while the embeddings endpoint held its answer.
    first = next(i for i, (what, _) in enumerate(timeline) if what == "scored")
    landed_before = sum(1 for what, _ in timeline[:first] if what == "landed")
    assert landed_before > timeline[first][1], timeline
    assert sum(n for what, n in timeline if what == "scored") == len(MESSAGES)

    # The same scores as the synchronous scorer computes from scratch.
    server.faults.embeddings_wait_for_chats = 0
    monkeypatch.setattr(embedding_criterion, "_cache", {})
    live = {score.key: from_cell_score(score) for score in store.scores(run_id, rubric.id)}
    scorer = make_cell_scorer(store, run_id, rubric)
    cells = [cell for cell in store.cells(run_id) if cell.status is CellStatus.OK]
    assert len(cells) == len(MESSAGES) == len(live)
    verdicts = set()
    for cell in cells:
        expected = scorer.evaluate(cell)
        assert live[cell.key] == expected, cell.key
        verdicts.add(expected.passed)
    assert verdicts == {True, False}  # the criterion really told answers apart


def test_scoring_the_run_again_takes_the_vectors_from_the_store(
    store: Store, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedding_criterion, "_cache", {})
    run_id, rubric = similar_run(store, server)
    asyncio.run(RunExecutor(store, factory, options=FAST).execute(run_id))
    live = {score.key: from_cell_score(score) for score in store.scores(run_id, rubric.id)}
    called = embedding_posts(server)
    assert called >= 1

    monkeypatch.setattr(embedding_criterion, "_cache", {})  # a fresh process: only the store
    again = score_run(store, run_id, rubric)
    assert embedding_posts(server) == called
    assert again.results == live


def test_the_embedder_retries_a_rate_limit_and_reports_a_refusal_as_an_error(
    server: FakeLLMServer,
) -> None:
    target = {"model": "fake-embedding", "base_url": server.openai_base_url}

    async def embed_twice() -> tuple[list[list[float]], int, str]:
        async with embedder_from_store(None, options=FAST) as embedder:
            server.script(Reply.rate_limited("0.01"))
            vectors = await embedder(["colis expédié", "facture"], target)
            attempts = embedder.requests
            server.script(Reply.error(400, "input too long"))
            try:
                await embedder(["autre texte"], target)
            except EmbeddingFailed as error:
                return vectors, attempts, str(error)
            raise AssertionError("a refused request must raise")

    vectors, attempts, message = asyncio.run(embed_twice())
    assert attempts == 2  # the 429, then the answer
    assert vectors == [fake_embedding("colis expédié"), fake_embedding("facture")]
    assert "input too long" in message
