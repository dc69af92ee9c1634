"""The parts of batch runs: chunking, batch prices, the clients against the fake server, and
the engine's chunked submission (one job per chunk, custom ids mapped back to their cells)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.batch.conftest import open_store, seed
from workbench.app.batch_runs import BatchRunService
from workbench.app.run_execution import estimate_only
from workbench.app.runs import build_spec
from workbench.core.batches import BatchJobState
from workbench.core.errors import KnownError
from workbench.core.llm import ChatResult, ErrorKind, Message, ProviderError
from workbench.core.models import ModelConfigContent
from workbench.core.runs import CellStatus
from workbench.providers.batch_anthropic import AnthropicBatchClient
from workbench.providers.batch_clients import create_batch_client
from workbench.providers.batch_common import (
    ANTHROPIC_LIMITS,
    OPENAI_LIMITS,
    BatchApiError,
    BatchLimits,
    BatchRequest,
    chunk,
)
from workbench.providers.batch_openai import OpenAIBatchClient
from workbench.providers.batch_pricing import BATCH_DISCOUNT, batch_cost_usd, batch_ratio
from workbench.providers.pricing import cost_usd
from workbench.providers.secrets import SecretStore
from workbench.testing.fake_batches import ERROR_MARKER
from workbench.testing.fake_llm import FakeLLMServer


def test_documented_limits() -> None:
    assert (OPENAI_LIMITS.max_requests, OPENAI_LIMITS.max_bytes) == (50_000, 200 * 1024**2)
    assert (ANTHROPIC_LIMITS.max_requests, ANTHROPIC_LIMITS.max_bytes) == (100_000, 256 * 1024**2)


def test_chunk_splits_by_count_and_by_bytes() -> None:
    by_count = chunk([10] * 10, BatchLimits(max_requests=4, max_bytes=10_000))
    assert [list(r) for r in by_count] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    by_bytes = chunk(
        [40, 40, 40, 40], BatchLimits(max_requests=100, max_bytes=100), item_overhead=1
    )
    assert [len(r) for r in by_bytes] == [2, 2]
    # An item too big on its own still gets a batch: the provider names it, nothing is dropped.
    assert [list(r) for r in chunk([500, 5], BatchLimits(100, 100))] == [[0], [1]]
    assert chunk([], OPENAI_LIMITS) == []
    many = chunk([1] * 120_001, ANTHROPIC_LIMITS)
    assert [len(r) for r in many] == [100_000, 20_001]


def test_batch_prices_are_half_the_standard_ones() -> None:
    gpt = ModelConfigContent(provider="openai", model="gpt-4o-mini")
    standard = cost_usd(gpt, 1000, 500)
    assert standard is not None
    assert batch_cost_usd(gpt, 1000, 500) == pytest.approx(standard * 0.5)
    # A config's own price is a standard price: the documented 50% applies to it.
    own = ModelConfigContent(
        provider="openai", model="x", input_usd_per_mtok=2.0, output_usd_per_mtok=8.0
    )
    assert batch_cost_usd(own, 1_000_000, 0) == pytest.approx(1.0)
    # A model genai-prices has no batch variant for falls back to the documented discount.
    assert batch_ratio("anthropic", "no-such-model") == BATCH_DISCOUNT
    assert batch_cost_usd(ModelConfigContent(provider="anthropic", model="nope"), 1, 1) is None


def _requests(n: int, marker_at: int | None = None) -> list[BatchRequest]:
    return [
        BatchRequest(
            f"c{i}",
            "gpt-4o-mini",
            (
                Message("system", "Be brief."),
                Message("user", f"q{i}" + (f" {ERROR_MARKER}" if i == marker_at else "")),
            ),
            {"max_tokens": 32, "temperature": 0.2},
        )
        for i in range(n)
    ]


def test_openai_client_round_trip_with_partial_failure(server: FakeLLMServer) -> None:
    async def go() -> None:
        client = OpenAIBatchClient(api_key="sk-test", base_url=server.openai_base_url)
        items = [client.encode(r) for r in _requests(3, marker_at=1)]
        assert items[0]["body"]["max_completion_tokens"] == 32
        batch_id = await client.submit(items, label="t")
        first = await client.poll(batch_id)
        assert (first.ended, first.total, first.provider_status) == (False, 3, "in_progress")
        last = await client.poll(batch_id)
        assert last.ended and last.provider_status == "completed" and last.failed == 1
        results = {item.custom_id: item.outcome async for item in client.results(batch_id)}
        assert isinstance(results["c0"], ChatResult) and results["c0"].text == "Réponse à: q0"
        assert isinstance(results["c1"], ProviderError)
        assert results["c1"].kind is ErrorKind.BAD_REQUEST and "HTTP 400" in results["c1"].message
        await client.aclose()

    asyncio.run(go())


def test_anthropic_client_cancel_and_expiry(server: FakeLLMServer) -> None:
    async def go() -> None:
        client = AnthropicBatchClient(api_key="sk-ant", base_url=server.base_url)
        items = [client.encode(r) for r in _requests(4)]
        assert items[0]["params"]["system"] == "Be brief."
        assert items[0]["params"]["temperature"] == 0.2
        cancelled = await client.submit(items, label="t")
        assert (await client.poll(cancelled)).provider_status == "in_progress"  # 2 of 4 done
        state = await client.cancel(cancelled)
        assert state.ended and state.provider_status == "ended"
        # Requests done before the cancel keep their answers; the others come back canceled.
        cancel_kinds = sorted(
            [
                "ok" if isinstance(i.outcome, ChatResult) else i.outcome.kind.value
                async for i in client.results(cancelled)
            ]
        )
        assert cancel_kinds == ["cancelled", "cancelled", "ok", "ok"]
        server.batches.knobs.expire_after_fraction = 0.25
        expiring = await client.submit(items, label="t")
        server.batches.finish_all()
        state = await client.poll(expiring)
        assert (state.ended, state.done, state.failed) == (True, 4, 3)
        kinds = sorted(
            [
                "ok" if isinstance(i.outcome, ChatResult) else i.outcome.kind.value
                async for i in client.results(expiring)
            ]
        )
        assert kinds == ["expired", "expired", "expired", "ok"]
        await client.aclose()

    asyncio.run(go())


def test_a_refused_batch_is_an_error_with_the_providers_reason(server: FakeLLMServer) -> None:
    server.batches.knobs.anthropic_max_requests = 2

    async def go() -> None:
        client = AnthropicBatchClient(api_key="sk-ant", base_url=server.base_url)
        with pytest.raises(BatchApiError) as raised:
            await client.submit([client.encode(r) for r in _requests(3)], label="t")
        assert "at most 2 requests" in str(raised.value)
        await client.aclose()

    asyncio.run(go())


def test_only_openai_and_anthropic_have_batch_clients() -> None:
    config = ModelConfigContent(provider="openai-compatible", model="m", base_url="http://x")
    with pytest.raises(KnownError, match="only OpenAI and Anthropic"):
        create_batch_client(config, secrets=SecretStore())


def test_submission_is_chunked_to_the_limits_and_mapped_back(
    home: Path, server: FakeLLMServer
) -> None:
    seed(home, server, [f"question {i}" for i in range(10)])
    limits = BatchLimits(max_requests=4, max_bytes=1_000_000)

    def factory(config: ModelConfigContent) -> OpenAIBatchClient:
        return OpenAIBatchClient(api_key="sk-test", base_url=server.openai_base_url, limits=limits)

    with open_store(home) as store:
        spec = build_spec(store, prompts=["ask"], personas=[], models=["gpt"], dataset="qs")
        service = BatchRunService(store, factory)
        batch_estimate = service.estimate(spec)
        assert batch_estimate.cost_usd == pytest.approx(estimate_only(store, spec).cost_usd / 2)
        run_id = service.create_run(spec, "chunked")
        submission = asyncio.run(service.submit(run_id))
        assert (submission.jobs, submission.sent) == (3, 10)
        assert [b.total for b in server.batches.batches.values()] == [4, 4, 2]
        jobs = store.batch_jobs(run_id)
        assert [j.total for j in jobs] == [4, 4, 2]
        # Nothing is sent twice while the batches are out.
        again = asyncio.run(service.submit(run_id))
        assert again.sent == 0 and len(server.batches.batches) == 3
        server.batches.finish_all()
        collection = asyncio.run(service.collect(run_id))
        assert collection.collected == 10 and not collection.progress.pending
        assert [j.state for j in store.batch_jobs(run_id)] == [BatchJobState.COLLECTED] * 3
        by_row = {c.key.row_id: c for c in store.cells(run_id)}
        assert all(by_row[f"r{i}"].output == f"Réponse à: question {i}" for i in range(10))
        assert all(c.status is CellStatus.OK for c in by_row.values())


def test_a_job_recorded_but_never_accepted_is_submitted_on_collect(
    home: Path, server: FakeLLMServer
) -> None:
    seed(home, server, ["q0", "q1"])

    class Crashing(OpenAIBatchClient):
        async def submit(self, items, *, label):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt  # the program dies between recording and submitting

    def crashing(config: ModelConfigContent) -> OpenAIBatchClient:
        return Crashing(api_key="sk-test", base_url=server.openai_base_url)

    def working(config: ModelConfigContent) -> OpenAIBatchClient:
        return OpenAIBatchClient(api_key="sk-test", base_url=server.openai_base_url)

    with open_store(home) as store:
        spec = build_spec(store, prompts=["ask"], personas=[], models=["gpt"], dataset="qs")
        run_id = BatchRunService(store, crashing).create_run(spec, "crash")
        with pytest.raises(KeyboardInterrupt):
            asyncio.run(BatchRunService(store, crashing).submit(run_id))
        assert [j.state for j in store.batch_jobs(run_id)] == [BatchJobState.SUBMITTING]
        service = BatchRunService(store, working)
        assert asyncio.run(service.collect(run_id)).resubmitted == 1
        assert len(server.batches.batches) == 1
        server.batches.finish_all()
        asyncio.run(service.collect(run_id))
        assert [c.output for c in store.cells(run_id)] == ["Réponse à: q0", "Réponse à: q1"]


def test_the_budget_is_held_at_batch_prices(home: Path, server: FakeLLMServer) -> None:
    from workbench.app.run_execution import RunExecutor
    from workbench.engine.budget import BudgetExceededError

    seed(home, server, [f"question {i}" for i in range(6)])

    def factory(config: ModelConfigContent) -> OpenAIBatchClient:
        return OpenAIBatchClient(api_key="sk-test", base_url=server.openai_base_url)

    with open_store(home) as store:
        spec = build_spec(store, prompts=["ask"], personas=[], models=["gpt"], dataset="qs")
        standard = estimate_only(store, spec).cost_usd
        assert standard > 0
        tight = spec.model_copy(update={"budget_usd": standard * 0.75})
        with pytest.raises(BudgetExceededError):
            RunExecutor(store, lambda c: None).create_run(tight, "interactive")  # type: ignore[arg-type, return-value]
        run_id = BatchRunService(store, factory).create_run(tight, "batch")
        assert store.get_run(run_id).estimated_cost_usd == pytest.approx(standard / 2)
