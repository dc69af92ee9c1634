"""The learned second opinion of the unanswered detector: deterministic, explained, optional."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Any

import pytest

from tests.scoring.helpers import evaluate
from workbench.scoring import unanswered_learned
from workbench.scoring.unanswered import detect_unanswered, detect_unanswered_rules

# The rules let this one through; the learned model recognises a bot's fallback.
MISSED_BY_RULES = "Oups, cette demande m'échappe."
REPLIES = [
    MISSED_BY_RULES,
    "Votre colis est parti ce matin, livraison prévue jeudi avant 13h.",
    "I'm afraid that's not something we can help with here.",
]


def test_training_is_deterministic() -> None:
    first = unanswered_learned.train(unanswered_learned.shipped_replies())
    second = unanswered_learned.train(unanswered_learned.shipped_replies())
    assert first.probabilities(REPLIES) == second.probabilities(REPLIES)
    assert first.probability(REPLIES[1]) < 0.5 < first.probability(REPLIES[2])


def test_shipped_data_is_in_the_package() -> None:
    replies = unanswered_learned.shipped_replies()
    assert len(replies) > 800
    assert {r.label for r in replies} == {"answered", "partly", "declined", "deflected"}


def test_the_learned_opinion_is_named_in_the_detail() -> None:
    assert detect_unanswered_rules(MISSED_BY_RULES) is None
    found = detect_unanswered(MISSED_BY_RULES)
    assert found is not None and found.category == "learned"
    assert found.pattern.startswith("learned model, p=0.")
    result = evaluate("unanswered", MISSED_BY_RULES)
    assert result.passed is False
    assert "learned model, p=" in result.detail and "no rule matched" in result.detail
    # a rule's match is named as the rule
    ruled = evaluate("unanswered", "Je ne peux pas vous aider sur ce sujet.")
    assert ruled.passed is False and "learned" not in ruled.detail


@pytest.fixture
def without_sklearn(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real_import = builtins.__import__

    def refuse_sklearn(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse_sklearn)
    unanswered_learned._default_model.cache_clear()
    detect_unanswered.cache_clear()
    yield
    monkeypatch.undo()
    unanswered_learned._default_model.cache_clear()
    detect_unanswered.cache_clear()


@pytest.mark.usefixtures("without_sklearn")
def test_without_sklearn_the_rules_still_decide() -> None:
    assert unanswered_learned.probability(MISSED_BY_RULES) is None
    assert detect_unanswered(MISSED_BY_RULES) is None
    found = detect_unanswered("Je ne peux pas vous aider sur ce sujet.")
    assert found is not None and found.category != "learned"
    assert evaluate("unanswered", MISSED_BY_RULES).passed
