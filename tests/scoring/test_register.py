"""The register criterion: address form, words to avoid, sign-off, emoji, '!', sentence length."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scoring.helpers import ctx, evaluate, persona
from workbench.core.models import PersonaContent
from workbench.scoring.register import count_emoji, split_sentences
from workbench.scoring.results import CriterionConfigError, CriterionResult

VOUS = persona(
    address_form="vous",
    avoid=("malheureusement", "n'hésitez pas"),
    sign_off="Camille, Maison Lumière",
    max_sentence_words=20,
    tone={"emoji": "never", "exclamations": "sparingly"},
)
TU = persona(address_form="tu", tone={"emoji": "sparingly", "exclamations": "free"})


def register(output: str, who: PersonaContent = VOUS, **config: Any) -> CriterionResult:
    return evaluate("register", output, context=ctx(output, persona=who), **config)


GOOD_VOUS = (
    "Bonjour Madame Durand,\n"
    "Votre commande 10452 a été expédiée le 3 novembre. "
    "Vous la recevrez jeudi en point relais.\n"
    "Belle journée,\n"
    "Camille, Maison Lumière"
)


def test_a_reply_in_the_persona_register_passes_every_check() -> None:
    result = register(GOOD_VOUS)
    assert result.passed and result.score == 1.0, result.detail
    assert [part.name for part in result.parts] == [
        "address",
        "avoid",
        "sign-off",
        "emoji",
        "exclamations",
        "sentence-length",
    ]


def test_tutoiement_fails_a_vous_persona_with_evidence() -> None:
    reply = GOOD_VOUS.replace("Vous la recevrez", "Tu la recevras")
    result = register(reply)
    address = next(p for p in result.parts if p.name == "address")
    assert result.passed is False and address.passed is False
    assert "mixes tu and vous" in address.detail and "'Tu' (pronoun)" in address.detail
    assert result.score == pytest.approx(5 / 6)


def test_vouvoiement_fails_a_tu_persona() -> None:
    result = register("Bonjour, n'hésitez pas à revenir vers nous !", who=TU)
    assert result.passed is False
    assert "uses vous" in result.parts[0].detail


def test_tutoiement_passes_a_tu_persona() -> None:
    result = register("Salut ! Ton colis arrive demain, dis-moi si besoin 🙂", who=TU)
    assert result.passed, result.detail


def test_words_to_avoid_whole_words_any_case_or_accents() -> None:
    result = register(GOOD_VOUS.replace("Votre commande", "Malheureusement, votre commande"))
    avoid = next(p for p in result.parts if p.name == "avoid")
    assert avoid.passed is False and "'malheureusement'" in avoid.detail
    # Accents and typographic apostrophes do not hide a phrase to avoid.
    result = register(
        GOOD_VOUS.replace("Belle journée,", "N’hesitez pas a revenir.\nBelle journée,")
    )
    assert next(p for p in result.parts if p.name == "avoid").passed is False


def test_missing_or_misplaced_sign_off_fails() -> None:
    without = GOOD_VOUS.replace("Camille, Maison Lumière", "L'équipe")
    assert next(p for p in register(without).parts if p.name == "sign-off").passed is False
    typo = GOOD_VOUS.replace("Camille, Maison Lumière", "Camille – Maison Lumiere")
    assert next(p for p in register(typo).parts if p.name == "sign-off").passed


def test_emoji_policy() -> None:
    result = register(GOOD_VOUS.replace("Belle journée,", "Belle journée 😊,"))
    emoji = next(p for p in result.parts if p.name == "emoji")
    assert emoji.passed is False and "😊" in emoji.detail
    assert register("Top, ton colis arrive 🎉", who=TU).passed
    two = register("Top 🎉 ton colis arrive 🚚", who=TU)
    assert two.passed is False and "2 emoji" in two.parts[1].detail


def test_exclamation_policy() -> None:
    one = register(GOOD_VOUS.replace("3 novembre.", "3 novembre !"))
    assert one.passed, one.detail
    two = register(GOOD_VOUS.replace("3 novembre.", "3 novembre !!"))
    exclamations = next(p for p in two.parts if p.name == "exclamations")
    assert exclamations.passed is False and "2 '!'" in exclamations.detail


def test_sentence_length() -> None:
    long_sentence = (
        "Votre commande a bien été expédiée depuis notre entrepôt de Lyon ce matin et elle "
        "devrait arriver dans votre point relais habituel d'ici jeudi ou vendredi au plus tard."
    )
    result = register(GOOD_VOUS.replace("Vous la recevrez jeudi en point relais.", long_sentence))
    check = next(p for p in result.parts if p.name == "sentence-length")
    assert check.passed is False and "1 sentence(s) over 20 words" in check.detail


def test_sentence_split_keeps_abbreviations() -> None:
    text = "Bonjour M. Dupont. Votre colis (réf. 12) arrive, etc. Merci !\nCamille"
    assert split_sentences(text) == [
        "Bonjour M. Dupont.",
        "Votre colis (réf. 12) arrive, etc. Merci !",
        "Camille",
    ]


def test_count_emoji_groups_sequences_and_skips_typography() -> None:
    assert count_emoji("Merci 👍🏽 ! 👨‍👩‍👧 🇫🇷") == ["👍🏽", "👨‍👩‍👧", "🇫🇷"]
    assert count_emoji("Maison Lumière® © 2026 — prix ™") == []
    assert count_emoji("Super :) à bientôt ;-)") == [":)", ";-)"]
    assert count_emoji("Voir http://exemple.fr/aide") == []


def test_english_address_forms() -> None:
    formal = persona(address_form="formal", languages=("en",))
    first = persona(address_form="first_name", languages=("en",))
    assert register("Dear Ms Martin, your order has shipped.", who=formal).passed
    assert register("Hi John, your order has shipped.", who=formal).passed is False
    assert register("Hi John, your order has shipped.", who=first).passed
    assert register("Dear Mr Smith, your order has shipped.", who=first).passed is False


def test_config_overrides_and_subset_of_checks() -> None:
    result = register("Salut, ton colis arrive !", checks=["address"])
    assert result.passed is False and [p.name for p in result.parts] == ["address"]
    overridden = register("Salut, ton colis arrive !", address_form="tu", checks=["address"])
    assert overridden.passed


def test_not_applicable_without_persona() -> None:
    result = evaluate("register", "Bonjour")
    assert result.passed is None and result.error is None
    assert evaluate("register", "Tu vas bien ?", address_form="vous").passed is False


def test_register_configuration_errors() -> None:
    with pytest.raises(CriterionConfigError, match="'checks' must be a non-empty list"):
        register(GOOD_VOUS, checks=["tone"])
    with pytest.raises(CriterionConfigError, match="'emoji' must be one of free, never"):
        register(GOOD_VOUS, emoji="rarely")


def test_sentence_split_after_a_unit_letter_following_a_number() -> None:
    text = "The bulb draws about 8 W. Next, screw it in. Comptez 10 h. Puis J. Dupont signe."
    assert split_sentences(text) == [
        "The bulb draws about 8 W.",
        "Next, screw it in.",
        "Comptez 10 h.",
        "Puis J. Dupont signe.",
    ]


def test_sentence_split_after_an_emoji_before_a_capital() -> None:
    text = "Votre colis arrive demain 🚚 Bonne journée ! J'adore 🕯️ les bougies 👍🏽 Camille"
    assert split_sentences(text) == [
        "Votre colis arrive demain 🚚",
        "Bonne journée !",
        "J'adore 🕯️ les bougies 👍🏽",
        "Camille",
    ]
    # A trademark sign is not an emoji; an emoji alone is not a sentence.
    assert split_sentences("Maison Lumière® Nous livrons. 😊 Merci") == [
        "Maison Lumière® Nous livrons.",
        "Merci",
    ]


def test_sentence_length_counts_sentences_ended_by_emoji_or_unit() -> None:
    reply = (
        "Cette ampoule LED consomme environ 8 W. Elle éclaire autant qu'une ampoule classique "
        "de 60 W 💡 Elle dure environ quinze ans avec un usage normal."
    )
    [check] = register(reply, max_sentence_words=12, checks=["sentence-length"]).parts
    assert check.passed is True, check.detail
    assert "longest sentence 9 words" in check.detail
