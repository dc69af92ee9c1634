"""Response cache (hits, errors never cached, bypass) and the budget cap."""

from __future__ import annotations

import pytest

from tests.engine.conftest import Workspace
from tests.engine.fakes import FakeProvider, SharedFactory, answer, row_of
from tests.engine.helpers import make_engine
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Outcome, ProviderError
from workbench.core.runs import CellStatus, RunStatus
from workbench.engine.budget import BudgetExceededError, BudgetGuard
from workbench.engine.cache import CACHE_VERSION, cache_key
from workbench.engine.plan import expand


async def test_a_second_run_is_answered_from_the_cache(ws: Workspace) -> None:
    provider = FakeProvider()
    engine = make_engine(ws.store, SharedFactory(provider))
    spec = ws.spec([ws.prompt()], [ws.model("a"), ws.model("b")], ws.dataset(20), repeats=2)
    first = await engine.execute(engine.create_run(spec, "cold"))
    assert first.calls == 80 and first.cache_hits == 0

    provider.calls.clear()
    warm_id = engine.create_run(spec, "warm")
    warm = await engine.execute(warm_id)
    assert provider.calls == []
    assert warm.calls == 0 and warm.cache_hits == 80 and warm.counts == {"ok": 80}
    cells = ws.store.cells(warm_id)
    assert all(c.cache_hit and c.attempts == 0 for c in cells)
    cold = {c.key: c.output for c in ws.store.cells(first.run_id)}
    assert {c.key: c.output for c in cells} == cold
    assert warm.cost_usd == 0.0  # cache hits spend nothing


async def test_estimate_counts_cached_cells_as_free(ws: Workspace) -> None:
    engine = make_engine(ws.store, SharedFactory(FakeProvider()))
    spec = ws.spec([ws.prompt()], [ws.model()], ws.dataset(4))
    before = engine.estimate(spec)
    await engine.execute(engine.create_run(spec, "fill"))
    after = engine.estimate(spec)
    assert (before.calls, before.cached_cells) == (4, 0)
    assert (after.calls, after.cached_cells, after.cost_usd) == (0, 4, 0.0)


async def test_errors_are_never_cached(ws: Workspace) -> None:
    def half(request: ChatRequest, attempt: int) -> Outcome:
        if int(row_of(request)[1:]) % 2:
            return ProviderError(ErrorKind.BAD_REQUEST, "refused", status=400)
        return answer(request, attempt)

    provider = FakeProvider(behaviour=half)
    engine = make_engine(ws.store, SharedFactory(provider))
    spec = ws.spec([ws.prompt()], [ws.model()], ws.dataset(6))
    await engine.execute(engine.create_run(spec, "first"))
    provider.calls.clear()
    second = await engine.execute(engine.create_run(spec, "second"))
    assert sorted(r for r, _ in provider.calls) == ["r0001", "r0003", "r0005"]
    assert second.cache_hits == 3


async def test_no_cache_bypasses_reads_but_refreshes_entries(ws: Workspace) -> None:
    version = {"n": 1}

    def versioned(request: ChatRequest, attempt: int) -> Outcome:
        return ChatResult(
            text=f"v{version['n']}",
            finish_reason="stop",
            input_tokens=1,
            output_tokens=1,
            latency_ms=1.0,
        )

    provider = FakeProvider(behaviour=versioned)
    engine = make_engine(ws.store, SharedFactory(provider))
    prompt, model, dataset = ws.prompt(), ws.model(), ws.dataset(2)
    await engine.execute(engine.create_run(ws.spec([prompt], [model], dataset), "v1"))

    version["n"] = 2
    provider.calls.clear()
    bypass = ws.spec([prompt], [model], dataset, use_cache=False)
    fresh = await engine.execute(engine.create_run(bypass, "no-cache"))
    assert len(provider.calls) == 2 and fresh.cache_hits == 0

    provider.calls.clear()
    cached_id = engine.create_run(ws.spec([prompt], [model], dataset), "cached")
    await engine.execute(cached_id)
    assert provider.calls == []
    assert {c.output for c in ws.store.cells(cached_id)} == {"v2"}


def test_cache_key_changes_with_everything_that_changes_the_answer(ws: Workspace) -> None:
    plan = expand(ws.spec([ws.prompt()], [ws.model()], ws.dataset(2)), ws.store)
    column = plan.columns[0]
    messages = plan.messages(0, 0)
    assert isinstance(messages, tuple)
    base = cache_key(column.config, column.params, messages, 0)
    assert base == cache_key(column.config, dict(column.params), messages, 0)
    other_row = plan.messages(1, 0)
    assert isinstance(other_row, tuple)
    variants = {
        cache_key(column.config, column.params, messages, 1),
        cache_key(column.config, {"temperature": 0.5}, messages, 0),
        cache_key(column.config.model_copy(update={"model": "other"}), column.params, messages, 0),
        cache_key(
            column.config.model_copy(update={"base_url": "http://elsewhere/v1"}),
            column.params,
            messages,
            0,
        ),
        cache_key(column.config, column.params, other_row, 0),
    }
    assert base not in variants and len(variants) == 5
    assert CACHE_VERSION >= 1


def test_a_run_estimated_above_its_budget_is_refused(ws: Workspace) -> None:
    engine = make_engine(ws.store, SharedFactory(FakeProvider()), usd_per_token=0.001)
    prompt = ws.prompt(params={"max_tokens": 100})
    spec = ws.spec([prompt], [ws.model()], ws.dataset(10), budget_usd=0.5)
    estimate = engine.estimate(spec)
    assert estimate.calls == 10 and estimate.output_tokens_assumed == 1000
    assert estimate.cost_usd == pytest.approx((estimate.input_tokens + 1000) * 0.001)
    with pytest.raises(BudgetExceededError, match=r"above the budget of \$0.5"):
        engine.create_run(spec, "too dear")
    assert ws.store.list_runs() == []


def test_a_budget_with_an_unpriced_model_is_refused_with_the_fix(ws: Workspace) -> None:
    engine = make_engine(ws.store, SharedFactory(FakeProvider()))
    spec = ws.spec([ws.prompt()], [ws.model("unpriced")], ws.dataset(1), budget_usd=1.0)
    with pytest.raises(BudgetExceededError, match="input_usd_per_mtok"):
        engine.create_run(spec, "no price")


async def test_the_run_stops_before_exceeding_its_budget(ws: Workspace) -> None:
    # No max_tokens: each call is reserved at 6 + 10 assumed tokens, but really costs 6 + 100.
    def verbose(request: ChatRequest, attempt: int) -> Outcome:
        return ChatResult(
            text="long", finish_reason="stop", input_tokens=6, output_tokens=100, latency_ms=1.0
        )

    provider = FakeProvider(behaviour=verbose)
    engine = make_engine(
        ws.store, SharedFactory(provider), usd_per_token=0.001, assumed_output_tokens=10
    )
    spec = ws.spec([ws.prompt()], [ws.model()], ws.dataset(10), budget_usd=0.5, concurrency=1)
    run_id = engine.create_run(spec, "budget")  # estimated 10 * 0.016 = 0.16: accepted
    summary = await engine.execute(run_id)
    # 4 calls spent 0.424; a 5th fits its 0.016 reservation (0.44 <= 0.5) and spends 0.53;
    # then nothing fits and the rest is left out.
    assert len(provider.calls) == 5
    assert summary.status == RunStatus.BUDGET_STOPPED
    assert ws.store.get_run(run_id).status == RunStatus.BUDGET_STOPPED
    assert summary.counts == {"ok": 5, "cancelled": 5}
    assert summary.message and "budget of $0.5" in summary.message
    left = ws.store.cells(run_id, [CellStatus.CANCELLED])
    assert {c.error_kind for c in left} == {"budget"} and len(left) == 5

    # Resuming counts what was already spent and stops again without calling.
    provider.calls.clear()
    again = await engine.execute(run_id)
    assert provider.calls == [] and again.status == RunStatus.BUDGET_STOPPED


async def test_in_flight_reservations_keep_spending_under_the_budget(ws: Workspace) -> None:
    # With max_tokens honoured, reservations bound the cost: spent + reserved never passes the
    # budget however many calls run at once.
    def exact(request: ChatRequest, attempt: int) -> Outcome:
        return ChatResult(
            text="ok", finish_reason="stop", input_tokens=6, output_tokens=4, latency_ms=1.0
        )

    provider = FakeProvider(behaviour=exact, delay=0.005)
    engine = make_engine(ws.store, SharedFactory(provider), usd_per_token=0.001)
    prompt = ws.prompt(params={"max_tokens": 4})
    dataset = ws.dataset(40)
    spec = ws.spec([prompt], [ws.model()], dataset, budget_usd=0.4, concurrency=8)
    run_id = engine.create_run(spec, "exact")  # 40 * 0.010 = 0.40: just fits
    summary = await engine.execute(run_id)
    assert summary.status == RunStatus.FINISHED and summary.counts == {"ok": 40}
    assert summary.cost_usd == pytest.approx(0.4)
    assert provider.peak == 8


def test_budget_guard_reserves_and_settles() -> None:
    guard = BudgetGuard(1.0, spent_usd=0.5)
    assert guard.try_reserve(0.3) and guard.try_reserve(0.2)
    assert not guard.try_reserve(0.01)
    guard.settle(0.3, 0.1)
    assert guard.spent_usd == pytest.approx(0.6) and guard.reserved_usd == pytest.approx(0.2)
    assert guard.try_reserve(0.2)
    assert BudgetGuard(None).try_reserve(1e9)


class CountingRows:
    """The store, counting how often dataset rows are read (once per plan expansion)."""

    def __init__(self, store: object) -> None:
        self._store = store
        self.row_reads = 0

    def dataset_rows(self, *args: object, **kwargs: object) -> object:
        self.row_reads += 1
        return self._store.dataset_rows(*args, **kwargs)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


async def test_a_run_created_after_its_estimate_reuses_the_plan_but_reads_the_cache_again(
    ws: Workspace,
) -> None:
    provider = FakeProvider()
    counting = CountingRows(ws.store)
    engine = make_engine(counting, SharedFactory(provider))  # type: ignore[arg-type]
    rows = ws.dataset(5)
    spec = ws.spec([ws.prompt()], [ws.model()], rows)

    estimate = engine.estimate(spec)
    assert (estimate.calls, counting.row_reads) == (5, 1)
    # Meanwhile another run answers three of the rows: the run must find them in the cache.
    three = ws.spec([ws.prompt()], [ws.model()], rows, row_ids=("r0000", "r0002", "r0004"))
    other = make_engine(ws.store, SharedFactory(FakeProvider()))
    await other.execute(other.create_run(three, "other"))

    summary = await engine.execute(engine.create_run(spec, "after"))

    assert counting.row_reads == 1  # estimate, create_run and execute shared one expansion
    assert (summary.cache_hits, summary.calls) == (3, 2)
    assert sorted(r for r, _ in provider.calls) == ["r0001", "r0003"]
    # A different spec is expanded anew.
    engine.estimate(ws.spec([ws.prompt()], [ws.model()], ws.dataset(2, name="two")))
    assert counting.row_reads == 2
