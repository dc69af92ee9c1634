"""javascript / python / transformed criteria: promptfoo's result semantics, and sandboxes that
stop hostile code with a clear error instead of hanging or reaching files and network."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.core.models import CriterionSpec, DatasetRow
from workbench.scoring import js_sandbox, py_sandbox
from workbench.scoring.js_sandbox import function_body
from workbench.scoring.registry import CriterionRegistry
from workbench.scoring.results import CriterionConfigError, CriterionResult, ScoringContext

REGISTRY = CriterionRegistry.default()
ROW = DatasetRow(id="r1", vars={"answer": "Yes", "n": 3}, expected="42")


def evaluate(kind: str, output: str = '{"a": 2}', **config: Any) -> CriterionResult:
    return REGISTRY.evaluate(
        CriterionSpec(kind=kind, config=config), ScoringContext(output=output, row=ROW)
    )


@pytest.mark.parametrize(
    ("code", "body"),
    [
        ("output.length > 10", "return output.length > 10"),
        ("output.length > 10;", "return output.length > 10"),
        ("const n = output.length; n > 3;", "const n = output.length; return n > 3"),
        ("let s = 'a;b'; s === output", "let s = 'a;b'; return s === output"),
        ("const x = 1;\nreturn x", "const x = 1;\nreturn x"),
    ],
)
def test_function_bodies_are_built_as_promptfoo_builds_them(code: str, body: str) -> None:
    assert function_body(code) == body


@pytest.mark.parametrize(
    ("config", "passed", "score"),
    [
        ({"code": "JSON.parse(output).a === 2"}, True, 1.0),
        ({"code": "JSON.parse(output).a === 3;"}, False, 0.0),
        ({"code": "JSON.parse(output).a === 3", "inverse": True}, True, 1.0),
        ({"code": "context.vars.answer === 'Yes' && context.vars.n === 3"}, True, 1.0),
        ({"code": "context.test.metadata.expected === '42'"}, True, 1.0),
        ({"code": "0.4"}, True, 1.0),  # a number above 0 passes without a threshold
        ({"code": "0.4", "threshold": 0.5}, False, 0.0),
        ({"code": "0.4", "threshold": 0.3, "raw_score": True}, True, 0.4),
        ({"code": "0"}, False, 0.0),
        (
            {
                "code": "const v = JSON.parse(output);\n"
                "return {pass: v.a > 1, score: 0.7, reason: 'ok'}"
            },
            True,
            1.0,
        ),
        ({"code": "({pass: true, score: 1})"}, False, 0.0),  # no reason: not a GradingResult
        ({"code": "'yes'"}, False, 0.0),  # a string is refused by promptfoo: a fail
        ({"code": "JSON.parse('not json')"}, False, 0.0),  # a throw fails the assertion
        ({"code": "output.a === 2", "transforms": ["JSON.parse(output)"]}, True, 1.0),
    ],
)
def test_javascript_results_read_like_promptfoo(
    config: dict[str, Any], passed: bool, score: float
) -> None:
    result = evaluate("javascript", **config)
    assert (result.passed, result.score, result.error) == (passed, score, None), result.detail


@pytest.mark.parametrize(
    ("code", "passed"),
    [
        ("json.loads(output)['a'] == 2", True),
        ("'false'", False),
        ("'true'", True),
        ("0.0", False),
        (
            "import json\nv = json.loads(output)\n"
            "return {'pass': v['a'] == 2, 'score': 1, 'reason': 'r'}",
            True,
        ),
        ("context['vars']['answer'] == 'Yes'", True),
        ("1 / 0", False),
    ],
)
def test_python_results_read_like_promptfoo(code: str, passed: bool) -> None:
    result = evaluate("python", code=code)
    assert (result.passed, result.error) == (passed, None), result.detail


def test_a_transformed_criterion_scores_the_transformed_output() -> None:
    inner = {"kind": "contains", "config": {"value": "HELLO"}}
    assert evaluate(
        "transformed", "hello", transforms=["output.toUpperCase()"], criterion=inner
    ).passed
    as_json = {"kind": "equals", "config": {"value": '{"a":2}', "strip": False}}
    assert evaluate(
        "transformed", '{"a": 2}', transforms=["JSON.parse(output)"], criterion=as_json
    ).passed
    failed = evaluate("transformed", "x", transforms=["output.nope.deeper"], criterion=inner)
    assert failed.passed is None and "the transform failed" in str(failed.error)
    with pytest.raises(CriterionConfigError, match="needs 'criterion'"):
        evaluate("transformed", "x", transforms=["output"])


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("javascript", "while (true) {}\nreturn true", "time limit"),
        (
            "javascript",
            "const a = [];\nwhile (true) { a.push(new Array(1e6).fill(1)); }",
            "memory limit",
        ),
        (
            "javascript",
            "require('fs').readFileSync('/etc/passwd', 'utf8').length > 0",
            "no file, network",
        ),
        ("javascript", "fetch('http://127.0.0.1:9/')", "no file, network"),
        ("python", "while True:\n    pass", "time limit"),
        ("python", "x = [0] * (10**10)\nreturn True", "memory limit"),
        ("python", "open('/etc/passwd').read() != ''", "cannot open files"),
        ("python", "__import__('socket').socket()", "cannot import socket"),
        ("python", "import os\nreturn os.listdir('.')", "cannot list folders"),
    ],
)
def test_hostile_scripts_are_stopped_with_a_clear_error(
    kind: str, code: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if message != "time limit":
        # Only the endless loops should meet the time limit. On a loaded machine, filling 128 MB
        # or starting a Python process can take longer than the default limit, which would
        # stop those scripts for time before they reach what the case is about.
        monkeypatch.setattr(js_sandbox, "TIMEOUT_S", 60.0)
        monkeypatch.setattr(py_sandbox, "TIMEOUT_S", 60.0)
    result = evaluate(kind, code=code)
    assert result.passed is None and result.score is None
    assert result.error is not None and message in result.error
    # The sandbox is still usable afterwards.
    assert evaluate(kind, code="1 == 1" if kind == "python" else "1 === 1").passed is True
