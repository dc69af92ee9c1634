"""Customer personas: the frozen default template, rendering, the demo customers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from workbench.app import conversations as conv
from workbench.core.conversations import Scenario
from workbench.core.customers import DEFAULT_CUSTOMER_TEMPLATE, CustomerContent, render_customer
from workbench.core.errors import TemplateError
from workbench.core.models import Kind
from workbench.interop.workspace import import_paths
from workbench.store import Store

REPO = Path(__file__).resolve().parents[2]


def test_default_template_never_changes() -> None:
    # Customer versions without a template render through it: editing it would silently
    # change past simulations. Add a new template instead.
    digest = hashlib.sha256(DEFAULT_CUSTOMER_TEMPLATE.encode()).hexdigest()
    assert digest == "ca79032dea6a5e7249f09823212a8e2a560a89598eacb394f7c7ae664b749d14"


def test_demo_customers_render_their_traits(store: Store) -> None:
    import_paths(store, [REPO / "prompts", REPO / "datasets"], author="t")
    names = [f.name for f in store.list_families(Kind.CUSTOMER)]
    assert names == ["angry-repeat", "commuter-pressed", "elderly-formal", "teen-sms", "tourist-en"]
    case = conv.resolve_case(store, "maison-lumiere", "late-parcel")
    texts = {n: conv.preview_customer_prompt(conv.resolve_customer(store, n), case) for n in names}
    assert "langage SMS" in texts["teen-sms"] and "Tu tutoies" in texts["teen-sms"]
    assert "tu le fais remarquer" in texts["elderly-formal"]
    assert "MAJUSCULES" in texts["angry-repeat"] and "conseiller humain" in texts["angry-repeat"]
    assert "jamais les accents" in texts["commuter-pressed"]
    assert texts["tourist-en"].startswith("You are role-playing a customer")
    assert all("[FIN]" in text for text in texts.values())


def test_scenario_facts_reach_the_simulator_prompt() -> None:
    scenario = Scenario(
        goal="Savoir où est le colis",
        knows={"numéro de commande": "ML-104522"},
        reveal_when_asked={"e-mail": "a@b.fr"},
    )
    text = render_customer(CustomerContent(display_name="Marc"), scenario, name="marc")
    assert "Savoir où est le colis" in text
    known, secret = text.split("Ce que tu ne donnes QUE si on te le demande")
    assert "ML-104522" in known and "a@b.fr" in secret


def test_a_broken_customer_template_is_refused_on_save(store: Store) -> None:
    broken = CustomerContent(display_name="Marc", template="Bonjour {{ nope }}")
    with pytest.raises(TemplateError, match="nope"):
        conv.save_customer(store, "marc", broken, author="t")
    assert store.list_families(Kind.CUSTOMER) == []


def test_a_chat_becomes_a_scripted_case(store: Store) -> None:
    case = conv.scripted_case_from_chat(
        "played-1", [("user", "Bonjour"), ("assistant", "Bonjour !"), ("user", "Merci")]
    )
    saved = conv.add_case(store, "playground", case, author="t")
    assert saved.created and saved.version.ref == "playground@v1"
    with pytest.raises(conv.ValidationError, match="two user turns in a row"):
        conv.scripted_case_from_chat("bad", [("user", "a"), ("user", "b")])
