"""equals, contains / icontains, not-contains, regex, starts-with."""

from __future__ import annotations

import pytest

from tests.scoring.helpers import ctx, evaluate, row
from workbench.scoring.results import CriterionConfigError

ANSWER = "Bonjour ! Votre commande 10452 a été expédiée le 3 novembre par Colissimo."


def test_equals_passes_on_the_same_text_ignoring_surrounding_whitespace() -> None:
    assert evaluate("equals", "  Oui, c'est possible.\n", value="Oui, c'est possible.").passed


def test_equals_fails_on_a_different_text_and_is_case_sensitive() -> None:
    result = evaluate("equals", "oui, c'est possible.", value="Oui, c'est possible.")
    assert result.passed is False and result.score == 0.0
    assert "differs" in result.detail


def test_equals_ignore_case_and_strict_whitespace() -> None:
    assert evaluate("equals", "OUI", value="oui", ignore_case=True).passed
    assert evaluate("equals", "oui\n", value="oui", strip=False).passed is False


def test_equals_uses_the_expected_answer_when_no_value_is_given() -> None:
    context = ctx("Paris", row=row(expected="Paris"))
    assert evaluate("equals", "", context=context).passed
    missing = evaluate("equals", "Paris")
    assert missing.passed is None and missing.score is None and missing.error is None


def test_equals_with_a_json_value_ignores_key_order_and_rejects_non_json() -> None:
    value = {"status": "shipped", "order": 10452}
    assert evaluate("equals", '{"order": 10452, "status": "shipped"}', value=value).passed
    assert evaluate("equals", '{"order": 10452, "status": "lost"}', value=value).passed is False
    assert evaluate("equals", "shipped", value=value).passed is False


def test_contains_is_case_sensitive() -> None:
    assert evaluate("contains", ANSWER, value="Colissimo").passed
    result = evaluate("contains", ANSWER, value="colissimo")
    assert result.passed is False and "missing 'colissimo'" in result.detail


def test_icontains_ignores_case() -> None:
    assert evaluate("icontains", ANSWER, value="COLISSIMO").passed
    assert evaluate("icontains", ANSWER, value="chronopost").passed is False


def test_contains_any_and_all_modes() -> None:
    values = ["Colissimo", "Chronopost"]
    assert evaluate("contains", ANSWER, values=values).passed  # any by default
    result = evaluate("contains", ANSWER, values=values, mode="all")
    assert result.passed is False and "missing 'Chronopost'" in result.detail
    assert evaluate("contains", ANSWER, values=["10452", "3 novembre"], mode="all").passed


def test_not_contains_passes_only_when_absent() -> None:
    assert evaluate("not-contains", ANSWER, value="Chronopost").passed
    result = evaluate("not-contains", ANSWER, value="Colissimo")
    assert result.passed is False and result.kind == "not-contains"
    # With several values (mode any): passes only when none of them is present.
    assert evaluate("not-contains", ANSWER, values=["Chronopost", "UPS"]).passed
    assert evaluate("not-contains", ANSWER, values=["Chronopost", "10452"]).passed is False


def test_not_icontains() -> None:
    assert evaluate("not-icontains", ANSWER, value="désolé").passed
    assert evaluate("not-icontains", "Désolé du retard.", value="désolé").passed is False


def test_regex_searches_anywhere_with_flags() -> None:
    assert evaluate("regex", ANSWER, pattern=r"\b\d{5}\b").passed
    assert evaluate("regex", ANSWER, pattern=r"^\d{5}").passed is False
    assert evaluate("regex", ANSWER, pattern="colissimo", flags="i").passed
    assert evaluate("not-regex", ANSWER, value=r"rembours").passed


def test_starts_with() -> None:
    assert evaluate("starts-with", "\nBonjour Camille", value="Bonjour").passed
    result = evaluate("starts-with", "Salut Camille", value="Bonjour")
    assert result.passed is False and "Salut" in result.detail
    assert evaluate("starts-with", " Bonjour", value="Bonjour", strip=False).passed is False


@pytest.mark.parametrize(
    ("kind", "config", "message"),
    [
        ("contains", {}, "needs 'value'"),
        ("contains", {"value": ""}, "value #1 is empty"),
        ("contains", {"value": "a", "values": ["b"]}, "not both"),
        ("contains", {"values": "a"}, "non-empty list"),
        ("contains", {"value": "a", "mode": "some"}, "'mode' must be one of all, any"),
        ("regex", {"pattern": "(unclosed"}, "bad regular expression '(unclosed'"),
        ("regex", {"pattern": "a", "flags": "q"}, "unknown regex flag 'q'"),
        ("starts-with", {}, "needs 'value'"),
        ("equals", {"valeu": "x"}, "unknown option(s) valeu"),
    ],
)
def test_configuration_errors_name_the_criterion(kind: str, config: dict, message: str) -> None:
    with pytest.raises(CriterionConfigError) as caught:
        evaluate(kind, ANSWER, **config)
    assert message in str(caught.value)
    assert f"criterion '{kind}'" in str(caught.value)
