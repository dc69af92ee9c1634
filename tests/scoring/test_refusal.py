"""Unanswered / refusal / fallback detection."""

from __future__ import annotations

import pytest

from tests.scoring.helpers import evaluate
from workbench.scoring.criteria.refusal import detect_unanswered
from workbench.scoring.results import CriterionConfigError


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
    assert evaluate("unanswered", bot_fallback).passed
    result = evaluate("unanswered", bot_fallback, extra_patterns=[r"m'[ée]chappe"])
    assert result.passed is False and "custom" in result.detail


def test_refusal_configuration_errors() -> None:
    with pytest.raises(CriterionConfigError, match="'expect' must be one of answer, refusal"):
        evaluate("refusal", "x", expect="silence")
    with pytest.raises(CriterionConfigError, match="bad regular expression"):
        evaluate("refusal", "x", extra_patterns=["("])
