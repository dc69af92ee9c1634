"""Conversation files: canonical JSONL, BotiumScript and promptfoo imports, bad input refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.app.conversations import export_conversations, import_conversation_file
from workbench.core.errors import FileFormatError
from workbench.interop.conversations import (
    read_botium,
    read_conversations_jsonl,
    read_promptfoo_conversations,
    write_conversations_jsonl,
)
from workbench.interop.workspace import BatchImportError, import_paths
from workbench.store import Store

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "datasets" / "maison-lumiere.conversations.jsonl"


def test_demo_file_round_trips_byte_for_byte(store: Store, tmp_path: Path) -> None:
    import_paths(store, [REPO / "prompts"], author="t")  # the customers its cases name
    done = import_conversation_file(store, DEMO, author="t")
    assert done.version.family == "maison-lumiere" and done.cases == 6
    out = export_conversations(store, "maison-lumiere", tmp_path / "out.conversations.jsonl")
    assert out.read_bytes() == DEMO.read_bytes()
    kinds = {c.kind for c in read_conversations_jsonl(DEMO.read_text(), path="x").cases}
    assert kinds == {"scripted", "scenario"}


def test_canonical_writer_is_stable_for_hand_written_files(tmp_path: Path) -> None:
    text = (
        '{"scenario": {"goal": "Savoir"}, "id": "a", "max_turns": 6}\n\n'
        '{"id":"b","turns":[{"role":"user","content":"Salut"}]}\n'
    )
    content = read_conversations_jsonl(text, path="hand.jsonl")
    canonical = write_conversations_jsonl(content)
    assert canonical.splitlines()[0] == '{"id": "a", "scenario": {"goal": "Savoir"}}'
    again = read_conversations_jsonl(canonical, path="again.jsonl")
    assert write_conversations_jsonl(again) == canonical


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "a", "scenario": {"knows": {}}}', "missing 'scenario.goal'"),
        ('{"id": "a", "scenario": {"goal": "  "}}', "goal is blank"),
        (
            '{"id": "a", "turns": [{"role": "user", "content": "x"},'
            ' {"role": "user", "content": "y"}]}',
            "turn 2: two user turns in a row",
        ),
        (
            '{"id": "a", "turns": [{"role": "assistant", "content": "x"}]}',
            "starts with a user turn",
        ),
        ('{"id": "a", "scenario": {"goal": "g"}, "colour": 1}', "unknown key 'colour'"),
        ('{"id": "a"}', "needs 'turns'"),
        ('{"id": "a", "scenario": {"goal": "g"}, "max_turns": 0}', "max_turns"),
        ("[1, 2]", "must be a JSON object"),
        ('{"id": "a", ', "not valid JSON"),
    ],
)
def test_bad_lines_are_refused_with_file_line_and_reason(line: str, reason: str) -> None:
    text = '{"id": "ok", "scenario": {"goal": "g"}}\n' + line + "\n"
    with pytest.raises(FileFormatError) as caught:
        read_conversations_jsonl(text, path="cases.conversations.jsonl")
    assert caught.value.path == "cases.conversations.jsonl" and caught.value.line == 2
    assert reason in str(caught.value)


def test_duplicate_case_ids_name_both_lines() -> None:
    text = '{"id": "a", "scenario": {"goal": "g"}}\n{"id": "a", "scenario": {"goal": "h"}}\n'
    with pytest.raises(FileFormatError, match="already used on line 1") as caught:
        read_conversations_jsonl(text, path="x")
    assert caught.value.line == 2


def test_workspace_import_refuses_a_bad_conversation_file_and_imports_nothing(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / "good.conversations.jsonl").write_text('{"id": "a", "scenario": {"goal": "g"}}\n')
    (folder / "bad.conversations.jsonl").write_text('{"id": "a", "scenario": {}}\n')
    with pytest.raises(BatchImportError, match=r"bad.conversations.jsonl:1: .*goal"):
        import_paths(store, [folder], author="t")
    assert store.list_families() == []


BOTIUM = """\
Order status
A customer asks where the order is.

#begin
UPDATE_CUSTOM SET_SESSION|lang|fr

#bot
Bonjour ! Comment puis-je vous aider ?

#me
Où est ma commande ML-104522 ?

#bot
Votre commande est en route.
BUTTONS Suivre|Annuler

#me
UTT_THANKS

#me
Merci !
"""


def test_botium_convo_maps_turns_and_lists_what_it_cannot(tmp_path: Path) -> None:
    good = BOTIUM.replace("#me\nUTT_THANKS\n\n", "")
    parsed = read_botium(good, path="order.convo.txt")
    (case,) = parsed.content.cases
    assert case.id == "Order-status"
    assert [(t.role, t.content) for t in case.turns] == [
        ("user", "Où est ma commande ML-104522 ?"),
        ("assistant", "Votre commande est en route."),
        ("user", "Merci !"),
    ]
    assert any("#begin" in u for u in parsed.unmapped)
    assert any(u.startswith("BUTTONS") for u in parsed.unmapped)
    assert any("welcome" in u for u in parsed.unmapped)


def test_botium_two_me_sections_in_a_row_are_refused() -> None:
    text = "T\n\n#me\nBonjour\n\n#me\nAllô ?\n"
    with pytest.raises(FileFormatError, match="two #me sections in a row") as caught:
        read_botium(text, path="x.convo.txt")
    assert caught.value.line == 6


PROMPTFOO = """\
description: support
providers:
  - openai:gpt-4o-mini
defaultTest:
  provider:
    id: promptfoo:simulated-user
    config:
      maxTurns: 5
      temperature: 0.2
tests:
  - description: late order
    vars:
      instructions: You want to know where order ML-1 is.
      shop: Maison Lumière
    assert:
      - type: llm-rubric
        value: gives the tracking number
"""


def test_promptfoo_simulated_user_becomes_a_scenario() -> None:
    parsed = read_promptfoo_conversations(PROMPTFOO, path="promptfooconfig.yaml")
    (case,) = parsed.content.cases
    assert case.scenario is not None and case.scenario.goal.startswith("You want to know")
    assert (
        case.max_turns == 5 and case.vars == {"shop": "Maison Lumière"} and case.id == "late-order"
    )
    assert "tests[0].assert" in parsed.unmapped
    assert any("temperature" in u for u in parsed.unmapped)


def test_promptfoo_conversation_ids_become_scripted_cases() -> None:
    text = """\
tests:
  - vars: {question: "Who sells lamps?"}
    metadata: {conversationId: c1}
  - vars: {question: "And candles?"}
    metadata: {conversationId: c1}
  - vars: {question: single}
"""
    parsed = read_promptfoo_conversations(text, path="p.yaml")
    (case,) = parsed.content.cases
    assert case.user_turns() == ["Who sells lamps?", "And candles?"]
    assert any("single-turn" in u for u in parsed.unmapped)


def test_promptfoo_simulated_user_without_instructions_is_refused() -> None:
    text = PROMPTFOO.replace("      instructions: You want to know where order ML-1 is.\n", "")
    with pytest.raises(FileFormatError, match="instructions") as caught:
        read_promptfoo_conversations(text, path="p.yaml")
    assert caught.value.line == 11


def test_an_unknown_customer_persona_is_refused_with_its_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "set.conversations.jsonl"
    path.write_text(
        '{"id": "a", "scenario": {"goal": "g"}}\n'
        '{"id": "b", "scenario": {"goal": "g"}, "customers": ["nobody"]}\n'
    )
    with pytest.raises(FileFormatError, match="unknown customer persona nobody") as caught:
        import_conversation_file(store, path, author="t")
    assert caught.value.line == 2 and store.list_families() == []
    # In a workspace import, customers of the same batch count as known.
    folder = tmp_path / "ws"
    (folder / "datasets").mkdir(parents=True)
    (folder / "prompts" / "customers").mkdir(parents=True)
    (folder / "datasets" / "set.conversations.jsonl").write_text(path.read_text())
    (folder / "prompts" / "customers" / "nobody.yaml").write_text(
        "kind: customer\nname: nobody\ndisplay_name: Personne\n"
    )
    (folder / "prompts" / "p.yaml").write_text("kind: prompt\nname: p\nsystem: Aide.\n")
    report = import_paths(store, [folder], author="t")
    assert {item.name for item in report.items} == {"p", "nobody", "set"}
