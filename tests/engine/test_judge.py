"""`EngineJudge`: judge calls through the engine's limits, retries, timeout and response cache.

HTTP tests use the real providers registry against the fake OpenAI-compatible server; the
limits tests use a hand-written provider that records how many calls overlap.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.fakes import VirtualClock
from workbench.core.errors import KnownError
from workbench.core.llm import (
    ChatRequest,
    ChatResult,
    DeltaSink,
    ErrorKind,
    Message,
    Outcome,
    ProviderError,
)
from workbench.core.models import ModelConfigContent
from workbench.engine.judge import EngineJudge
from workbench.engine.limits import EndpointLimits, Limits, endpoint_key
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.scoring.judge import judge_schema, parse_judge_answer
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, Reply

VERDICT = '{"reasoning": "Salue le client.", "verdict": "pass"}'


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=lambda body: VERDICT) as srv:
        yield srv


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    with Store.open(tmp_path / "home" / "workbench.sqlite") as opened:
        yield opened


def judge_config(server: FakeLLMServer, **params: object) -> ModelConfigContent:
    return ModelConfigContent(
        provider="openai-compatible",
        model="judge-model",
        base_url=server.openai_base_url,
        params=dict(params),
    )


def http_factory(config: ModelConfigContent) -> object:
    return create_provider(config, secrets=SecretStore({}, use_keyring=False), timeout_s=10)


def request(text: str = "Grade: Bonjour, votre colis arrive.", **params: object) -> ChatRequest:
    return ChatRequest(
        model="",
        messages=(Message("system", "You grade replies."), Message("user", text)),
        params={"temperature": 0, **params},
        stream=False,
    )


def options(**retry: object) -> EngineOptions:
    retry.setdefault("base_delay_s", 0.01)
    return EngineOptions(retry=RetryPolicy(**retry), seed=0)  # type: ignore[arg-type]


def chat_posts(server: FakeLLMServer) -> list[dict]:
    return [r.body for r in server.requests if r.path == "/v1/chat/completions" and r.body]


async def test_a_429_is_retried_after_its_retry_after_and_the_answer_is_cached(
    server: FakeLLMServer, store: Store
) -> None:
    clock = VirtualClock()
    server.script(Reply.rate_limited("1.5"))
    async with EngineJudge(
        judge_config(server), http_factory, cache=store, options=options(), clock=clock
    ) as judge:
        outcome = await judge(request())
    assert isinstance(outcome, ChatResult) and outcome.text == VERDICT
    assert len(chat_posts(server)) == 2 and judge.requests == 2
    # The wait before the second attempt honours the server's Retry-After as a floor.
    assert clock.sleeps and clock.sleeps[0] >= 1.5

    async with EngineJudge(judge_config(server), http_factory, cache=store) as again:
        cached = await again(request())
    assert cached == outcome and again.cache_hits == 1 and again.requests == 0
    assert len(chat_posts(server)) == 2  # the second judge called no model


async def test_errors_are_never_cached(server: FakeLLMServer, store: Store) -> None:
    server.script(Reply.error(500), Reply.error(500))
    async with EngineJudge(
        judge_config(server), http_factory, cache=store, options=options(max_attempts=2)
    ) as judge:
        failed = await judge(request())
    assert isinstance(failed, ProviderError) and failed.kind is ErrorKind.SERVER
    assert judge.requests == 2
    async with EngineJudge(judge_config(server), http_factory, cache=store) as again:
        answered = await again(request())
    assert isinstance(answered, ChatResult) and again.cache_hits == 0
    assert len(chat_posts(server)) == 3


async def test_a_request_without_model_gets_the_configs_model_and_params_underneath(
    server: FakeLLMServer,
) -> None:
    config = judge_config(server, temperature=0.7, max_tokens=300, seed=4)
    async with EngineJudge(config, http_factory, options=options()) as judge:
        await judge(request())
        named = await judge(
            ChatRequest(model="other-judge", messages=(Message("user", "x"),), stream=False)
        )
    assert isinstance(named, ChatResult)
    first, second = chat_posts(server)
    assert first["model"] == "judge-model"
    # The criterion's own parameters win over the judge config's defaults.
    assert (first["temperature"], first["max_tokens"], first["seed"]) == (0, 300, 4)
    assert second["model"] == "other-judge"


async def test_cache_keys_tell_models_and_params_apart(server: FakeLLMServer) -> None:
    judge = EngineJudge(judge_config(server), http_factory)
    plain = judge.cache_key(judge.prepare(request()))
    assert plain == judge.cache_key(judge.prepare(request()))
    assert plain != judge.cache_key(judge.prepare(request(max_tokens=5)))
    assert plain != judge.cache_key(judge.prepare(request("Grade: another reply")))
    named = judge.prepare(dataclasses.replace(request(), model="other-judge"))
    assert named.params == judge.prepare(request()).params
    assert judge.cache_key(named) != plain


async def test_use_cache_false_reads_nothing_but_still_writes(
    server: FakeLLMServer, store: Store
) -> None:
    async with EngineJudge(judge_config(server), http_factory, cache=store) as judge:
        await judge(request())
    async with EngineJudge(
        judge_config(server), http_factory, cache=store, use_cache=False
    ) as fresh:
        await fresh(request())
    assert fresh.cache_hits == 0 and len(chat_posts(server)) == 2


async def test_an_attempt_that_exceeds_the_timeout_is_a_timeout_error(
    server: FakeLLMServer,
) -> None:
    server.script(Reply("hang"), Reply("hang"))
    async with EngineJudge(
        judge_config(server), http_factory, options=options(timeout_s=0.3, max_attempts=2)
    ) as judge:
        outcome = await judge(request())
    assert isinstance(outcome, ProviderError) and outcome.kind is ErrorKind.TIMEOUT
    assert judge.requests == 2


class OverlapProvider:
    """Answers after a short pause and records the most calls ever in flight at once."""

    name = "overlap"

    def __init__(self) -> None:
        self.in_flight = 0
        self.most = 0
        self.calls = 0
        self.closed = False

    async def complete(self, request: ChatRequest, on_delta: DeltaSink | None = None) -> Outcome:
        self.calls += 1
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        return ChatResult(VERDICT, "stop", 10, 5, 10.0)

    async def aclose(self) -> None:
        self.closed = True


def local_config(base_url: str = "http://127.0.0.1:9/v1") -> ModelConfigContent:
    return ModelConfigContent(provider="openai-compatible", model="judge", base_url=base_url)


async def test_endpoint_concurrency_limits_judge_calls() -> None:
    provider = OverlapProvider()
    config = local_config()
    limited = EngineOptions(
        endpoint_limits={endpoint_key(config.provider, config.base_url): EndpointLimits(2)}
    )
    judge = EngineJudge(config, lambda _c: provider, options=limited, concurrency=16)
    outcomes = await asyncio.gather(*(judge(request(f"reply {n}")) for n in range(8)))
    assert all(isinstance(o, ChatResult) for o in outcomes)
    assert provider.calls == 8 and provider.most == 2
    await judge.aclose()
    assert provider.closed


async def test_requests_per_minute_pace_judge_calls() -> None:
    clock = VirtualClock()
    provider = OverlapProvider()
    paced = EngineOptions(
        default_endpoint_limits=EndpointLimits(requests_per_minute=60, burst_seconds=1)
    )
    judge = EngineJudge(local_config(), lambda _c: provider, options=paced, clock=clock)
    for number in range(3):
        await judge(request(f"reply {number}"))
    # One request per second: the second and third calls each waited about a second.
    assert clock.t == pytest.approx(2.0, abs=0.05)


async def test_tokens_per_minute_use_an_estimate_then_the_real_count() -> None:
    clock = VirtualClock()
    provider = OverlapProvider()
    # Limits handed in are shared: a run on the same endpoint would see these tokens spent.
    shared = Limits(4, default=EndpointLimits(tokens_per_minute=6000), clock=clock)
    judge = EngineJudge(
        local_config(),
        lambda _c: provider,
        limits=shared,
        clock=clock,
        count_tokens=lambda messages, model: _Count(100),
    )
    await judge(request(max_tokens=50))
    limiter = shared.endpoint(endpoint_key("openai-compatible", "http://127.0.0.1:9/v1"))
    assert limiter.tokens is not None
    # 150 estimated, corrected to the 15 the provider reported.
    assert limiter.tokens.level == pytest.approx(6000 - 15, abs=1)


class _Count:
    def __init__(self, n: int) -> None:
        self.n = n
        self.estimated = True


async def test_a_provider_that_cannot_be_built_is_a_config_error_without_retries() -> None:
    built = 0

    def factory(config: ModelConfigContent) -> object:
        nonlocal built
        built += 1
        raise KnownError("JUDGE_KEY is not set")

    judge = EngineJudge(local_config(), factory, options=options())
    first = await judge(request())
    second = await judge(request("another reply"))
    assert isinstance(first, ProviderError) and first.kind is ErrorKind.CONFIG
    assert "JUDGE_KEY" in first.message and second == first
    assert built == 1  # the failure is remembered, not retried per call


async def test_a_crashing_provider_is_an_error_not_an_exception() -> None:
    class Broken(OverlapProvider):
        async def complete(
            self, request: ChatRequest, on_delta: DeltaSink | None = None
        ) -> Outcome:
            raise ZeroDivisionError("bug in the provider")

    judge = EngineJudge(local_config(), lambda _c: Broken(), options=options())
    outcome = await judge(request())
    assert isinstance(outcome, ProviderError) and outcome.kind is ErrorKind.CRASHED
    assert "ZeroDivisionError" in outcome.message


def test_a_judge_refuses_a_second_event_loop() -> None:
    judge = EngineJudge(local_config(), lambda _c: OverlapProvider(), options=options())
    asyncio.run(judge(request()))
    with pytest.raises(RuntimeError, match="another event loop"):
        asyncio.run(judge(request()))


async def test_only_readable_verdicts_are_cached(server: FakeLLMServer, store: Store) -> None:
    schema = judge_schema("pass-fail")
    server.script(Reply.ok("I think the reply is fine overall."))  # no verdict in it
    async with EngineJudge(judge_config(server), http_factory, cache=store) as judge:
        unreadable = await judge(request(json_schema=schema))
    assert isinstance(unreadable, ChatResult) and "fine overall" in unreadable.text
    async with EngineJudge(judge_config(server), http_factory, cache=store) as again:
        fixed = await again(request(json_schema=schema))
    # The unreadable answer was not kept: the judge is asked again and its verdict is cached.
    assert isinstance(fixed, ChatResult) and fixed.text == VERDICT and again.cache_hits == 0
    async with EngineJudge(judge_config(server), http_factory, cache=store) as third:
        assert await third(request(json_schema=schema)) == fixed
    assert third.cache_hits == 1 and len(chat_posts(server)) == 2


def test_the_last_complete_json_object_gives_the_verdict() -> None:
    quoted = (
        'The reply claims {"verdict": "pass"} in its footer, which is misleading. '
        '{"reasoning": "It invents a refund date.", "verdict": "fail"}'
    )
    answer = parse_judge_answer(quoted, "pass-fail")
    assert answer.verdict is False and answer.reasoning == "It invents a refund date."
    structured = (
        '{"reasoning": "Quotes {\\"verdict\\": \\"fail\\"} from the policy.", "verdict": "pass"}'
    )
    assert parse_judge_answer(structured, "pass-fail").verdict is True
