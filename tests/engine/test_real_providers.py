"""The engine through the real providers registry and lean HTTP client, against the fake API.

Real SQLite store, real price table and tokenizer, real HTTP on 127.0.0.1 with a random port;
assertions read the fake server's request log.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.conftest import Workspace
from workbench.core.models import ModelConfigContent
from workbench.core.runs import CellStatus, RunStatus
from workbench.engine.events import CellDelta, Event
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions, RunEngine
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.testing.fake_llm import FakeLLMServer, Reply


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(latency_ms=5, seed=3) as srv:
        yield srv


def engine_for(ws: Workspace, **options: object) -> RunEngine:
    secrets = SecretStore({}, use_keyring=False)

    def factory(config: ModelConfigContent):  # type: ignore[no-untyped-def]
        return create_provider(config, secrets=secrets, timeout_s=10)

    options.setdefault("retry", RetryPolicy(base_delay_s=0.01, max_wait_s=0.05))
    options.setdefault("seed", 0)
    return RunEngine(ws.store, factory, options=EngineOptions(**options))  # type: ignore[arg-type]


def priced_model(ws: Workspace, name: str, server: FakeLLMServer):  # type: ignore[no-untyped-def]
    return ws.model(
        name,
        base_url=server.openai_base_url,
        input_usd_per_mtok=1.0,
        output_usd_per_mtok=2.0,
    )


async def test_a_side_by_side_run_over_http_with_faults_ends_all_ok(
    ws: Workspace, server: FakeLLMServer
) -> None:
    models = [priced_model(ws, "bench-a", server), priced_model(ws, "bench-b", server)]
    spec = ws.spec([ws.prompt()], models, ws.dataset(15), concurrency=6)
    engine = engine_for(ws)
    run_id = engine.create_run(spec, "http")
    # Retry-After "0.01" keeps the test fast; the engine must wait at least that long.
    server.script(Reply.rate_limited("0.01"), Reply.error(500), Reply.rate_limited("0.01"))
    events: list[Event] = []
    summary = await engine.execute(run_id, sink=events.append)

    assert summary.status == RunStatus.FINISHED and summary.counts == {"ok": 30}
    assert summary.calls == 33
    posts = [r for r in server.requests if r.path == "/v1/chat/completions"]
    assert len(posts) == 33
    assert {r.body["model"] for r in posts if r.body} == {"bench-a", "bench-b"}
    cells = ws.store.cells(run_id)
    assert sum(c.attempts for c in cells) == 33
    cell = next(c for c in cells if c.key.row_id == "r0004" and c.key.column == 1)
    assert cell.output.startswith("Réponse à: row=r0004")
    assert cell.input_tokens and cell.output_tokens and not cell.tokens_estimated
    assert cell.cost_usd == pytest.approx(
        (cell.input_tokens * 1.0 + cell.output_tokens * 2.0) / 1e6
    )
    assert cell.ttft_ms is not None and cell.latency_ms is not None
    assert any(isinstance(e, CellDelta) for e in events)  # streamed by default

    # A second run of the same spec is served entirely from the cache.
    server.clear_log()
    warm = await engine.execute(engine.create_run(spec, "warm"))
    assert warm.cache_hits == 30 and warm.calls == 0
    assert [r for r in server.requests if r.path == "/v1/chat/completions"] == []


async def test_without_live_text_no_piece_is_sent_and_the_first_token_is_still_timed(
    ws: Workspace, server: FakeLLMServer
) -> None:
    spec = ws.spec([ws.prompt()], [priced_model(ws, "bench-a", server)], ws.dataset(3))
    engine = engine_for(ws, live_text=False)
    events: list[Event] = []
    summary = await engine.execute(engine.create_run(spec, "quiet"), sink=events.append)
    assert summary.counts == {"ok": 3}
    assert not any(isinstance(e, CellDelta) for e in events)
    assert {type(e).__name__ for e in events} >= {"CellStarted", "CellFinished"}
    posts = [r for r in server.requests if r.path == "/v1/chat/completions"]
    assert all(r.body and r.body.get("stream") is True for r in posts)  # still streamed
    assert all(c.ttft_ms is not None for c in ws.store.cells(summary.run_id))


async def test_left_over_errors_are_not_cached_and_retry_errors_fixes_them(
    ws: Workspace, server: FakeLLMServer
) -> None:
    spec = ws.spec([ws.prompt()], [priced_model(ws, "bench-a", server)], ws.dataset(4))
    engine = engine_for(ws, retry=RetryPolicy(max_attempts=2, base_delay_s=0.01))
    run_id = engine.create_run(spec, "errors")
    server.script(Reply.error(400, "bad things"))  # not retryable: one cell ends in error
    first = await engine.execute(run_id)
    assert first.counts == {"ok": 3, "error": 1}
    (bad,) = ws.store.cells(run_id, [CellStatus.ERROR])
    assert bad.error_kind == "bad_request" and "bad things" in (bad.error_message or "")

    server.clear_log()
    again = await engine.execute(run_id, mode="errors")
    assert again.counts == {"ok": 1}
    posts = [r for r in server.requests if r.path == "/v1/chat/completions"]
    assert len(posts) == 1 and posts[0].body is not None
    assert f"row={bad.key.row_id}" in posts[0].body["messages"][-1]["content"]


async def test_real_token_counts_and_prices_drive_the_estimate(
    ws: Workspace, server: FakeLLMServer
) -> None:
    model = ws.model(
        "gpt-4o-mini",
        base_url=server.openai_base_url,
        params={"max_tokens": 50},
        input_usd_per_mtok=0.15,
        output_usd_per_mtok=0.6,
    )
    spec = ws.spec([ws.prompt()], [model], ws.dataset(10), budget_usd=1.0)
    estimate = engine_for(ws).estimate(spec)
    assert estimate.calls == 10 and estimate.output_tokens_assumed == 500
    assert not estimate.tokens_estimated  # gpt-4o-mini has an exact bundled tokenizer
    assert estimate.cost_usd == pytest.approx((estimate.input_tokens * 0.15 + 500 * 0.6) / 1e6)


def test_the_default_counter_is_exact_for_openai_models_and_cheap_elsewhere() -> None:
    from workbench.core.llm import Message
    from workbench.engine.costing import default_count_tokens
    from workbench.providers.tokens import count_messages

    count = default_count_tokens()
    messages = (Message("system", "Tu es Camille."), Message("user", "Où est ma commande ?"))
    exact = count(messages, "gpt-4o-mini")
    assert not exact.estimated and exact.n == count_messages(messages, "gpt-4o-mini").n
    guess = count(messages, "llama-3.1-8b-instruct")
    assert guess.estimated and abs(guess.n - exact.n) <= 5
