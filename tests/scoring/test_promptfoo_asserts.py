"""promptfoo ``assert:`` entries become criteria with promptfoo's pass/fail semantics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scoring.helpers import cell, ctx, row
from workbench.core.errors import TemplateError, ValidationError
from workbench.core.models import DatasetRow
from workbench.scoring.promptfoo_asserts import (
    criteria_from_promptfoo,
    row_rubric,
    rubric_from_promptfoo,
    rubric_from_promptfoo_config,
    rubric_from_row,
)
from workbench.scoring.rubric import score_output_sync, validate_rubric

OUTPUT = "Your order 10452 shipped on November 3."


def passes(assertion: dict[str, Any], output: str = OUTPUT, **context: Any) -> bool | None:
    rubric, converted = rubric_from_promptfoo([assertion])
    assert not converted.unsupported
    validate_rubric(rubric)
    return score_output_sync(rubric, ctx(output, **context)).passed


@pytest.mark.parametrize(
    ("assertion", "expected"),
    [
        ({"type": "contains", "value": "10452"}, True),
        ({"type": "contains", "value": "november"}, False),  # case-sensitive
        ({"type": "contains", "value": 10452}, True),  # numbers are compared as text
        ({"type": "icontains", "value": "NOVEMBER"}, True),
        ({"type": "not-contains", "value": "sorry"}, True),
        ({"type": "not-contains", "value": "10452"}, False),
        ({"type": "not-icontains", "value": "ORDER"}, False),
        ({"type": "contains-any", "value": ["UPS", "November"]}, True),
        ({"type": "contains-any", "value": "UPS, DHL"}, False),  # comma-separated text
        ({"type": "contains-all", "value": "10452, November"}, True),
        ({"type": "contains-all", "value": ["10452", "UPS"]}, False),
        ({"type": "icontains-all", "value": ["ORDER", "shipped"]}, True),
        ({"type": "not-contains-any", "value": ["UPS", "DHL"]}, True),
        ({"type": "equals", "value": OUTPUT}, True),
        ({"type": "equals", "value": OUTPUT + " "}, False),  # exact: no trimming
        ({"type": "not-equals", "value": "Hello"}, True),
        ({"type": "regex", "value": r"\d{5}"}, True),
        ({"type": "regex", "value": "^order"}, False),
        ({"type": "not-regex", "value": "(?i)refund"}, True),
        ({"type": "starts-with", "value": "Your order"}, True),
        ({"type": "starts-with", "value": "your order"}, False),
        ({"type": "not-starts-with", "value": "Sorry"}, True),
        ({"type": "is-json"}, False),
        ({"type": "not-is-json"}, True),
        ({"type": "contains-json"}, False),
        ({"type": "levenshtein", "value": "Your order 10452 shipped on November 8."}, True),
        ({"type": "levenshtein", "value": "Your parcel shipped.", "threshold": 5}, False),
    ],
)
def test_pass_fail_like_promptfoo(assertion: dict, expected: bool) -> None:
    assert passes(assertion) is expected


def test_levenshtein_threshold_zero_means_five_as_in_promptfoo() -> None:
    near = "Your order 10452 shipped on November 9!!"  # distance 3
    assert passes({"type": "levenshtein", "value": OUTPUT, "threshold": 0}, near)
    assert passes({"type": "levenshtein", "value": OUTPUT, "threshold": 2}, near) is False


def test_json_assertions_with_schemas_as_objects_or_yaml_text() -> None:
    schema_yaml = "type: object\nrequired: [order]\nproperties:\n  order: {type: integer}\n"
    assert passes({"type": "is-json", "value": schema_yaml}, '{"order": 10452}')
    assert passes({"type": "is-json", "value": schema_yaml}, '{"order": "10452"}') is False
    text = 'Here it is: {"order": 10452} — anything else?'
    assert passes({"type": "contains-json", "value": {"required": ["order"]}}, text)
    assert passes({"type": "contains-json", "value": {"required": ["status"]}}, text) is False


def test_equals_with_an_object_compares_json() -> None:
    assert passes({"type": "equals", "value": {"a": 1, "b": [2]}}, '{"b": [2], "a": 1}')
    assert passes({"type": "not-equals", "value": {"a": 1}}, "not json")


def test_cost_and_latency_thresholds() -> None:
    measured = cell(OUTPUT, latency_ms=1200.0, cost_usd=0.002)
    assert passes({"type": "latency", "threshold": 1500}, cell=measured)
    assert passes({"type": "latency", "threshold": 1000}, cell=measured) is False
    assert passes({"type": "cost", "threshold": 0.001}, cell=measured) is False
    assert passes({"type": "not-cost", "threshold": 0.001}, cell=measured)


def test_weight_metric_and_test_threshold() -> None:
    asserts = [
        {"type": "contains", "value": "10452", "weight": 3, "metric": "order number"},
        {"type": "contains", "value": "UPS"},
        {"type": "icontains", "value": "sorry", "weight": 0},
    ]
    rubric, converted = rubric_from_promptfoo(asserts)
    assert [c.name for c in converted.criteria] == ["order number", None, None]
    assert [c.weight for c in rubric.criteria] == [3.0, 1.0, 0.0]
    assert rubric.threshold == 1.0  # no test threshold: every weighted assertion must pass
    result = score_output_sync(rubric, ctx(OUTPUT))
    assert result.passed is False and result.score == pytest.approx(0.75)
    # With the test's threshold the aggregate score decides, as in promptfoo.
    rubric, _ = rubric_from_promptfoo(asserts, threshold=0.7)
    assert score_output_sync(rubric, ctx(OUTPUT)).passed is True


@pytest.mark.parametrize("threshold", [None, 0.5, 1])
def test_a_failing_zero_weight_assertion_never_fails_the_test(threshold: float | None) -> None:
    # promptfoo 0.123.1 marks a weight-0 assertion passed whatever its result (checked with
    # `promptfoo eval`, see tests/interop/test_promptfoo_parity.py, config "weight-zero").
    asserts = [
        {"type": "contains", "value": "10452"},
        {"type": "contains", "value": "refund", "weight": 0},
    ]
    rubric, converted = rubric_from_promptfoo(asserts, threshold=threshold)
    result = score_output_sync(rubric, ctx(OUTPUT))
    assert result.passed is True and result.score == 1.0
    assert [c.passed for c in result.criteria] == [True, False]  # still reported
    assert not converted.notes
    # A weighted failure still fails the test.
    failing, _ = rubric_from_promptfoo([*asserts, {"type": "contains", "value": "UPS"}])
    assert score_output_sync(failing, ctx(OUTPUT)).passed is False


def test_only_zero_weights_under_a_threshold_are_noted() -> None:
    zero = [{"type": "contains", "value": "refund", "weight": 0}]
    rubric, converted = rubric_from_promptfoo(zero, threshold=0.5, where="test 3")
    assert score_output_sync(rubric, ctx(OUTPUT)).passed is True
    assert converted.notes == (
        "test 3: every assertion weighs 0, so promptfoo scores the test 0 and fails it under"
        " threshold 0.5; here nothing weighted means a pass",
    )
    # Without a threshold promptfoo passes such a test too: nothing to note.
    assert not rubric_from_promptfoo(zero)[1].notes


def test_row_rubric_adds_the_rows_assertions_to_the_rubric() -> None:
    rubric, _ = rubric_from_promptfoo([{"type": "not-icontains", "value": "sorry"}], threshold=0.9)
    data_row = DatasetRow(
        id="t9",
        vars={"order": "10452"},
        asserts=(
            {"type": "contains", "value": "{{ order }}"},
            {"type": "javascript", "value": "output.length > 5"},
        ),
    )
    combined = row_rubric(rubric, data_row)
    assert [c.kind for c in combined.criteria] == ["not-icontains", "contains", "javascript"]
    assert combined.criteria[1].config == {"value": "10452"}
    assert combined.threshold == 0.9 and combined.description == rubric.description
    assert score_output_sync(combined, ctx(OUTPUT, row=data_row)).passed is True
    assert score_output_sync(combined, ctx("Order 1 shipped.", row=data_row)).passed is False
    assert row_rubric(rubric, row()) is rubric  # a row without assertions keeps the rubric
    with pytest.raises(ValidationError, match="row t9 assert #1"):
        row_rubric(rubric, data_row.model_copy(update={"asserts": ({"type": "contains"},)}))


def test_llm_rubric_becomes_a_judge_criterion() -> None:
    converted = criteria_from_promptfoo(
        [
            {"type": "llm-rubric", "value": "Is polite and gives the date"},
            {"type": "llm-rubric", "value": "Is concise", "threshold": 0.75},
        ]
    )
    first, second = converted.criteria
    assert first.kind == "llm-judge" and first.config == {
        "criterion": "Is polite and gives the date",
        "scale": "pass-fail",
    }
    assert second.config["scale"] == "1-5" and second.config["pass_min"] == 4
    assert converted.notes and "threshold 0.75" in converted.notes[0]


def test_unsupported_assertions_are_listed_by_name() -> None:
    converted = criteria_from_promptfoo(
        [
            {"type": "contains", "value": "a"},
            {"type": "javascript", "value": "output.length < 10"},
            {"type": "similar", "value": "hello", "threshold": 0.8},
            {"type": "not-levenshtein", "value": "x"},
            {"type": "cost"},
            {"type": "contains", "value": "b", "transform": "output.toUpperCase()"},
            {"type": "contains", "value": "file://expected.txt"},
            {"type": "assert-set", "assert": [{"type": "contains", "value": "c"}]},
        ],
        where="tests.yaml, test 4",
    )
    assert [c.kind for c in converted.criteria] == [
        "contains",
        "javascript",
        "similar",
        "transformed",
    ]
    assert converted.unsupported == (
        "tests.yaml, test 4 #4: promptfoo ignores 'not-' for levenshtein",
        "tests.yaml, test 4 #5: 'cost' without a threshold only records a metric",
        "tests.yaml, test 4 #7: type 'contains' with a file:// value",
        "tests.yaml, test 4 #8: type 'assert-set' with unsupported key(s) assert",
    )


@pytest.mark.parametrize(
    ("assertion", "message"),
    [
        ({"value": "x"}, "needs a 'type'"),
        ({"type": "contains", "value": ["a", "b"]}, "use 'contains-any' or 'contains-all'"),
        ({"type": "contains"}, "'contains' needs a text value"),
        ({"type": "contains", "value": "a", "weight": -1}, "'weight' must be a number ≥ 0"),
        ({"type": "is-json", "value": "type: [object"}, "the JSON schema does not parse"),
    ],
)
def test_malformed_assertions_raise_naming_where(assertion: dict, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        criteria_from_promptfoo([assertion], where="promptfooconfig.yaml, test 2")
    assert message in str(caught.value)
    assert "promptfooconfig.yaml, test 2 #1" in str(caught.value)


def test_values_are_rendered_with_the_row_variables() -> None:
    data_row = DatasetRow(
        id="t7",
        vars={"order": "10452", "carrier": "UPS"},
        asserts=(
            {"type": "contains", "value": "{{ order }}"},
            {"type": "contains-any", "value": ["{{ carrier }}", "DHL"]},
        ),
    )
    rubric, _ = rubric_from_row(data_row)
    assert rubric.criteria[0].config == {"value": "10452"}
    assert rubric.criteria[1].config["values"] == ["UPS", "DHL"]
    assert score_output_sync(rubric, ctx("Order 10452 left with UPS.", row=data_row)).passed


def test_a_bad_template_in_a_value_names_the_row() -> None:
    data_row = DatasetRow(id="t8", vars={}, asserts=({"type": "contains", "value": "{{ nope }}"},))
    with pytest.raises(TemplateError, match="row t8"):
        rubric_from_row(data_row)


def test_nothing_supported_is_an_error() -> None:
    with pytest.raises(ValidationError, match="no supported assertion"):
        rubric_from_promptfoo([{"type": "python", "value": "file://check.py"}])
    assert row().asserts == ()


CONFIG: dict[str, Any] = {
    "description": "Tracking",
    "defaultTest": {"threshold": 0.5, "assert": [{"type": "not-icontains", "value": "as an AI"}]},
    "tests": [
        {
            "description": "shipped",
            "vars": {"order": "ML-1"},
            "threshold": 0.9,
            "assert": [
                {"type": "latency", "threshold": 2000},
                {"type": "contains", "value": "{{ order }}"},
            ],
        },
        {
            "vars": {"order": "ML-2"},
            "assert": [
                {"type": "latency", "threshold": 2000},
                {"type": "contains", "value": "{{ order }}"},
            ],
        },
    ],
}


def test_config_rubric_for_every_row_keeps_default_and_shared_asserts() -> None:
    rubric, converted = rubric_from_promptfoo_config(CONFIG, where="pf.yaml")
    assert [c.kind for c in rubric.criteria] == ["not-icontains", "latency"]
    assert (rubric.threshold, rubric.description) == (0.5, "Tracking")
    # The shared `contains` uses a test variable, so it cannot score every row alike.
    assert converted.unsupported == (
        "pf.yaml: type 'contains' uses test variables ({{ … }}), so it cannot score every row"
        " alike",
    )
    assert converted.notes == ()


def test_config_rubric_for_one_test_renders_its_variables_and_threshold() -> None:
    rubric, _ = rubric_from_promptfoo_config(CONFIG, where="pf.yaml", test="2")
    assert rubric.criteria[-1].config == {"value": "ML-2"}
    assert rubric.threshold == 0.5
    by_name, _ = rubric_from_promptfoo_config(CONFIG, where="pf.yaml", test="shipped")
    assert by_name.criteria[-1].config == {"value": "ML-1"} and by_name.threshold == 0.9
    with pytest.raises(ValidationError, match="no single test '3'; give a test number from 1 to 2"):
        rubric_from_promptfoo_config(CONFIG, where="pf.yaml", test="3")


def test_config_problems_are_named() -> None:
    with pytest.raises(ValidationError, match="'defaultTest' must be a mapping"):
        rubric_from_promptfoo_config({"defaultTest": "file://default.yaml"})
    with pytest.raises(ValidationError, match="'tests' must be a list of tests"):
        rubric_from_promptfoo_config({"tests": [1, 2]})
    _, converted = rubric_from_promptfoo_config(
        {"defaultTest": {"assert": [{"type": "is-json"}]}, "tests": "file://tests/*.yaml"}
    )
    assert converted.notes == ("promptfoo config: tests in 'file://tests/*.yaml' were not read",)
