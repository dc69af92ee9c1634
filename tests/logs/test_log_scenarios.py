"""Logged conversations → a conversation set that runs in a simulation, with no raw PII in it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conversations.conftest import ConvWorkspace, make_engine
from workbench.app.log_scenarios import LogSelection, conversations_to_scenarios, replay_exchanges
from workbench.app.logs import analyse_log, import_log, list_conversations, show_conversation
from workbench.core.conversations import ConversationSetContent, StopReason
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.logs import LogMessage
from workbench.core.models import Kind
from workbench.interop.conversations import write_conversations_jsonl
from workbench.privacy.redactor import Redactor
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, conversation_responder
from workbench.testing.shop_logs import SENTINELS, write_jsonl

MakeRedactor = Callable[..., Redactor]


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=conversation_responder) as srv:
        yield srv


@pytest.fixture
def shop(tmp_path: Path, store: Store, ner_redactor_factory: MakeRedactor) -> Store:
    path = tmp_path / "raw.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, 90, seed=5, sentinel_every=4)
    import_log(store, path, family="shop", redactor=ner_redactor_factory())
    analyse_log(store, "shop", period="week")
    return store


def _set(store: Store, name: str) -> ConversationSetContent:
    return store.resolve(Kind.CONVERSATIONS, name).content_as(ConversationSetContent)


def _m(i: int, role: str, text: str, **extra: object) -> LogMessage:
    return LogMessage(id=i, conversation="c", role=role, text=text, **extra)  # type: ignore[arg-type]


def test_exchanges_join_customer_messages_and_take_references_from_the_log() -> None:
    exchanges = replay_exchanges(
        [
            _m(1, "assistant", "Bonjour, que puis-je faire ?"),  # before the customer: dropped
            _m(2, "user", "Bonjour"),
            _m(3, "user", "Où est ma commande ML-104522 ?"),
            _m(4, "assistant", "Elle est partie hier par Colissimo."),
            _m(5, "user", "Et le paiement en 4 fois ?"),
            _m(6, "assistant", "Je suis désolé, je n'ai pas compris votre demande."),
            _m(7, "user", "Je veux un humain"),
            _m(8, "assistant", "Je vous transfère à un conseiller."),
            _m(9, "agent", "Bonjour <PERSON_1>, je regarde votre dossier."),
            _m(10, "user", "Merci"),
        ]
    )
    assert [(e.customer, e.reference) for e in exchanges] == [
        ("Bonjour\nOù est ma commande ML-104522 ?", "Elle est partie hier par Colissimo."),
        ("Et le paiement en 4 fois ?", ""),  # a fallback is no reference: left to fill
        ("Je veux un humain", "Bonjour <PERSON_1>, je regarde votre dossier."),  # the agent's
    ]  # the unanswered closing "Merci" tests nothing: dropped
    assert replay_exchanges([_m(1, "assistant", "Bonjour")]) == []


def test_worst_gap_replays_and_runs_against_the_fake_server(
    shop: Store, server: FakeLLMServer, tmp_path: Path
) -> None:
    made = conversations_to_scenarios(
        shop, "shop", LogSelection(gap=1), name="gap-replays", author="tester"
    )
    assert made.created and made.cases > 0 and made.shape == "script"
    content = _set(shop, "gap-replays")
    assert len(content.cases) == made.cases and made.blanks > 0
    worst = shop.latest_log_analysis("shop")[2]["gaps"][0]  # type: ignore[index]
    for case in content.cases:
        assert case.kind == "scripted" and "from-log" in case.tags
        assert f"cluster-{worst}" in case.tags
        conversation = case.vars["source_conversation"]
        assert case.vars["source_log"].startswith("shop@")
        _, messages, _ = show_conversation(shop, "shop", conversation)
        stored = [m.text for m in messages if m.role == "user"]
        # Every customer turn replays the stored (anonymised) text, in order (a closing
        # thanks at the end may be left out).
        replayed = "\n".join(case.user_turns())
        assert replayed == "\n".join(stored) or replayed == "\n".join(stored[:-1])
        assert case.max_turns == len(case.user_turns())
    # The same selection again makes no new version.
    again = conversations_to_scenarios(shop, "shop", LogSelection(gap=1), name="gap-replays")
    assert not again.created and again.version.id == made.version.id

    # Round trip: the set runs as a simulation; the assistant sees the replayed turns.
    cws = ConvWorkspace(shop, server.openai_base_url)
    spec = cws.spec([cws.prompt()], [cws.model()], made.version)
    engine = make_engine(shop)
    run_id = engine.create(spec, "replay")
    summary = asyncio.run(engine.execute(run_id))
    assert summary.status == "finished"
    results = shop.conversations(run_id)
    assert len(results) == made.cases
    for result in results:
        case = content.case(result.key.case_id)
        assert result.stop_reason is StopReason.SCRIPT_END
        customer = [m.content for m in result.messages if m.role == "customer"]
        assert customer == case.user_turns()
        assert all(m.content for m in result.messages if m.role == "assistant")

    # No raw PII anywhere: the set, its export, the store, what the fake server received.
    out = tmp_path / "export.conversations.jsonl"
    out.write_text(write_conversations_jsonl(content), encoding="utf-8")
    written = out.read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.rglob("*.sqlite*") if p.is_file()
    )
    written += "\n".join(str(r.body) for r in server.requests).encode("utf-8")
    surname = SENTINELS["name"].split()[-1]
    for value in [*SENTINELS.values(), surname, SENTINELS["phone"].replace(" ", "")]:
        assert value.upper().encode("utf-8") not in written.upper(), value
    assert b"<PERSON_" in written or b"<EMAIL_" in written  # the placeholders are there


def test_scenarios_open_with_the_customer_and_draw_the_outcome_from_the_log(
    shop: Store, server: FakeLLMServer
) -> None:
    chosen = [s for s in list_conversations(shop, "shop", limit=40)][:12]
    made = conversations_to_scenarios(
        shop,
        "shop",
        LogSelection(conversations=tuple(s.conversation for s in chosen)),
        name="replays",
        shape="scenario",
    )
    content = _set(shop, "replays")
    assert made.cases == len(chosen) == len(content.cases)
    for summary, case in zip(chosen, content.cases, strict=True):
        assert case.scenario is not None
        assert case.vars["source_conversation"] == summary.conversation
        _, messages, _ = show_conversation(shop, "shop", summary.conversation)
        first = next(m.text for m in messages if m.role == "user")
        assert case.scenario.opening is not None and case.scenario.opening.startswith(first)
        assert first in case.scenario.goal
        assert case.scenario.expected.facts == ()  # for the user to fill
        resolved = not summary.unanswered and not summary.handoff and (summary.rating or 5) >= 3
        assert case.scenario.expected.handoff is (False if resolved else None)
        assert ("unanswered" in case.tags) == bool(summary.unanswered)
        assert ("handoff" in case.tags) == summary.handoff
    assert made.blanks == sum(c.scenario.expected.handoff is None for c in content.cases)  # type: ignore[union-attr]

    cws = ConvWorkspace(shop, server.openai_base_url)
    spec = cws.spec(
        [cws.prompt()],
        [cws.model()],
        made.version,
        customers=[cws.customer()],
        simulator=cws.model("sim"),
        max_turns=2,
    )
    engine = make_engine(shop)
    run_id = engine.create(spec, "simulated")
    assert asyncio.run(engine.execute(run_id)).status == "finished"
    for result in shop.conversations(run_id):
        case = content.case(result.key.case_id)
        assert result.messages[0].content == case.scenario.opening  # type: ignore[union-attr]
        assert result.messages[0].scripted


def test_search_and_unanswered_only_and_limit(shop: Store) -> None:
    found = conversations_to_scenarios(
        shop, "shop", LogSelection(search="commande", unanswered_only=True), name="s", limit=3
    )
    content = _set(shop, "s")
    assert found.cases == len(content.cases) <= 3
    assert all("unanswered" in c.tags for c in content.cases)
    matching = {s.conversation for s in list_conversations(shop, "shop", search="commande")}
    assert {c.vars["source_conversation"] for c in content.cases} <= matching


def test_bad_selections_are_clear_errors_and_save_nothing(shop: Store, store: Store) -> None:
    with pytest.raises(ValidationError, match="choose one of"):
        conversations_to_scenarios(shop, "shop", LogSelection(), name="x")
    with pytest.raises(ValidationError, match="choose one of"):
        conversations_to_scenarios(shop, "shop", LogSelection(cluster=0, gap=1), name="x")
    with pytest.raises(NotFoundError, match="gap 99 does not exist"):
        conversations_to_scenarios(shop, "shop", LogSelection(gap=99), name="x")
    with pytest.raises(NotFoundError, match="no cluster 999"):
        conversations_to_scenarios(shop, "shop", LogSelection(cluster=999), name="x")
    known = list_conversations(shop, "shop", limit=1)[0].conversation
    with pytest.raises(NotFoundError, match="no conversation 'nope'"):
        conversations_to_scenarios(
            shop, "shop", LogSelection(conversations=(known, "nope")), name="x"
        )
    with pytest.raises(ValidationError, match="shape must be"):
        conversations_to_scenarios(
            shop, "shop", LogSelection(conversations=(known,)), name="x", shape="yaml"
        )
    with pytest.raises(ValidationError, match="no conversation matches"):
        conversations_to_scenarios(shop, "shop", LogSelection(search="zzzqqq"), name="x")
    with pytest.raises(NotFoundError, match="no conversation log named 'other'"):
        conversations_to_scenarios(shop, "other", LogSelection(gap=1), name="x")
    assert shop.list_families(Kind.CONVERSATIONS) == []


def test_a_cluster_needs_an_analysis(
    tmp_path: Path, store: Store, ner_redactor_factory: MakeRedactor
) -> None:
    path = tmp_path / "raw.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, 5, seed=2)
    import_log(store, path, family="fresh", redactor=ner_redactor_factory())
    with pytest.raises(NotFoundError, match="has not been analysed yet"):
        conversations_to_scenarios(store, "fresh", LogSelection(cluster=0), name="x")
