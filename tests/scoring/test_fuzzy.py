"""similarity, levenshtein and expected-facts coverage."""

from __future__ import annotations

import pytest

from tests.scoring.helpers import ctx, evaluate, row
from workbench.scoring.facts import numbers_in
from workbench.scoring.results import CriterionConfigError

EXPECTED = "Votre commande a été expédiée le 3 novembre."


def test_similarity_against_the_expected_answer() -> None:
    close = ctx("Votre commande a ete expediee le 3 novembre !", row=row(expected=EXPECTED))
    result = evaluate("similarity", "", context=close, threshold=0.9)
    assert result.passed and result.value is not None and result.value > 0.95
    far = ctx("Nous ne livrons pas en Belgique.", row=row(expected=EXPECTED))
    result = evaluate("similarity", "", context=far, threshold=0.8)
    assert result.passed is False and result.score == 0.0 and "<" in result.detail


def test_similarity_without_expected_answer_is_not_applicable() -> None:
    result = evaluate("similarity", "anything")
    assert result.passed is None and result.error is None and "expected" in result.detail


def test_similarity_threshold_must_be_a_fraction() -> None:
    with pytest.raises(CriterionConfigError, match="at most 1"):
        evaluate("similarity", "x", value="x", threshold=80)


def test_levenshtein_counts_exact_edits() -> None:
    assert evaluate("levenshtein", "Bonjuor", value="Bonjour", max_distance=2).passed
    result = evaluate("levenshtein", "bonjour", value="Bonjour", max_distance=0)
    assert result.passed is False and result.value == 1.0
    assert evaluate("levenshtein", "Au revoir", value="Bonjour").passed is False  # default 5


def test_numbers_are_normalised() -> None:
    assert numbers_in("commande 10 452 à 3,50 € le 03/11") == ["10452", "3.5", "3", "11"]


FACT_ROW = row(facts=("expédiée", "3 novembre", "Colissimo", "numéro de suivi 8Z12345"))


def test_facts_all_present_despite_case_accents_typos_and_punctuation() -> None:
    output = (
        "Bonne nouvelle : votre colis a été EXPEDIEE le 3 Novembre via Colisimo ; "
        "numéro de suivi : 8Z12345."
    )
    result = evaluate("facts", "", context=ctx(output, row=FACT_ROW))
    assert result.passed and result.score == 1.0, result.detail


def test_facts_need_exact_numbers() -> None:
    output = "Votre colis a été expédiée le 13 novembre via Colissimo, numéro de suivi 8Z12345."
    result = evaluate("facts", "", context=ctx(output, row=FACT_ROW))
    assert result.passed is False
    assert result.score == pytest.approx(0.75)
    assert "missing: '3 novembre' (number(s) 3 absent)" in result.detail


def test_facts_coverage_threshold_and_missing_list() -> None:
    output = "Votre commande est partie, elle arrivera bientôt."
    result = evaluate("facts", "", context=ctx(output, row=FACT_ROW))
    assert result.passed is False and result.score == 0.0
    assert result.detail.count("missing:") == 4
    partial = ctx("Expédiée le 3 novembre.", row=FACT_ROW)
    assert evaluate("facts", "", context=partial, min_coverage=0.5).passed
    assert evaluate("facts", "", context=partial, min_coverage=0.75).passed is False


def test_facts_refuse_a_different_word() -> None:
    result = evaluate("facts", "", context=ctx("Le colis est annulé.", row=row(facts=("livré",))))
    assert result.passed is False


def test_facts_from_config_and_not_applicable_without_facts() -> None:
    assert evaluate("facts", "Remboursé sous 5 jours.", facts=["rembourse", "5 jours"]).passed
    assert evaluate("facts", "Remboursé.").passed is None
