"""Rubric criteria written as promptfoo ``assert:`` entries: the reverse of
`workbench.scoring.promptfoo_asserts`.

Each criterion becomes the assertion promptfoo evaluates the same way, or a ``javascript``
assertion where the workbench's option has no promptfoo keyword (``equals`` that trims
surrounding whitespace by default, case-insensitive ``starts-with``, regex flags, length in
characters counted as code points). Criteria with no promptfoo equivalent (register checks,
expected facts tolerant of typos, similarity, refusal / unanswered detection, JSON-schema
keywords promptfoo reads differently...) are returned in ``unsupported`` with their name, so the
export lists them instead of dropping them.

A criterion that compares with the row's expected answer (``equals`` without a value) becomes
an assertion on each test that has one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from workbench.core.models import CriterionSpec, DatasetRow, RubricContent
from workbench.scoring.results import criterion_label

_REGEX_PYTHON_ONLY = re.compile(r"\(\?P[<=]|\(\?[aiLmsux-]+\)|\\[AZz]")


@dataclass
class RubricAsserts:
    """A rubric as promptfoo assertions.

    Attributes:
        asserts: for ``defaultTest.assert``.
        per_row: criteria that need the row's expected answer (see `row_asserts`).
        unsupported: one line per criterion left out, naming it.
        notes: approximations and caveats.
        threshold: the promptfoo test ``threshold`` to set, or None when "all must pass" is the
            same rule.
    """

    asserts: list[dict[str, Any]] = field(default_factory=list)
    per_row: list[CriterionSpec] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    threshold: float | None = None


def _js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _with_meta(spec: CriterionSpec, entry: dict[str, Any]) -> dict[str, Any]:
    if spec.weight != 1.0:
        entry["weight"] = spec.weight
    if spec.name:
        entry["metric"] = spec.name
    return entry


def _equals(spec: CriterionSpec, value: Any, prefix: str) -> dict[str, Any]:
    config = spec.config
    strip = config.get("strip", True)
    ignore_case = config.get("ignore_case", False)
    if isinstance(value, dict | list) or (not strip and not ignore_case):
        return {"type": f"{prefix}equals", "value": value}
    left = "output.trim()" if strip else "output"
    right = _js(str(value).strip() if strip else str(value))
    if ignore_case:
        left, right = f"{left}.toLowerCase()", f"{right}.toLowerCase()"
    test = f"{left} === {right}"
    return {"type": "javascript", "value": f"!({test})" if prefix else test}


def _criterion(spec: CriterionSpec, notes: list[str]) -> dict[str, Any] | None:
    """The assertion for one criterion, or None when promptfoo has no equivalent."""
    kind = spec.kind
    prefix = "not-" if kind.startswith("not-") else ""
    base = kind.removeprefix("not-")
    config = spec.config
    if base in {"contains", "icontains"}:
        values = config.get("values")
        if values is None:
            return {"type": f"{prefix}{base}", "value": config.get("value")}
        mode = config.get("mode", "any")
        return {"type": f"{prefix}{base}-{mode}", "value": list(values)}
    if base == "equals":
        if "value" not in config:
            return None  # compared with each row's expected answer: see row_asserts
        return _equals(spec, config["value"], prefix)
    if base == "regex":
        pattern = config.get("pattern", config.get("value"))
        flags = config.get("flags", "")
        if not isinstance(pattern, str) or "x" in flags or _REGEX_PYTHON_ONLY.search(pattern):
            return None
        if not flags:
            return {"type": f"{prefix}regex", "value": pattern}
        test = f"new RegExp({_js(pattern)}, {_js(flags)}).test(output)"
        return {"type": "javascript", "value": f"!{test}" if prefix else test}
    if base == "starts-with":
        value = str(config.get("value", ""))
        strip = config.get("strip", True)
        if not strip and not config.get("ignore_case", False):
            return {"type": f"{prefix}starts-with", "value": value}
        left = "output.trimStart()" if strip else "output"
        right = _js(value)
        if config.get("ignore_case", False):
            left, right = f"{left}.toLowerCase()", f"{right}.toLowerCase()"
        test = f"{left}.startsWith({right})"
        return {"type": "javascript", "value": f"!{test}" if prefix else test}
    if base in {"is-json", "contains-json"}:
        entry: dict[str, Any] = {"type": f"{prefix}{base}"}
        if config.get("schema") is not None:
            entry["value"] = config["schema"]
        return entry
    if base == "json-schema" and not prefix and not config.get("extract", False):
        return {"type": "is-json", "value": config.get("schema")}
    if base == "levenshtein" and not prefix and "value" in config:
        return {
            "type": "levenshtein",
            "value": config["value"],
            "threshold": config.get("max_distance", 5),
        }
    if base == "cost" and "max_usd" in config:
        return {"type": f"{prefix}cost", "threshold": config["max_usd"]}
    if base == "latency" and "max_ms" in config:
        return {"type": f"{prefix}latency", "threshold": config["max_ms"]}
    if base == "length" and not prefix and config.get("unit", "chars") == "chars":
        bounds = []
        if config.get("min") is not None:
            bounds.append(f"[...output].length >= {config['min']}")
        if config.get("max") is not None:
            bounds.append(f"[...output].length <= {config['max']}")
        if bounds:
            return {"type": "javascript", "value": " && ".join(bounds)}
        return None
    if kind == "llm-judge":
        criterion = config.get("criterion")
        if not isinstance(criterion, str):
            return None
        notes.append(
            f"criterion {criterion_label(spec)}: promptfoo grades llm-rubric with its own grader"
            " model (set defaultTest.options.provider), not the workbench's judge"
        )
        if config.get("scale") == "1-5":
            pass_min = int(config.get("pass_min", 4))
            return {"type": "llm-rubric", "value": criterion, "threshold": (pass_min - 1) / 4}
        return {"type": "llm-rubric", "value": criterion}
    return None


def rubric_asserts(rubric: RubricContent) -> RubricAsserts:
    """Convert a whole rubric (see the module docstring)."""
    result = RubricAsserts()
    for position, spec in enumerate(rubric.criteria, start=1):
        if spec.kind in {"equals", "not-equals"} and "value" not in spec.config:
            result.per_row.append(spec)
            continue
        entry = _criterion(spec, result.notes)
        if entry is None:
            result.unsupported.append(
                f"#{position} {criterion_label(spec)}: no promptfoo assertion checks the same"
            )
            continue
        result.asserts.append(_with_meta(spec, entry))
    # Without a threshold promptfoo fails a test on any failed assertion of non-zero weight (it
    # marks weight-0 ones passed), which is the workbench's threshold 1.0 with 0/1 scores; a
    # lower threshold is the weighted mean reaching it, which promptfoo's threshold states.
    # Setting threshold 1 instead would fail a test whose assertions all weigh 0 (promptfoo
    # scores it 0), which the workbench passes.
    if rubric.threshold < 1.0:
        result.threshold = rubric.threshold
        if rubric.criteria and all(spec.weight == 0 for spec in rubric.criteria):
            result.notes.append(
                "every criterion weighs 0: promptfoo scores such a test 0 and fails it under"
                f" threshold {rubric.threshold}, where the workbench passes it"
            )
    if result.unsupported:
        result.notes.append(
            "criteria left out change the weighted score: promptfoo's pass/fail can differ"
            " from the workbench's on the same output"
        )
    return result


def row_asserts(row: DatasetRow, converted: RubricAsserts) -> list[dict[str, Any]]:
    """Assertions for one test: the per-row criteria (expected answer) then the row's own."""
    asserts: list[dict[str, Any]] = []
    if row.expected is not None:
        for spec in converted.per_row:
            prefix = "not-" if spec.kind.startswith("not-") else ""
            asserts.append(_with_meta(spec, _equals(spec, row.expected, prefix)))
    asserts.extend(dict(entry) for entry in row.asserts)
    return asserts
