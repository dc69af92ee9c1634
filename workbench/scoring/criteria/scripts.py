"""Script criteria with promptfoo's semantics: ``javascript``, ``python`` and ``transformed``.

* ``javascript`` — config ``code`` (an expression, or a multi-line function body with
  ``return``), optional ``threshold``, ``inverse`` (promptfoo's ``not-javascript``),
  ``transforms`` (JavaScript applied to the output first, in order), ``raw_score`` and
  ``assert_config`` (promptfoo's assertion ``config``, seen as ``context.config``). Runs in the
  V8 sandbox of `workbench.scoring.js_sandbox`.
* ``python`` — the same keys, ``code`` being Python; runs in the limited child process of
  `workbench.scoring.py_sandbox`.
* ``transformed`` — config ``transforms`` and ``criterion`` (``{kind, config}`` of any
  deterministic criterion): the inner criterion scores the transformed output (non-text results
  as compact JSON, as promptfoo passes them to text assertions).

Results as promptfoo reads them: ``true`` / ``false`` pass or fail; a number passes when above 0
(or at least ``threshold``) and is the score; a GradingResult ``{pass, score, reason}`` is taken
as given. An exception thrown by the code, or a value of another type, fails the assertion (as
in promptfoo). A script stopped by the time or memory limit, or trying to reach files, network
or modules, is an error for that cell, never a hang and never a fail.

``score`` is 1/0 from pass/fail unless ``raw_score`` is true (a promptfoo test with a
``threshold`` averages the assertions' own scores; without one only pass/fail counts).
"""

from __future__ import annotations

import json
import re
from typing import Any

from workbench.core.models import CriterionSpec
from workbench.scoring.config import config_error
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.js_sandbox import (
    ScriptError,
    ScriptLimitError,
    run_javascript,
    to_output_text,
)
from workbench.scoring.py_sandbox import run_python
from workbench.scoring.results import (
    CriterionResult,
    ScoringContext,
    criterion_name,
    error_result,
)

_NO_ACCESS = re.compile(
    r"ReferenceError: (require|fetch|process|XMLHttpRequest|WebSocket|Deno|Bun|module|"
    r"__dirname|__filename) is not defined"
)
_SCRIPT_KEYS = {"code", "threshold", "inverse", "transforms", "raw_score", "assert_config"}


def _context(ctx: ScoringContext, spec: CriterionSpec) -> dict[str, Any]:
    row = ctx.row
    test: dict[str, Any] = {"vars": row.vars, "description": row.id}
    metadata: dict[str, Any] = {}
    if row.expected is not None:
        metadata["expected"] = row.expected
    if row.tags:
        metadata["tags"] = list(row.tags)
    if metadata:
        test["metadata"] = metadata
    context: dict[str, Any] = {"vars": row.vars, "test": test}
    assert_config = spec.config.get("assert_config")
    if isinstance(assert_config, dict):
        context["config"] = assert_config
    return context


def _check(spec: CriterionSpec, keys: set[str]) -> None:
    unknown = sorted(set(spec.config) - keys)
    if unknown:
        raise config_error(spec, f"unknown option(s) {', '.join(unknown)}")
    transforms = spec.config.get("transforms", [])
    if not isinstance(transforms, list) or not all(isinstance(t, str) for t in transforms):
        raise config_error(spec, "'transforms' must be a list of JavaScript texts")
    threshold = spec.config.get("threshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int | float)
    ):
        raise config_error(spec, f"'threshold' must be a number, not {threshold!r}")


def _validate_script(spec: CriterionSpec) -> None:
    _check(spec, _SCRIPT_KEYS)
    code = spec.config.get("code")
    if not isinstance(code, str) or not code.strip():
        raise config_error(spec, "needs 'code' (the script's text)")


def apply_transforms(spec: CriterionSpec, ctx: ScoringContext) -> Any:
    """The output after the criterion's ``transforms`` (raises the sandbox's errors)."""
    value: Any = ctx.output
    context = _context(ctx, spec)
    for code in spec.config.get("transforms", []):
        kind, value = run_javascript(code, value, context, expression=True)
        if kind == "undefined" or value is None:
            raise ScriptError("the transform returned no value (null or undefined)")
    return value


def _result(
    spec: CriterionSpec, passed: bool, score: float, detail: str, value: float | None = None
) -> CriterionResult:
    raw = bool(spec.config.get("raw_score", False))
    shown = min(1.0, max(0.0, score)) if raw else (1.0 if passed else 0.0)
    return CriterionResult(
        kind=spec.kind,
        name=criterion_name(spec),
        passed=passed,
        score=shown,
        detail=detail,
        value=value,
    )


def _failed(spec: CriterionSpec, why: str) -> CriterionResult:
    return _result(spec, False, 0.0, why)


def _grading(
    spec: CriterionSpec, result: Any, language: str, *, check_threshold: bool
) -> CriterionResult | None:
    """A GradingResult-like object as promptfoo normalises it, or None when it is not one."""
    if not isinstance(result, dict):
        return None
    passed = result.get("pass", result.get("pass_"))
    score = result.get("score")
    reason = result.get("reason")
    # promptfoo's isGradingResult: pass boolean, score number and reason text are all required.
    if not isinstance(passed, bool) or not isinstance(reason, str):
        return None
    if isinstance(score, bool) or not isinstance(score, int | float):
        return None
    threshold = spec.config.get("threshold")
    if check_threshold and threshold is not None and score < threshold:
        passed = False
        reason = f"{language} score {score:g} is less than threshold {threshold:g}: {reason}"
    inverse = bool(spec.config.get("inverse", False))
    final = passed != inverse
    return _result(spec, final, float(score), reason or f"{language} returned pass={passed}")


def _number(spec: CriterionSpec, value: float, language: str) -> CriterionResult:
    threshold = spec.config.get("threshold")
    raw_pass = value > 0 if threshold is None else value >= threshold
    passed = raw_pass != bool(spec.config.get("inverse", False))
    bound = "> 0" if threshold is None else f">= {threshold:g}"
    return _result(
        spec, passed, float(value), f"{language} returned {value:g} (passes {bound})", value
    )


def _boolean(spec: CriterionSpec, value: bool, language: str) -> CriterionResult:
    passed = value != bool(spec.config.get("inverse", False))
    return _result(
        spec, passed, 1.0 if passed else 0.0, f"{language} returned {str(value).lower()}"
    )


def _read_js(spec: CriterionSpec, kind: str, value: Any) -> CriterionResult:
    if kind == "boolean":
        return _boolean(spec, bool(value), "javascript")
    if kind == "number" and isinstance(value, int | float):
        return _number(spec, float(value), "javascript")
    if kind == "object":
        graded = _grading(spec, value, "javascript", check_threshold=False)
        if graded is not None:
            return graded
    return _failed(
        spec,
        "javascript must return a boolean, a finite number or a GradingResult"
        f" ({{pass, score, reason}}); got {kind}",
    )


def _read_python(spec: CriterionSpec, value: Any) -> CriterionResult:
    if isinstance(value, bool):
        return _boolean(spec, value, "python")
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return _boolean(spec, value.lower() == "true", "python")
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return _failed(spec, f"python returned text that is not JSON: {value[:80]}")
    if isinstance(value, dict):
        graded = _grading(spec, value, "Python", check_threshold=True)
        if graded is not None:
            return graded
        return _failed(spec, "python must return a boolean, a number or {pass, score, reason}")
    if isinstance(value, int | float):
        return _number(spec, float(value), "python")
    try:
        number = float(str(value))
    except ValueError:
        return _failed(spec, f"python must return a boolean, a number or a dict; got {value!r}")
    return _number(spec, number, "python")


def evaluate_javascript(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """promptfoo's ``javascript`` assertion (see the module docstring)."""
    _validate_script(spec)
    try:
        output = apply_transforms(spec, ctx)
        kind, value = run_javascript(spec.config["code"], output, _context(ctx, spec))
    except ScriptLimitError as error:
        return error_result(spec, str(error))
    except ScriptError as error:
        if _NO_ACCESS.search(str(error)):
            return error_result(
                spec, f"javascript has no file, network or module access here ({error})"
            )
        return _failed(spec, f"javascript threw: {error}")
    return _read_js(spec, kind, value)


def evaluate_python(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """promptfoo's ``python`` assertion (see the module docstring)."""
    _validate_script(spec)
    try:
        output = apply_transforms(spec, ctx)
        _kind, value = run_python(spec.config["code"], output, _context(ctx, spec))
    except ScriptLimitError as error:
        return error_result(spec, str(error))
    except ScriptError as error:
        return _failed(spec, f"python raised: {error}")
    return _read_python(spec, value)


def _validate_transformed(spec: CriterionSpec) -> None:
    _check(spec, {"transforms", "criterion"})
    inner = spec.config.get("criterion")
    if not isinstance(inner, dict) or not isinstance(inner.get("kind"), str):
        raise config_error(spec, "needs 'criterion': {kind, config}")
    from workbench.scoring.registry import CriterionRegistry

    CriterionRegistry.default().validate(_inner(spec))


def _inner(spec: CriterionSpec) -> CriterionSpec:
    inner = spec.config["criterion"]
    return CriterionSpec(
        kind=inner["kind"], name=spec.name, weight=spec.weight, config=inner.get("config") or {}
    )


def evaluate_transformed(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """A deterministic criterion scoring the output after JavaScript transforms."""
    _validate_transformed(spec)
    from dataclasses import replace

    from workbench.scoring.registry import CriterionRegistry

    try:
        value = apply_transforms(spec, ctx)
    except (ScriptLimitError, ScriptError) as error:
        return error_result(spec, f"the transform failed: {error}")
    inner = CriterionRegistry.default().evaluate(
        _inner(spec), replace(ctx, output=to_output_text(value))
    )
    return replace(inner, kind=spec.kind)


KINDS = (
    CriterionKind(
        "javascript",
        evaluate_javascript,
        _validate_script,
        "a JavaScript expression or function body on the output (promptfoo's semantics)",
    ),
    CriterionKind(
        "python",
        evaluate_python,
        _validate_script,
        "a Python expression or function body on the output, in a limited child process",
    ),
    CriterionKind(
        "transformed",
        evaluate_transformed,
        _validate_transformed,
        "another criterion applied to the output after JavaScript transforms",
    ),
)
