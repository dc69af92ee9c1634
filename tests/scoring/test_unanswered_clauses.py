"""Unanswered detection reads clauses: a hedged partial answer is an answer, a terse decline not."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from workbench.scoring.unanswered import detect_unanswered

BENCH = Path(__file__).resolve().parents[2] / "bench" / "unanswered_bench.py"


@pytest.mark.parametrize(
    "text",
    [
        "Je ne suis pas en mesure de vous donner une date exacte, mais votre remboursement a été "
        "validé",
        "I can't give you an exact date, but your refund was approved yesterday.",
        "dsl j'ai pas la date exacte mais ton colis est bien parti hier, jeudi normalement",
        "Votre colis a été livré hier à 15 h. Pour toute autre question, contactez le service "
        "client.",
    ],
)
def test_partial_and_complete_answers_are_answers(text: str) -> None:
    assert detect_unanswered(text) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Impossible de vous répondre", "refusal"),
        ("Je n'ai pas la possibilité de vérifier", "refusal"),
        ("I'm afraid that's beyond what I can do here", "out-of-scope"),
        ("dsl je peux pas t'aider", "refusal"),
        ("Voyez avec votre banque, c'est elle qui pourra vous renseigner.", "fallback"),
        ("Let me hand you over to a human agent.", "fallback"),
        ("Aucune idée, désolé.", "unknown"),
    ],
)
def test_terse_declines_and_deflections_are_unanswered(text: str, category: str) -> None:
    match = detect_unanswered(text)
    assert match is not None, text
    assert match.category == category


def test_the_labelled_set_is_large_and_the_tuning_part_is_recognised() -> None:
    spec = importlib.util.spec_from_file_location("unanswered_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["unanswered_bench"] = bench
    spec.loader.exec_module(bench)
    examples = bench.load()
    assert len(examples) >= 200
    assert {e.label for e in examples} == {"answered", "partly", "declined", "deflected"}
    assert {e.lang for e in examples} == {"fr", "en"}
    tuning = [e for e in examples if not e.held_out]
    assert 0.6 < len(tuning) / len(examples) < 0.8
    precision, recall = bench.measure(tuning, show_errors=False, title="tuning part")
    assert precision >= 0.9 and recall >= 0.9
