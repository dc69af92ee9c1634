"""The engine end to end on a real SQLite store with scripted providers.

Concurrency, limits, retries, errors as data, events, cancellation, retry-errors and render
errors. Cache, budget and kill/resume have their own modules.
"""

from __future__ import annotations

import asyncio

from tests.engine.conftest import Workspace
from tests.engine.fakes import FakeProvider, SharedFactory, Tally, VirtualClock, answer, row_of
from tests.engine.helpers import make_engine
from workbench.core.errors import MissingSecretError
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Outcome, ProviderError
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.runs import CellStatus, RunStatus
from workbench.engine.events import (
    CellDelta,
    CellFinished,
    CellStarted,
    Event,
    RunFinished,
    RunStarted,
)
from workbench.engine.limits import EndpointLimits, endpoint_key
from workbench.engine.retry import RetryPolicy


async def test_achieved_concurrency_reaches_the_limit_and_never_exceeds_it(ws: Workspace) -> None:
    provider = FakeProvider(delay=0.01)
    engine = make_engine(ws.store, SharedFactory(provider))
    spec = ws.spec([ws.prompt()], [ws.model()], ws.dataset(60), concurrency=7)
    summary = await engine.execute(engine.create_run(spec, "conc"))
    assert provider.peak == 7
    assert summary.status == RunStatus.FINISHED
    assert summary.counts == {"ok": 60}
    assert len(ws.store.cells(summary.run_id, [CellStatus.OK])) == 60


async def test_results_carry_output_tokens_timing_cost_and_attempts(ws: Workspace) -> None:
    engine = make_engine(ws.store, SharedFactory(FakeProvider()), usd_per_token=0.001)
    run_id = engine.create_run(ws.spec([ws.prompt()], [ws.model("m")], ws.dataset(1)), "fields")
    await engine.execute(run_id)
    (cell,) = ws.store.cells(run_id)
    assert cell.output == "answer r0000 from m"
    assert (cell.input_tokens, cell.output_tokens, cell.tokens_estimated) == (10, 5, False)
    assert cell.finish_reason == "stop" and cell.ttft_ms == 0.5 and cell.latency_ms == 1.0
    assert cell.cost_usd == 15 * 0.001
    assert cell.attempts == 1 and not cell.cache_hit and cell.finished_at is not None


async def test_missing_usage_is_estimated_and_flagged(ws: Workspace) -> None:
    def no_usage(request: ChatRequest, attempt: int) -> Outcome:
        return ChatResult(
            text="x" * 40,
            finish_reason="stop",
            input_tokens=None,
            output_tokens=None,
            latency_ms=1.0,
        )

    engine = make_engine(ws.store, SharedFactory(FakeProvider(behaviour=no_usage)))
    run_id = engine.create_run(ws.spec([ws.prompt()], [ws.model()], ws.dataset(1)), "est")
    await engine.execute(run_id)
    (cell,) = ws.store.cells(run_id)
    assert cell.tokens_estimated
    assert cell.output_tokens == 11  # the fake tokenizer: 40 chars / 4 + 1
    assert cell.input_tokens == len("row=r0000 question 0") // 4 + 1


async def test_per_endpoint_concurrency_limits_each_endpoint(ws: Workspace) -> None:
    both = Tally()
    slow = FakeProvider(delay=0.01, tally=both)
    fast = FakeProvider(delay=0.01, tally=both)
    engine = make_engine(
        ws.store,
        SharedFactory(a=slow, b=fast),
        endpoint_limits={endpoint_key("openai-compatible", "http://a/v1"): EndpointLimits(2)},
    )
    models = [ws.model("a", base_url="http://a/v1"), ws.model("b", base_url="http://b/v1")]
    spec = ws.spec([ws.prompt()], models, ws.dataset(40), concurrency=10)
    summary = await engine.execute(engine.create_run(spec, "per-endpoint"))
    assert summary.counts == {"ok": 80}
    assert slow.peak == 2
    assert fast.peak > 2
    assert both.peak == 10


async def test_requests_per_minute_pace_calls_on_the_clock(ws: Workspace) -> None:
    clock = VirtualClock()
    starts: list[float] = []

    def stamp(request: ChatRequest, attempt: int) -> Outcome:
        starts.append(clock.now())
        return answer(request, attempt)

    engine = make_engine(
        ws.store,
        SharedFactory(FakeProvider(behaviour=stamp)),
        clock=clock,
        default_endpoint_limits=EndpointLimits(requests_per_minute=30, burst_seconds=2),
    )
    spec = ws.spec([ws.prompt()], [ws.model()], ws.dataset(6), concurrency=6)
    await engine.execute(engine.create_run(spec, "rpm"))
    assert starts == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]  # one call per 2 s at 30/min


async def test_tokens_per_minute_wait_for_the_estimated_tokens(ws: Workspace) -> None:
    clock = VirtualClock()
    starts: list[float] = []

    def stamp(request: ChatRequest, attempt: int) -> Outcome:
        starts.append(clock.now())
        return answer(request, attempt)

    engine = make_engine(
        ws.store,
        SharedFactory(FakeProvider(behaviour=stamp)),
        clock=clock,
        assumed_output_tokens=14,
        # Each call is estimated at 6 prompt tokens + 14 output = 20; it really uses 15.
        default_endpoint_limits=EndpointLimits(tokens_per_minute=600, burst_seconds=2),
    )
    spec = ws.spec([ws.prompt()], [ws.model()], ws.dataset(3), concurrency=3)
    await engine.execute(engine.create_run(spec, "tpm"))
    # 10 tokens/s, bucket of 20. Each call takes its 20 estimated tokens, then gives back the 5
    # it did not use, so the next waits (20 - 5) / 10 = 1.5 s; without the correction it would
    # be 2 s.
    assert starts == [0.0, 1.5, 3.0]


async def test_retries_honour_retry_after_and_end_ok(ws: Workspace) -> None:
    clock = VirtualClock()

    def flaky(request: ChatRequest, attempt: int) -> Outcome:
        if attempt == 1:
            return ProviderError(ErrorKind.RATE_LIMITED, "429", status=429, retry_after_s=3.0)
        if attempt == 2:
            return ProviderError(ErrorKind.SERVER, "500", status=500)
        return answer(request, attempt)

    provider = FakeProvider(behaviour=flaky)
    engine = make_engine(ws.store, SharedFactory(provider), clock=clock)
    run_id = engine.create_run(ws.spec([ws.prompt()], [ws.model()], ws.dataset(2)), "retry")
    summary = await engine.execute(run_id)
    assert summary.counts == {"ok": 2} and summary.calls == 6
    assert all(cell.attempts == 3 for cell in ws.store.cells(run_id))
    assert sorted(clock.sleeps)[-2:] == [3.0, 3.0]  # never less than Retry-After
    # after the second failure the backoff ceiling is base * 2 = 0.02 s
    assert all(s <= 0.02 for s in sorted(clock.sleeps)[:-2])


async def test_non_retryable_errors_are_recorded_after_one_attempt(ws: Workspace) -> None:
    def refused(request: ChatRequest, attempt: int) -> Outcome:
        return ProviderError(ErrorKind.AUTH, "invalid key for MY_KEY", status=401)

    provider = FakeProvider(behaviour=refused)
    engine = make_engine(ws.store, SharedFactory(provider))
    run_id = engine.create_run(ws.spec([ws.prompt()], [ws.model()], ws.dataset(3)), "auth")
    summary = await engine.execute(run_id)
    assert summary.counts == {"error": 3} and len(provider.calls) == 3
    cell = ws.store.cells(run_id)[0]
    assert (cell.status, cell.error_kind, cell.attempts) == (CellStatus.ERROR, "auth", 1)
    assert "MY_KEY" in (cell.error_message or "")
    assert summary.status == RunStatus.FINISHED  # errors are data, not a failed run


async def test_retryable_errors_stop_after_max_attempts(ws: Workspace) -> None:
    def down(request: ChatRequest, attempt: int) -> Outcome:
        return ProviderError(ErrorKind.SERVER, "502 bad gateway", status=502)

    provider = FakeProvider(behaviour=down)
    engine = make_engine(
        ws.store, SharedFactory(provider), retry=RetryPolicy(max_attempts=3, base_delay_s=0.01)
    )
    run_id = engine.create_run(ws.spec([ws.prompt()], [ws.model()], ws.dataset(1)), "down")
    await engine.execute(run_id)
    (cell,) = ws.store.cells(run_id)
    assert (cell.status, cell.error_kind, cell.attempts) == (CellStatus.ERROR, "server", 3)
    assert len(provider.calls) == 3


async def test_a_hanging_call_times_out_and_is_retried(ws: Workspace) -> None:
    gate = asyncio.Event()  # never set: every call hangs
    provider = FakeProvider(gate=gate)
    engine = make_engine(
        ws.store,
        SharedFactory(provider),
        retry=RetryPolicy(max_attempts=2, base_delay_s=0.001, timeout_s=0.02),
    )
    run_id = engine.create_run(ws.spec([ws.prompt()], [ws.model()], ws.dataset(1)), "hang")
    await engine.execute(run_id)
    (cell,) = ws.store.cells(run_id)
    assert (cell.status, cell.error_kind, cell.attempts) == (CellStatus.ERROR, "timeout", 2)


async def test_a_provider_that_cannot_be_built_fails_its_cells_with_its_message(
    ws: Workspace,
) -> None:
    good = FakeProvider()

    def factory(config):  # type: ignore[no-untyped-def]
        if config.model == "needs-key":
            raise MissingSecretError("set OPENAI_API_KEY to use needs-key")
        return good

    engine = make_engine(ws.store, factory)
    spec = ws.spec([ws.prompt()], [ws.model("needs-key"), ws.model("fine")], ws.dataset(3))
    run_id = engine.create_run(spec, "keys")
    summary = await engine.execute(run_id)
    assert summary.counts == {"ok": 3, "error": 3}
    bad = [c for c in ws.store.cells(run_id) if c.key.column == 0]
    assert {c.error_kind for c in bad} == {"config"}
    assert all("OPENAI_API_KEY" in (c.error_message or "") for c in bad)
    assert good.closed


async def test_a_crashing_provider_costs_cells_not_the_run(ws: Workspace) -> None:
    def crash(request: ChatRequest, attempt: int) -> Outcome:
        if row_of(request) == "r0001":
            raise RuntimeError("server process died")
        return answer(request, attempt)

    engine = make_engine(ws.store, SharedFactory(FakeProvider(behaviour=crash)))
    run_id = engine.create_run(ws.spec([ws.prompt()], [ws.model()], ws.dataset(3)), "crash")
    summary = await engine.execute(run_id)
    assert summary.counts == {"ok": 2, "error": 1}
    crashed = [c for c in ws.store.cells(run_id) if c.status == CellStatus.ERROR]
    assert crashed[0].error_kind == "crashed" and "died" in (crashed[0].error_message or "")


async def test_events_tell_the_story_of_the_run(ws: Workspace) -> None:
    events: list[Event] = []
    provider = FakeProvider(deltas=("Bon", "jour"))
    engine = make_engine(ws.store, SharedFactory(provider))
    run_id = engine.create_run(ws.spec([ws.prompt()], [ws.model()], ws.dataset(2)), "events")
    await engine.execute(run_id, sink=events.append)
    assert events[0] == RunStarted(run_id, 2)
    assert isinstance(events[-1], RunFinished) and events[-1].status == RunStatus.FINISHED
    assert events[-1].counts == {"ok": 2}
    started = [e.key for e in events if isinstance(e, CellStarted)]
    finished = [e.result.key for e in events if isinstance(e, CellFinished)]
    assert sorted(started, key=str) == sorted(finished, key=str) and len(finished) == 2
    deltas = [e.text for e in events if isinstance(e, CellDelta) and e.key == finished[0]]
    assert deltas == ["Bon", "jour"]
    for key in finished:  # per cell: started, then deltas, then finished
        kinds = [
            type(e).__name__
            for e in events
            if getattr(e, "key", None) == key
            or (isinstance(e, CellFinished) and e.result.key == key)
        ]
        assert kinds == ["CellStarted", "CellDelta", "CellDelta", "CellFinished"]


async def test_render_errors_become_error_cells_without_a_call(ws: Workspace) -> None:
    provider = FakeProvider()
    prompt = ws.prompt("greet", user="row={{ id }} {% if id == 'r0001' %}{{ nope }}{% endif %}")
    engine = make_engine(ws.store, SharedFactory(provider))
    run_id = engine.create_run(ws.spec([prompt], [ws.model()], ws.dataset(3)), "render")
    summary = await engine.execute(run_id)
    assert summary.counts == {"ok": 2, "error": 1}
    assert sorted(r for r, _ in provider.calls) == ["r0000", "r0002"]
    (bad,) = ws.store.cells(run_id, [CellStatus.ERROR])
    assert bad.key.row_id == "r0001" and bad.error_kind == "render" and bad.attempts == 0
    assert "greet@v1:user" in (bad.error_message or "") and "nope" in (bad.error_message or "")


async def test_retry_errors_reruns_only_the_errored_cells(ws: Workspace) -> None:
    failing = {"r0001", "r0003"}

    def sometimes(request: ChatRequest, attempt: int) -> Outcome:
        if row_of(request) in failing:
            return ProviderError(ErrorKind.BAD_REQUEST, "context too long", status=400)
        return answer(request, attempt)

    provider = FakeProvider(behaviour=sometimes)
    engine = make_engine(ws.store, SharedFactory(provider))
    run_id = engine.create_run(ws.spec([ws.prompt()], [ws.model()], ws.dataset(5)), "retry-err")
    first = await engine.execute(run_id)
    assert first.counts == {"ok": 3, "error": 2}

    failing.clear()
    provider.calls.clear()
    second = await engine.execute(run_id, mode="errors")
    assert sorted(r for r, _ in provider.calls) == ["r0001", "r0003"]
    assert second.counts == {"ok": 2}
    assert len(ws.store.cells(run_id, [CellStatus.OK])) == 5


async def test_cancel_marks_in_flight_cells_cancelled_and_resume_finishes(ws: Workspace) -> None:
    gate = asyncio.Event()
    provider = FakeProvider(gate=gate)
    engine = make_engine(ws.store, SharedFactory(provider))
    run_id = engine.create_run(
        ws.spec([ws.prompt()], [ws.model()], ws.dataset(10), concurrency=3), "cancel"
    )
    cancel = asyncio.Event()
    task = asyncio.create_task(engine.execute(run_id, cancel_event=cancel))
    while provider.in_flight < 3:
        await asyncio.sleep(0.001)
    cancel.set()
    summary = await task
    assert summary.status == RunStatus.CANCELLED
    assert ws.store.get_run(run_id).status == RunStatus.CANCELLED
    cells = ws.store.cells(run_id)
    assert len(cells) == 3
    assert {(c.status, c.error_kind) for c in cells} == {(CellStatus.CANCELLED, "cancelled")}
    assert provider.closed

    gate.set()
    provider.calls.clear()
    resumed = await engine.execute(run_id)
    assert resumed.status == RunStatus.FINISHED and resumed.counts == {"ok": 10}
    assert len(provider.calls) == 10


async def test_cancelling_the_execute_task_settles_in_flight_cells(ws: Workspace) -> None:
    provider = FakeProvider(gate=asyncio.Event())
    engine = make_engine(ws.store, SharedFactory(provider))
    run_id = engine.create_run(
        ws.spec([ws.prompt()], [ws.model()], ws.dataset(5), concurrency=2), "outer-cancel"
    )
    task = asyncio.create_task(engine.execute(run_id))
    while provider.in_flight < 2:
        await asyncio.sleep(0.001)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("execute swallowed its own cancellation")
    assert ws.store.get_run(run_id).status == RunStatus.CANCELLED
    assert {c.status for c in ws.store.cells(run_id)} == {CellStatus.CANCELLED}


async def test_the_embedded_model_gets_one_call_at_a_time_by_default(ws: Workspace) -> None:
    # Its server computes one answer at a time; more in flight only queue or interrupt.
    provider = FakeProvider(delay=0.01)
    engine = make_engine(ws.store, SharedFactory(provider))
    local = ws.store.save_version(
        Kind.MODEL, "local", ModelConfigContent(provider="local", model="smollm2")
    ).version
    spec = ws.spec([ws.prompt()], [local], ws.dataset(12), concurrency=8)
    summary = await engine.execute(engine.create_run(spec, "local"))
    assert summary.counts == {"ok": 12}
    assert provider.peak == 1
