"""A small realistic workspace written through the real store, for GUI tests."""

from __future__ import annotations

from workbench.core.models import (
    DatasetContent,
    DatasetRow,
    ExampleReply,
    Kind,
    PersonaContent,
    PromptContent,
    ToneTraits,
)
from workbench.store import Store

ORDER_V1 = PromptContent(
    system="{{ persona }}\n\nTu réponds aux questions de suivi de commande.\n",
    user="Message du client : {{ message }}\n",
    variables={"message": "The customer's message, as written."},
    params={"temperature": 0.3},
)
ORDER_V2 = PromptContent(
    system=(
        "{{ persona }}\n\nTu réponds aux questions de suivi de commande.\n"
        "Si le numéro de commande manque, demande-le au lieu d'en inventer un.\n"
    ),
    user="Message du client : {{ message }}\n",
    variables={"message": "The customer's message, as written."},
    params={"temperature": 0.3},
)
CAMILLE = PersonaContent(
    display_name="Camille",
    role="conseillère du service client de Maison Lumière",
    languages=("fr", "en"),
    formality=4,
    register="institutional",
    address_form="vous",
    tone=ToneTraits(warmth=4, concision=3),
    prefer=("je vous remercie",),
    avoid=("malheureusement",),
    sign_off="Bien cordialement, Camille",
    examples=(
        ExampleReply(
            customer="Ma commande n'est pas arrivée",
            reply="Je comprends votre inquiétude. Quel est votre numéro de commande ?",
        ),
    ),
)
ROWS = (
    DatasetRow(
        id="fr-001",
        vars={"message": "Bonjour, où en est ma commande 4512 ? Merci"},
        facts=("demande le suivi",),
        tags=("fr", "tracking"),
    ),
    DatasetRow(
        id="fr-002",
        vars={"message": "ma comande est tjrs pas arrivée c'est inadmissible"},
        tags=("fr", "angry"),
    ),
    DatasetRow(id="en-001", vars={"message": "Where is my parcel?"}, tags=("en",)),
)


def seed_workspace(store: Store) -> None:
    """Two prompt versions, one persona, one dataset."""
    store.save_version(
        Kind.PROMPT, "order-tracking", ORDER_V1, author="camille", note="First draft."
    )
    store.save_version(
        Kind.PROMPT, "order-tracking", ORDER_V2, author="camille", note="Ask for the order number."
    )
    store.save_version(
        Kind.PERSONA, "camille", CAMILLE, author="camille", note="Institutional vous."
    )
    store.save_version(
        Kind.DATASET, "support-messages", DatasetContent(rows=ROWS), author="camille"
    )
