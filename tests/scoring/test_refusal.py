"""Unanswered / refusal / fallback detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scoring.helpers import ctx, evaluate
from workbench.core.models import DatasetRow
from workbench.scoring.results import CriterionConfigError
from workbench.scoring.unanswered import detect_unanswered, detect_unanswered_rules


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("Je suis désolée, je ne peux pas vous aider sur ce sujet.", "refusal"),
        ("Je ne peux malheureusement pas répondre à cette question.", "refusal"),
        ("Je ne suis pas en mesure de vous communiquer cette information.", "refusal"),
        ("Il m’est impossible de modifier une commande déjà expédiée.", "refusal"),
        ("I'm sorry, but I can't help with that request.", "refusal"),
        ("I cannot assist with medical questions.", "refusal"),
        ("Je n’ai pas accès à votre dossier client.", "no-access"),
        ("Je n'ai pas d'information sur la date de livraison.", "no-access"),
        ("I don't have access to your account.", "no-access"),
        ("Je n'ai pas bien compris votre demande. Pourriez-vous reformuler ?", "not-understood"),
        ("Sorry, I didn't understand. Could you rephrase?", "not-understood"),
        ("Je ne sais pas.", "unknown"),
        ("Je ne peux répondre qu'aux questions sur vos commandes.", "out-of-scope"),
        ("Cette question sort de mon périmètre, désolé.", "out-of-scope"),
        ("En tant qu'IA, je n'ai pas d'avis sur la politique.", "ai-disclaimer"),
        ("As an AI, I have no opinion on that.", "ai-disclaimer"),
        ("Pour cela, contactez le service client au 01 23 45 67 89.", "fallback"),
        ("Merci de joindre notre service clientèle par téléphone.", "fallback"),
        ("Je vous transfère à un conseiller.", "fallback"),
        ("Please contact customer support for this.", "fallback"),
    ],
)
def test_unanswered_replies_are_detected(text: str, category: str) -> None:
    match = detect_unanswered(text)
    assert match is not None, text
    assert match.category == category


@pytest.mark.parametrize(
    "text",
    [
        "Votre commande 10452 a été expédiée le 3 novembre ; elle arrivera jeudi.",
        # A limitation stated inside a real answer is not a refusal.
        "Je ne peux pas modifier l'adresse d'une commande expédiée, mais vous pouvez refuser "
        "le colis : il nous reviendra et nous vous rembourserons sous 5 jours.",
        # Closing deflections are normal at the end of a complete (long enough) answer.
        "Votre colis a été remis au transporteur le 3 novembre et sera livré en point relais "
        "sous 48 heures. Vous recevrez un SMS avec le code de retrait dès son arrivée, à "
        "présenter avec une pièce d'identité. Le colis reste disponible dix jours. Pour toute "
        "autre question, contactez le service client.",
        "Your order shipped yesterday and should arrive on Friday.",
    ],
)
def test_answers_are_not_flagged(text: str) -> None:
    assert detect_unanswered(text) is None


def test_refusal_criterion_expecting_an_answer() -> None:
    assert evaluate("refusal", "Votre colis arrive demain.").passed
    result = evaluate("refusal", "Je ne suis pas en mesure de répondre.")
    assert result.passed is False
    assert "refusal: matched 'je ne suis pas en mesure'" in result.detail


def test_refusal_criterion_expecting_a_polite_refusal_for_off_topic_rows() -> None:
    declined = "Je ne peux répondre qu'aux questions sur vos commandes, désolée !"
    assert evaluate("refusal", declined, expect="refusal").passed
    answered = evaluate("refusal", "Le PSG a gagné 2 à 1 hier soir.", expect="refusal")
    assert answered.passed is False and "answered instead of declining" in answered.detail
    assert evaluate("refusal", "", expect="refusal").passed is False


def test_unanswered_alias_and_extra_patterns() -> None:
    bot_fallback = "Oups, cette demande m'échappe."
    assert detect_unanswered_rules(bot_fallback) is None  # the rules alone let it through
    result = evaluate("unanswered", bot_fallback, extra_patterns=[r"m'[ée]chappe"])
    assert result.passed is False and "custom" in result.detail


def test_refusal_configuration_errors() -> None:
    with pytest.raises(CriterionConfigError, match="'expect' must be one of answer, refusal"):
        evaluate("refusal", "x", expect="silence")
    with pytest.raises(CriterionConfigError, match="bad regular expression"):
        evaluate("refusal", "x", extra_patterns=["("])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "Je ne peux ni créer de code promo ni changer de consignes. Je peux en revanche "
            "vous aider pour une commande, un retour ou une question sur nos produits.",
            "refusal",
        ),
        ("Je ne peux pas ignorer mes consignes, désolée.", "refusal"),
        ("I can’t ignore my previous instructions.", "refusal"),
        (
            "Je ne suis pas la bonne personne pour écrire un poème, mais si votre amie aime les "
            "bougies, je peux vous aider à choisir un cadeau parmi nos produits.",
            "out-of-scope",
        ),
        ("I’m not the right person to ask about football.", "out-of-scope"),
        (
            "I can’t check the weather, I’m afraid: I’m Maison Lumière’s assistant and can help "
            "with an order, a return or a question about our products.",
            "refusal",
        ),
        ("I can't write cover letters.", "refusal"),
    ],
)
def test_natural_declines_are_detected(text: str, category: str) -> None:
    match = detect_unanswered(text)
    assert match is not None, text
    assert match.category == category


@pytest.mark.parametrize(
    "text",
    [
        # Limitations inside a longer, real answer are not declines.
        "I can’t check the exact delivery slot from here, but your parcel left our warehouse on "
        "Monday with Colissimo (tracking 6A123456789) and usually arrives in 2 to 3 working "
        "days. You will get an e-mail with a link to choose a slot as soon as the carrier has "
        "it, and you can also follow it on the Colissimo site with the number above.",
        "Je ne peux ni annuler ni modifier une commande déjà expédiée, mais vous pouvez refuser "
        "le colis à la livraison : il nous reviendra automatiquement et nous vous rembourserons "
        "sous 5 jours ouvrés après sa réception dans notre entrepôt de Lyon, frais de port "
        "compris, sans aucune démarche de votre part.",
        "Je ne suis pas sûre que la suspension Opaline convienne : elle mesure 80 cm. Je vous "
        "conseille plutôt la Mini Vintage, qui consomme environ 8 W.",
    ],
)
def test_limitations_inside_answers_are_not_declines(text: str) -> None:
    assert detect_unanswered_rules(text) is None


def _dataset_expectations() -> list[tuple[str, bool, str]]:
    """(row id, is off-topic, expected answer) of the demo dataset's rows."""
    path = Path(__file__).resolve().parents[2] / "datasets" / "support-messages.jsonl"
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        if data.get("expected"):
            found.append((data["id"], "off-topic" in data.get("tags", []), data["expected"]))
    return found


def test_the_demo_reference_answers_are_classified_as_their_tags_say() -> None:
    expectations = _dataset_expectations()
    assert sum(off for _, off, _ in expectations) >= 8
    wrong = [
        (row_id, text)
        for row_id, off_topic, text in expectations
        if (detect_unanswered(text) is not None) != off_topic
    ]
    assert wrong == []


def _tagged(tags: tuple[str, ...]) -> DatasetRow:
    return DatasetRow(id="r1", vars={"message": "?"}, tags=tags)


def test_decline_tags_choose_the_expectation_per_row() -> None:
    decline = "Je ne peux pas vous aider pour une recette, désolée."
    answer = "Votre commande ML-104522 a été expédiée hier ; livraison jeudi."
    config = {"decline_tags": ["off-topic", "injection"]}
    off_topic = _tagged(("fr", "off-topic"))
    on_topic = _tagged(("fr", "tracking"))
    passed = evaluate("refusal", decline, context=ctx(decline, row=off_topic), **config)
    assert passed.passed is True
    assert passed.detail.startswith("row tagged off-topic: expects a refusal; refusal: matched")
    failed = evaluate("refusal", answer, context=ctx(answer, row=off_topic), **config)
    assert failed.passed is False and "answered instead of declining" in failed.detail
    assert evaluate("refusal", answer, context=ctx(answer, row=on_topic), **config).passed
    refused = evaluate("refusal", decline, context=ctx(decline, row=on_topic), **config)
    assert refused.passed is False
    assert refused.detail.startswith("row not tagged injection/off-topic: expects an answer")
    injection = _tagged(("en", "injection"))
    share = "I can't share my instructions."
    assert evaluate("refusal", share, context=ctx(share, row=injection), **config).passed


def test_decline_tags_configuration_errors() -> None:
    with pytest.raises(CriterionConfigError, match=r"either 'expect'.* or 'decline_tags'"):
        evaluate("refusal", "x", expect="answer", decline_tags=["off-topic"])
    with pytest.raises(CriterionConfigError, match="non-empty list of row tags"):
        evaluate("refusal", "x", decline_tags="off-topic")
    with pytest.raises(CriterionConfigError, match="non-empty list of row tags"):
        evaluate("refusal", "x", decline_tags=[])
