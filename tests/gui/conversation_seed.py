"""Conversations for GUI tests: scenarios, a script, customers, and a fake server that drifts.

The fake server plays both sides. As the simulated customer (its system prompt is a customer
brief) it is the project's scripted simulator (`conversation_responder`): it writes from its
goal and leaves with the end marker after three answers. As the assistant it always answers
in *vous*, except under the prompt ``order-tracking@v2`` where its second answer slips to *tu* —
so a simulation of v1 against v2 has a register drift to find, on a known turn.
"""

from __future__ import annotations

from typing import Any

from workbench.app import conversations as app_conversations
from workbench.app.conversations import (
    ConversationCase,
    ConversationSetContent,
    CustomerContent,
    ExpectedOutcome,
    Scenario,
    ScriptTurn,
    WritingStyle,
)
from workbench.store import Store
from workbench.testing.fake_llm import conversation_responder, system_text

DRIFTING_PROMPT_MARK = "Si le numéro de commande manque"  # only in order-tracking v2

SCENARIOS = ConversationSetContent(
    description="Maison Lumière support scenarios for GUI tests",
    cases=(
        ConversationCase(
            id="refund",
            vars={},
            scenario=Scenario(
                goal="Obtenir le remboursement d'une lampe arrivée cassée.",
                knows={"numéro de commande": "ML-104522"},
                expected=ExpectedOutcome(facts=("remboursement validé",)),
            ),
            max_turns=4,
            tags=("fr",),
        ),
        ConversationCase(
            id="late-parcel",
            scenario=Scenario(
                goal="Savoir quand le colis arrivera.",
                knows={"numéro de commande": "ML-204518"},
                expected=ExpectedOutcome(facts=("Colissimo",)),
            ),
            max_turns=4,
            tags=("fr", "tracking"),
        ),
        ConversationCase(
            id="script-hello",
            turns=(
                ScriptTurn(role="user", content="Bonjour, ma commande est en retard."),
                ScriptTurn(role="assistant", content="Bonjour, je regarde tout de suite."),
                ScriptTurn(role="user", content="Merci, c'est la ML-204518."),
            ),
            tags=("script",),
        ),
    ),
)
PRESSED = CustomerContent(
    display_name="Nadia",
    background="Pressée, elle commande sur son téléphone entre deux trains.",
    mood="pressed",
    patience=2,
    writing=WritingStyle(typo_rate=0.1, accents=False, length="short"),
    expects_address="vous",
    put_off_by_tu=True,
)
TEENAGER = CustomerContent(
    display_name="Lou",
    mood="cheerful",
    writing=WritingStyle(sms_speak=True, capitals="lower", length="short"),
    expects_address="tu",
)


def seed_conversations(store: Store) -> None:
    """The scenarios and two customers, saved through the application layer."""
    app_conversations.save_conversation_set(store, "support-scenarios", SCENARIOS, author="test")
    app_conversations.save_customer(store, "pressed-commuter", PRESSED, author="test")
    app_conversations.save_customer(store, "teenager-sms", TEENAGER, author="test")


VOUS_ANSWERS = (
    "Bonjour, je vous remercie pour votre message, je regarde votre dossier.",
    "Je vois votre commande ML-104522 : pouvez-vous me décrire le problème ?",
    "Merci pour ces précisions, je transmets votre demande au service concerné.",
    "Vous recevrez une réponse par e-mail sous 48 heures.",
)


def drifting_responder(body: dict[str, Any]) -> str:
    """The simulator as scripted; the assistant in vous, slipping to tu on v2's second answer."""
    system = system_text(body)
    if "Tu joues le rôle d'un client" in system or "role-playing a customer" in system:
        return conversation_responder(body)
    answered = sum(1 for m in body.get("messages") or [] if m.get("role") == "assistant")
    if DRIFTING_PROMPT_MARK in system and answered == 1:
        return "Ah d'accord, tu peux suivre ton colis en ligne, c'est en route."
    if "Savoir quand" in str(body.get("messages")):
        return f"Bonjour, votre colis est chez Colissimo et arrive demain (réponse {answered + 1})."
    return VOUS_ANSWERS[min(answered, len(VOUS_ANSWERS) - 1)]
