"""is-json, json-schema, contains-json, length, latency, cost."""

from __future__ import annotations

import pytest

from tests.scoring.helpers import cell, ctx, evaluate
from workbench.scoring.results import CriterionConfigError

SCHEMA = {
    "type": "object",
    "properties": {"order": {"type": "integer"}, "status": {"enum": ["shipped", "pending"]}},
    "required": ["order", "status"],
}


def test_is_json_accepts_json_and_refuses_prose() -> None:
    assert evaluate("is-json", ' {"order": 10452}\n').passed
    result = evaluate("is-json", 'Voici : {"order": 10452}')
    assert result.passed is False and "not valid JSON" in result.detail
    # JavaScript's JSON.parse refuses NaN; so do we.
    assert evaluate("is-json", '{"x": NaN}').passed is False


def test_is_json_with_a_schema() -> None:
    assert evaluate("is-json", '{"order": 1, "status": "shipped"}', schema=SCHEMA).passed
    result = evaluate("is-json", '{"order": "1", "status": "lost"}', schema=SCHEMA)
    assert result.passed is False
    assert "$.order" in result.detail and "$.status" in result.detail


def test_json_schema_strict_and_extracting() -> None:
    fenced = 'Voici le résultat :\n```json\n{"order": 7, "status": "pending"}\n```'
    assert evaluate("json-schema", fenced, schema=SCHEMA).passed is False
    assert evaluate("json-schema", fenced, schema=SCHEMA, extract=True).passed
    missing = evaluate("json-schema", '{"order": 7}', schema=SCHEMA)
    assert missing.passed is False and "'status' is a required property" in missing.detail


def test_json_schema_configuration_errors() -> None:
    with pytest.raises(CriterionConfigError, match="needs 'schema'"):
        evaluate("json-schema", "{}")
    with pytest.raises(CriterionConfigError, match="invalid JSON schema"):
        evaluate("json-schema", "{}", schema={"type": "objet"})


def test_contains_json_finds_an_object_inside_prose() -> None:
    text = 'Bien reçu. {"order": 10452, "status": "shipped"} Bonne journée !'
    assert evaluate("contains-json", text).passed
    assert evaluate("contains-json", text, schema=SCHEMA).passed
    assert evaluate("contains-json", "Pas de données {ici}").passed is False
    wrong = evaluate("contains-json", '{"order": "x"} puis {"a": 1}', schema=SCHEMA)
    assert wrong.passed is False and "no JSON object matches" in wrong.detail
    assert evaluate("not-contains-json", "Aucune donnée structurée.").passed


def test_length_in_chars_words_and_tokens() -> None:
    text = "Votre colis arrive demain matin."
    assert evaluate("length", text, max=40).passed
    assert evaluate("length", text, max=20).passed is False
    words = evaluate("length", text, unit="words", min=3, max=5)
    assert words.passed and words.value == 5
    assert evaluate("length", text, unit="words", min=6).passed is False


def test_length_in_tokens_uses_the_counter_or_says_it_estimates() -> None:
    text = "Votre colis arrive demain matin."
    estimated = evaluate("length", text, unit="tokens", max=6)
    assert estimated.value == 6 and "estimate" in estimated.detail  # round(5 × 1.3)
    counted = evaluate(
        "length",
        text,
        unit="tokens",
        max=6,
        context=ctx(text, token_counter=lambda s: len(s)),
    )
    assert counted.passed is False and counted.value == len(text)
    assert "estimate" not in counted.detail


def test_length_configuration_errors() -> None:
    with pytest.raises(CriterionConfigError, match="needs 'min', 'max' or both"):
        evaluate("length", "x")
    with pytest.raises(CriterionConfigError, match="greater than 'max'"):
        evaluate("length", "x", min=10, max=2)
    with pytest.raises(CriterionConfigError, match="'unit' must be one of"):
        evaluate("length", "x", unit="lines", max=3)


def test_latency() -> None:
    fast = ctx("ok", cell=cell("ok", latency_ms=850.0))
    slow = ctx("ok", cell=cell("ok", latency_ms=4200.0))
    assert evaluate("latency", "ok", context=fast, max_ms=2000).passed
    result = evaluate("latency", "ok", context=slow, max_ms=2000)
    assert result.passed is False and result.value == 4200.0
    cached = ctx("ok", cell=cell("ok", latency_ms=3.0, cache_hit=True))
    assert evaluate("latency", "ok", context=cached, max_ms=2000).passed is None
    assert evaluate("latency", "ok", max_ms=2000).passed is None  # no cell: not applicable
    with pytest.raises(CriterionConfigError, match="needs 'max_ms'"):
        evaluate("latency", "ok", context=fast)


def test_cost() -> None:
    cheap = ctx("ok", cell=cell("ok", cost_usd=0.0004))
    dear = ctx("ok", cell=cell("ok", cost_usd=0.03))
    assert evaluate("cost", "ok", context=cheap, max_usd=0.001).passed
    assert evaluate("cost", "ok", context=dear, max_usd=0.001).passed is False
    assert evaluate("not-cost", "ok", context=dear, max_usd=0.001).passed
    unknown = evaluate("cost", "ok", context=ctx("ok", cell=cell("ok")), max_usd=0.001)
    assert unknown.passed is None and "unknown" in unknown.detail
