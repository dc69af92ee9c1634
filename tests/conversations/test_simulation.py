"""Simulations against the fake server (real openai-compatible client, real SQLite)."""

from __future__ import annotations

import asyncio

from tests.conversations.conftest import ConvWorkspace, make_engine, scenario, scripted
from workbench.core.conversations import (
    ConversationStatus,
    ExpectedOutcome,
    SimulationEvent,
    StopReason,
    TurnFinished,
)
from workbench.testing.fake_llm import FakeLLMServer, Reply


async def test_scenarios_run_concurrently_with_turns_in_order(cws: ConvWorkspace) -> None:
    cases = cws.cases(
        scenario("late"), scenario("refund", goal="Être remboursé [[sim:end-after=2]]")
    )
    spec = cws.spec(
        [cws.prompt("a"), cws.prompt("b", system="Tu es concis.")],
        [cws.model()],
        cases,
        customers=[cws.customer("pressed"), cws.customer("angry", mood="angry")],
        simulator=cws.model("sim"),
        concurrency=4,
    )
    engine = make_engine(cws.store)
    run_id = engine.create(spec, "first")
    events: list[SimulationEvent] = []
    summary = await engine.execute(run_id, sink=events.append)
    assert summary.status == "finished"
    results = cws.store.conversations(run_id)
    assert len(results) == 2 * 2 * 2 and summary.counts == {"finished": 8}
    for result in results:
        roles = [m.role for m in result.messages]
        # The customer ends after 3 (or 2) answers with the end marker: c a c a c a c.
        answers = 2 if result.key.case_id == "refund" else 3
        assert roles == ["customer", "assistant"] * answers + ["customer"]
        assert result.stop_reason is StopReason.CUSTOMER_END
        assert [m.index for m in result.messages] == list(range(len(roles)))
        assert result.messages[0].content.startswith("Client, message 1 : ")
        # The assistant answered the customer's latest message, with the whole history sent.
        assert result.messages[1].content == "Réponse à: " + result.messages[0].content[:40]
    # 8 conversations: (3 or 2) answers + (4 or 3) customer messages each, no call twice.
    assert summary.calls == 4 * (3 + 4) + 4 * (2 + 3)
    finished = [e for e in events if isinstance(e, TurnFinished)]
    assert len(finished) == sum(len(r.messages) for r in results)


async def test_cached_rerun_replays_byte_for_byte(
    cws: ConvWorkspace, server: FakeLLMServer
) -> None:
    spec = cws.spec(
        [cws.prompt()],
        [cws.model()],
        cws.cases(scenario("late")),
        customers=[cws.customer()],
        simulator=cws.model("sim"),
        seed=7,
    )
    engine = make_engine(cws.store)
    first = engine.create(spec, "first")
    await engine.execute(first)
    sent = len(server.requests)
    second = engine.create(spec, "again")
    summary = await engine.execute(second)
    assert summary.calls == 0 and summary.cache_hits > 0
    assert len(server.requests) == sent
    a = [m.content for r in cws.store.conversations(first) for m in r.messages]
    b = [m.content for r in cws.store.conversations(second) for m in r.messages]
    assert a == b
    assert all(
        m.cache_hit for r in cws.store.conversations(second) for m in r.messages if not m.scripted
    )
    # The simulator was asked with the run's seed.
    assert all(r.body.get("seed") == 7 for r in server.requests if r.body.get("model") == "sim")


async def test_simulator_faults_end_the_conversation_as_errors(cws: ConvWorkspace) -> None:
    cases = cws.cases(
        scenario("empty", goal="x [[sim:empty]]"),
        scenario("runaway", goal="x [[sim:runaway]]"),
        scenario("fine"),
    )
    spec = cws.spec(
        [cws.prompt()], [cws.model()], cases, customers=[cws.customer()], simulator=cws.model("sim")
    )
    engine = make_engine(cws.store)
    run_id = engine.create(spec, "faults")
    await engine.execute(run_id)
    by_case = {r.key.case_id: r for r in cws.store.conversations(run_id)}
    assert by_case["empty"].status is ConversationStatus.ERROR
    assert by_case["empty"].stop_reason is StopReason.SIMULATOR_ERROR
    assert "empty customer message at turn 1" in (by_case["empty"].error_message or "")
    assert by_case["runaway"].error_kind == "simulator_runaway"
    assert by_case["empty"].messages == () and by_case["runaway"].messages == ()
    assert by_case["fine"].status is ConversationStatus.FINISHED


async def test_scripted_case_replays_user_turns_with_the_real_history(
    cws: ConvWorkspace, server: FakeLLMServer
) -> None:
    case = scripted(
        "s1", "Bonjour", "Bonjour, que puis-je faire ?", "Où est ma commande ?", "Elle arrive."
    )
    spec = cws.spec([cws.prompt()], [cws.model()], cws.cases(case))
    engine = make_engine(cws.store)
    run_id = engine.create(spec, "scripted")
    await engine.execute(run_id)
    (result,) = cws.store.conversations(run_id)
    assert [m.content for m in result.messages] == [
        "Bonjour",
        "Réponse à: Bonjour",
        "Où est ma commande ?",
        "Réponse à: Où est ma commande ?",
    ]
    assert result.stop_reason is StopReason.SCRIPT_END
    last = server.requests[-1].body["messages"]
    # The real answer, not the reference, is in the history of the second call.
    assert [m["content"] for m in last[1:]] == [
        "Bonjour",
        "Réponse à: Bonjour",
        "Où est ma commande ?",
    ]


async def test_outcome_handoff_and_turn_limit_stop_rules(cws: ConvWorkspace) -> None:
    cases = cws.cases(
        scenario(
            "facts", opening="Ma commande ML-1 ?", expected=ExpectedOutcome(facts=("ma commande",))
        ),
        scenario("limit", goal="Parler [[sim:end-after=9]]"),
        scenario("handoff", opening="Je veux un humain [HUMAIN]"),
    )
    spec = cws.spec(
        [cws.prompt()],
        [cws.model()],
        cases,
        customers=[cws.customer()],
        simulator=cws.model("sim"),
        max_turns=2,
    )
    engine = make_engine(cws.store)
    run_id = engine.create(spec, "stops")
    await engine.execute(run_id)
    by_case = {r.key.case_id: r for r in cws.store.conversations(run_id)}
    assert (
        by_case["facts"].stop_reason is StopReason.OUTCOME_REACHED and by_case["facts"].turns == 1
    )
    assert by_case["limit"].stop_reason is StopReason.TURN_LIMIT and by_case["limit"].turns == 2
    # The echoing assistant repeats the marker: a hand-off.
    assert by_case["handoff"].stop_reason is StopReason.HANDOFF


async def test_cancel_keeps_finished_turns_and_resume_never_recalls_them(
    cws: ConvWorkspace, server: FakeLLMServer
) -> None:
    cases = cws.cases(*(scenario(f"c{i}") for i in range(6)))
    spec = cws.spec(
        [cws.prompt()],
        [cws.model()],
        cases,
        customers=[cws.customer()],
        simulator=cws.model("sim"),
        concurrency=2,
        use_cache=False,
    )
    engine = make_engine(cws.store)
    run_id = engine.create(spec, "cancel")
    cancel = asyncio.Event()
    written = 0

    def sink(event: SimulationEvent) -> None:
        nonlocal written
        if isinstance(event, TurnFinished):
            written += 1
            if written == 10:
                cancel.set()

    summary = await engine.execute(run_id, cancel_event=cancel, sink=sink)
    assert summary.status == "cancelled"
    kept = sum(len(r.messages) for r in cws.store.conversations(run_id))
    assert kept >= 10
    resumed = await engine.execute(run_id)
    assert resumed.status == "finished"
    results = cws.store.conversations(run_id)
    assert all(r.status is ConversationStatus.FINISHED for r in results)
    total = sum(len(r.messages) for r in results)
    # Every message not stored before the resume was called exactly once after it (the
    # engine's own count: the server may still log calls cancelled before the resume).
    assert resumed.calls == total - kept and resumed.cache_hits == 0
    for r in results:
        assert [m.role for m in r.messages] == ["customer", "assistant"] * 3 + ["customer"]


async def test_assistant_infrastructure_error_is_an_error_not_a_fail(
    cws: ConvWorkspace, server: FakeLLMServer
) -> None:
    spec = cws.spec([cws.prompt()], [cws.model()], cws.cases(scripted("s", "Bonjour")))
    engine = make_engine(cws.store)
    run_id = engine.create(spec, "errors")
    server.script(Reply.error(400, "bad request"))
    await engine.execute(run_id)
    (result,) = cws.store.conversations(run_id)
    assert result.status is ConversationStatus.ERROR
    assert result.stop_reason is StopReason.ASSISTANT_ERROR
    # Retry the errored conversation: it continues after the stored customer message.
    before = len(server.requests)
    await engine.execute(run_id, mode="errors")
    (result,) = cws.store.conversations(run_id)
    assert result.status is ConversationStatus.FINISHED
    assert len(server.requests) - before == 1


async def test_budget_stops_conversations_without_failing_them(cws: ConvWorkspace) -> None:
    from tests.conversations.conftest import fast_options
    from workbench.engine.simulation import SimulationEngine
    from workbench.providers.registry import create_provider
    from workbench.providers.secrets import SecretStore

    spec = cws.spec(
        [cws.prompt()],
        [cws.model()],
        cws.cases(*(scenario(f"c{i}") for i in range(4))),
        customers=[cws.customer()],
        simulator=cws.model("sim"),
        concurrency=1,
        budget_usd=0.05,
    )
    secrets = SecretStore()
    engine = SimulationEngine(
        cws.store,
        lambda config: create_provider(config, secrets=secrets),
        options=fast_options(),
        price=lambda config, i, o: 0.01,
    )
    run_id = engine.create(spec, "budget")
    summary = await engine.execute(run_id)
    assert summary.status == "budget_stopped" and summary.message
    assert summary.calls <= 5 and summary.cost_usd <= 0.05 + 1e-9
    results = cws.store.conversations(run_id)
    stopped = [r for r in results if r.stop_reason is StopReason.BUDGET]
    assert stopped and all(r.status is ConversationStatus.CANCELLED for r in stopped)
    assert not any(r.status is ConversationStatus.ERROR for r in results)


async def test_a_scenario_runs_only_with_the_customers_it_names(cws: ConvWorkspace) -> None:
    from workbench.core.conversations import ConversationCase, Scenario

    named = ConversationCase(
        id="en", scenario=Scenario(goal="Where is it?"), customers=("tourist",)
    )
    spec = cws.spec(
        [cws.prompt()],
        [cws.model()],
        cws.cases(named, scenario("any")),
        customers=[cws.customer("pressed"), cws.customer("tourist", language="en")],
        simulator=cws.model("sim"),
    )
    plan = make_engine(cws.store).plan(spec)
    assert sorted((k.case_id, k.customer) for k in plan.keys) == [
        ("any", 0),
        ("any", 1),
        ("en", 1),
    ]
