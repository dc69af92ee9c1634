"""Language and relevance criteria, required (gate) criteria, address form with no marker."""

from __future__ import annotations

import pytest

from tests.scoring.helpers import ctx, evaluate, persona, row
from workbench.core.models import CriterionSpec, RubricContent
from workbench.scoring.results import CriterionConfigError
from workbench.scoring.rubric import score_output_sync, validate_rubric

FR_ROW = row(
    message="Bonjour, où en est ma commande ML-104522 passée lundi ?",
    order_status="Commande ML-104522 expédiée le 4 novembre par Colissimo.",
)
EN_ROW = row(message="Hello, where is my order ML-104522? It's been a week.")
ANSWER_FR = "Bonjour, votre commande ML-104522 a été expédiée le 4 novembre par Colissimo."
VOUS = persona(address_form="vous", languages=("fr",))


def test_language_passes_in_the_customers_language_and_fails_in_another() -> None:
    assert evaluate("language", ANSWER_FR, context=ctx(ANSWER_FR, row=FR_ROW)).passed
    spanish = "Hola, su pedido ML-104522 fue enviado el 4 de noviembre por Colissimo."
    result = evaluate("language", spanish, context=ctx(spanish, row=FR_ROW))
    assert result.passed is False and "reply in es" in result.detail


def test_language_accepts_the_persona_languages_and_the_message_language() -> None:
    english = "Hello, your order ML-104522 left on 4 November with Colissimo."
    # An English message answered in English passes a French persona: the customer reads it.
    assert evaluate("language", english, context=ctx(english, row=EN_ROW, persona=VOUS)).passed
    # Without a message language, the persona's languages decide.
    no_message = row(order_status="x")
    assert (
        evaluate("language", english, context=ctx(english, row=no_message, persona=VOUS)).passed
        is False
    )
    assert evaluate("language", english, context=ctx(english, row=no_message)).passed is None


def test_language_too_short_is_not_applicable_and_bad_codes_are_refused() -> None:
    assert evaluate("language", "Oui.", context=ctx("Oui.", row=FR_ROW)).passed is None
    with pytest.raises(CriterionConfigError, match="unknown language code 'xx'"):
        evaluate("language", ANSWER_FR, languages=["fr", "xx"])


def test_relevance_passes_an_answer_about_the_case() -> None:
    result = evaluate("relevance", ANSWER_FR, context=ctx(ANSWER_FR, row=FR_ROW))
    assert result.passed is True and "ml-104522" in result.detail


@pytest.mark.parametrize(
    "output",
    [
        ANSWER_FR[::-1],
        "montagne soleil rivière chanson éléphant nuage fromage violon planète crayon jardin.",
        "Bonjour, où en est ma commande ML-104522 passée lundi ?",  # the message echoed
        "!!! ??? ...",
    ],
)
def test_relevance_fails_nonsense(output: str) -> None:
    assert evaluate("relevance", output, context=ctx(output, row=FR_ROW)).passed is False


def test_relevance_accepts_a_decline_that_names_the_assistants_domain() -> None:
    weather = row(message="il va faire beau a lyon ce week end ?")
    decline = (
        "Je n'ai pas accès à la météo : je peux vous aider pour une commande, un retour ou une "
        "question sur nos produits."
    )
    bare = evaluate("relevance", decline, context=ctx(decline, row=weather))
    assert bare.passed is False
    domain = "Tu réponds aux clients de Maison Lumière sur leurs commandes, retours et produits."
    with_prompt = ctx(decline, row=weather, prompt_text=domain)
    assert evaluate("relevance", decline, context=with_prompt).passed is True
    assert evaluate("relevance", decline, context=ctx(decline, row=weather), domain=domain).passed


def _rubric(*criteria: CriterionSpec, threshold: float = 0.7) -> RubricContent:
    return RubricContent(threshold=threshold, criteria=criteria)


def test_a_required_criterion_fails_the_output_whatever_the_mean() -> None:
    rubric = _rubric(
        CriterionSpec(kind="contains", weight=5, config={"value": "Colissimo"}),
        CriterionSpec(kind="language", config={"required": True}),
    )
    validate_rubric(rubric)
    spanish = "Hola, su pedido fue enviado el 4 de noviembre por Colissimo."
    result = score_output_sync(rubric, ctx(spanish, row=FR_ROW))
    assert result.score is not None and result.score > 0.8
    assert result.passed is False
    assert score_output_sync(rubric, ctx(ANSWER_FR, row=FR_ROW)).passed is True
    with pytest.raises(CriterionConfigError, match="'required' must be true or false"):
        validate_rubric(_rubric(CriterionSpec(kind="language", config={"required": "yes"})))


def test_no_address_marker_is_not_applicable_rather_than_a_pass() -> None:
    neutral = "Commande ML-104522 expédiée le 4 novembre par Colissimo."
    result = evaluate("register", neutral, context=ctx(neutral, persona=VOUS), checks=["address"])
    assert result.passed is None and result.score is None
    assert "no tu/vous marker found" in result.detail
    with_vous = "Votre commande est partie le 4 novembre."
    assert evaluate(
        "register", with_vous, context=ctx(with_vous, persona=VOUS), checks=["address"]
    ).passed
