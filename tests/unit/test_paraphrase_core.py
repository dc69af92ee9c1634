"""The pure parts of the paraphrase perturbation: request, clean-up, checks, rows."""

from __future__ import annotations

import pytest

from workbench.core.errors import ValidationError
from workbench.core.models import DatasetRow
from workbench.core.perturb import (
    RowRewrite,
    format_perturbations,
    make_variants,
    parse_perturbations,
    perturb_text,
)
from workbench.core.perturb.paraphrase import (
    FALLBACK_TAG,
    assemble_rewrites,
    check_paraphrase,
    clean_paraphrase,
    kept_spans,
    paraphrase_request,
    rewrite_targets,
)

MESSAGE = "Bonjour, j'ai payé 12,50 € pour ML-104522, écrivez à a.b@example.com svp"


def test_the_request_is_deterministic_keeps_the_spans_and_changes_with_the_seed() -> None:
    first = paraphrase_request(MESSAGE, language="fr", seed=3, protected=("Jean",))
    assert first == paraphrase_request(MESSAGE, language="fr", seed=3, protected=("Jean",))
    assert first.kept == ("12,50 €", "ML-104522", "a.b@example.com")
    system = first.messages[0].content
    assert "« ML-104522 »" in system and "écris en français" in system
    assert first.messages[1].content == MESSAGE
    assert first.params["temperature"] == 0 and first.params["seed"] == 3
    styles = {
        paraphrase_request(MESSAGE, language="fr", seed=s).messages[0].content for s in range(20)
    }
    assert len(styles) > 1
    english = paraphrase_request("Where is my order 1234?", language="en", seed=3)
    assert "write in English" in english.messages[0].content
    retry = paraphrase_request(MESSAGE, language="fr", seed=3, retry_reason="it was empty")
    assert len(retry.messages) == 3 and "it was empty" in retry.messages[2].content


@pytest.mark.parametrize(
    ("answer", "clean"),
    [
        ('"slt, jai payé 12,50 €"', "slt, jai payé 12,50 €"),
        ("Paraphrase : slt ML-1", "slt ML-1"),
        ("Voici le message réécrit : « slt ML-1 »", "slt ML-1"),
        ("Here is the rewritten message:\nhi ML-1", "hi ML-1"),
        ("```\nslt ML-1\n```", "slt ML-1"),
        ("  slt ML-1  ", "slt ML-1"),
        ('il a dit "non" puis "oui"', 'il a dit "non" puis "oui"'),
    ],
)
def test_clean_up_of_a_model_answer(answer: str, clean: str) -> None:
    assert clean_paraphrase(answer) == clean


def test_checks_refuse_what_a_rewrite_must_not_do() -> None:
    kept = kept_spans(MESSAGE)

    def check(candidate: str, **kwargs: object) -> str | None:
        return check_paraphrase(MESSAGE, candidate, kept=kept, language="fr", **kwargs)  # type: ignore[arg-type]

    assert check("slt, 12,50€ payés pr ML-104522, mail a.b@example.com") is None
    assert check("   ") == "the rewrite is empty"
    assert "dropped 'ML-104522'" in (check("slt 12,50 € a.b@example.com") or "")
    assert "too long" in (check("ML-104522 12,50 € a.b@example.com " + "x" * 400) or "")
    assert "too long" in (check("ML-104522 12,50 € a.b@example.com", finish_reason="length") or "")
    english = "hi I paid 12,50 € for ML-104522, mail a.b@example.com"
    assert check(english, detect=lambda text: "en") == (
        "the rewrite is in another language (en, not French)"
    )
    assert check(english, detect=lambda text: None) is None


def test_paraphrase_parses_without_intensity_and_is_not_a_text_function() -> None:
    choices = parse_perturbations("accents,paraphrase")
    assert format_perturbations(choices) == "accents,paraphrase"
    with pytest.raises(ValidationError, match="takes no intensity"):
        parse_perturbations("paraphrase:0.5")
    with pytest.raises(ValidationError, match="asks a model"):
        perturb_text(MESSAGE, "paraphrase")
    with pytest.raises(ValidationError, match=r"choose from accents, .*, paraphrase"):
        parse_perturbations("paraphrse")


def test_targets_and_rewrites_make_linked_variants() -> None:
    rows = [
        DatasetRow(id="a", vars={"message": "Bonjour ML-1", "name": "Jean"}, facts=("jeudi",)),
        DatasetRow(
            id="b",
            vars={
                "conversation": [
                    {"role": "user", "content": "Hello, order 12?"},
                    {"role": "assistant", "content": "Sure."},
                    {"role": "user", "content": ""},
                ]
            },
            tags=("en",),
        ),
    ]
    targets = rewrite_targets(rows, seed=1, protected_fields=("name",))
    assert [t.key for t in targets] == [("a", "message", None), ("b", "conversation", 0)]
    assert targets[0].protected == ("Jean", "jeudi") and targets[0].language == "fr"
    assert targets[1].language == "en"
    rewrites = assemble_rewrites(
        rows,
        {("a", "message", None): "Slt ML-1", ("b", "conversation", 0): "hey, order 12??"},
        fallbacks=["b"],
    )
    made = make_variants(
        rows,
        parse_perturbations("paraphrase"),
        rewrites={"paraphrase": rewrites},
    )
    a, b = made.variants
    assert a.id == "a~paraphrase" and a.vars["message"] == "Slt ML-1" and a.vars["name"] == "Jean"
    assert FALLBACK_TAG not in a.tags
    assert b.vars["conversation"][0]["content"] == "hey, order 12??"
    assert b.vars["conversation"][1:] == rows[1].vars["conversation"][1:]
    assert rows[1].vars["conversation"][0]["content"] == "Hello, order 12?"  # untouched
    assert b.tags[-1] == FALLBACK_TAG
    only_a = make_variants(
        rows, parse_perturbations("paraphrase"), rewrites={"paraphrase": {"a": RowRewrite({})}}
    )
    assert [v.id for v in only_a.variants] == ["a~paraphrase"]
    assert "1 row(s) got no paraphrase variant" in only_a.notes[0]
    with pytest.raises(ValidationError, match="needs a model"):
        make_variants(rows, parse_perturbations("paraphrase"))
