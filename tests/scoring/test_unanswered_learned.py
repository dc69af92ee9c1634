"""The learned second opinion of the unanswered detector: deterministic, explained, optional,
and applied from shipped parameters without scikit-learn."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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


def test_the_shipped_parameters_are_what_training_gives_now() -> None:
    """The parameters file must be written again whenever a shipped set changes
    (``python -m workbench.scoring.unanswered_learned``); its model must answer exactly as the
    scikit-learn pipeline trained on the sets today."""
    pytest.importorskip("sklearn")
    texts = [r.text for r in unanswered_learned.shipped_replies()] + REPLIES
    trained = unanswered_learned.train(unanswered_learned.shipped_replies())
    shipped = unanswered_learned.default_model()
    assert shipped is not None
    assert shipped.probabilities(texts) == pytest.approx(trained.probabilities(texts), abs=2e-6)


def test_the_analyzers_match_scikit_learn() -> None:
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer

    text = "a  ok, c'est l'été: colis ML-104522 livré!\nmerci"
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=unanswered_learned.CHAR_NGRAMS)
    words = TfidfVectorizer(ngram_range=unanswered_learned.WORD_NGRAMS)
    assert unanswered_learned.char_wb_ngrams(text) == chars.build_analyzer()(text)
    assert unanswered_learned.word_ngrams(text) == words.build_analyzer()(text)


@pytest.fixture
def without_parameters(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setattr(unanswered_learned, "PARAMETERS_FILE", tmp_path / "absent.json.gz")
    unanswered_learned._default_model.cache_clear()
    detect_unanswered.cache_clear()
    yield
    monkeypatch.undo()
    unanswered_learned._default_model.cache_clear()
    detect_unanswered.cache_clear()


@pytest.mark.usefixtures("without_parameters")
def test_without_the_parameters_file_the_rules_still_decide() -> None:
    assert unanswered_learned.probability(MISSED_BY_RULES) is None
    assert detect_unanswered(MISSED_BY_RULES) is None
    found = detect_unanswered("Je ne peux pas vous aider sur ce sujet.")
    assert found is not None and found.category != "learned"
    assert evaluate("unanswered", MISSED_BY_RULES).passed


def test_detection_needs_no_scikit_learn() -> None:
    """Scoring a reply reads the shipped parameters; scikit-learn is for training only."""
    code = (
        "import sys\n"
        "from workbench.scoring.unanswered import detect_unanswered\n"
        f"assert detect_unanswered({MISSED_BY_RULES!r}) is not None\n"
        "assert not any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
