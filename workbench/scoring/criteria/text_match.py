"""Exact text checks: equals, contains / icontains (any or all), regex, starts-with.

Case sensitivity follows promptfoo: ``contains``, ``equals``, ``regex`` and ``starts-with`` are
case-sensitive unless told otherwise; ``icontains`` ignores case.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from workbench.core.models import CriterionSpec
from workbench.scoring.config import (
    check_known_keys,
    config_error,
    get_bool,
    get_choice,
    get_str,
    get_values,
)
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.results import (
    CriterionResult,
    ScoringContext,
    not_applicable,
    passed_result,
)


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# --- equals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EqualsConfig:
    value: Any
    ignore_case: bool
    strip: bool


def _parse_equals(spec: CriterionSpec) -> _EqualsConfig:
    check_known_keys(spec, {"value", "ignore_case", "strip"})
    value = spec.config.get("value")
    if value is not None and not isinstance(value, dict | list):
        value = get_str(spec, "value")
    return _EqualsConfig(value, get_bool(spec, "ignore_case", False), get_bool(spec, "strip", True))


def evaluate_equals(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """The output equals ``value`` (or the row's expected answer when no value is given).

    A dict or list value compares the output parsed as JSON (key order does not matter).
    ``strip`` (default true) ignores surrounding whitespace; ``ignore_case`` compares casefolded.
    """
    config = _parse_equals(spec)
    expected = config.value if config.value is not None else ctx.row.expected
    if expected is None:
        return not_applicable(spec, "no value configured and the row has no expected answer")
    if isinstance(expected, dict | list):
        try:
            parsed = json.loads(ctx.output)
        except ValueError:
            return passed_result(spec, False, "output is not JSON, so it cannot equal the value")
        same = parsed == expected
        return passed_result(spec, same, "JSON equal" if same else "JSON differs from the value")
    output, wanted = ctx.output, str(expected)
    if config.strip:
        output, wanted = output.strip(), wanted.strip()
    if config.ignore_case:
        output, wanted = output.casefold(), wanted.casefold()
    same = output == wanted
    return passed_result(
        spec, same, f"equals {_quote(wanted)}" if same else f"differs from {_quote(wanted)}"
    )


# --- contains / icontains ---------------------------------------------------------------------


@dataclass(frozen=True)
class _ContainsConfig:
    values: list[str]
    mode: str


def _parse_contains(spec: CriterionSpec) -> _ContainsConfig:
    check_known_keys(spec, {"value", "values", "mode"})
    return _ContainsConfig(get_values(spec), get_choice(spec, "mode", {"any", "all"}, "any"))


def _contains(spec: CriterionSpec, ctx: ScoringContext, *, ignore_case: bool) -> CriterionResult:
    config = _parse_contains(spec)
    haystack = ctx.output.lower() if ignore_case else ctx.output
    found = [v for v in config.values if (v.lower() if ignore_case else v) in haystack]
    missing = [v for v in config.values if v not in found]
    passed = bool(found) if config.mode == "any" else not missing
    parts = []
    if found:
        parts.append("found " + ", ".join(_quote(v) for v in found))
    if missing:
        parts.append("missing " + ", ".join(_quote(v) for v in missing))
    return passed_result(spec, passed, "; ".join(parts) + f" (needs {config.mode})")


def evaluate_contains(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """Case-sensitive substring check; ``mode: any`` (default) or ``all`` over ``values``."""
    return _contains(spec, ctx, ignore_case=False)


def evaluate_icontains(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """Like `evaluate_contains`, ignoring case."""
    return _contains(spec, ctx, ignore_case=True)


# --- regex ------------------------------------------------------------------------------------

_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def _parse_regex(spec: CriterionSpec) -> re.Pattern[str]:
    check_known_keys(spec, {"pattern", "value", "flags"})
    if "pattern" in spec.config and "value" in spec.config:
        raise config_error(spec, "give either 'pattern' or 'value', not both")
    pattern = get_str(spec, "pattern" if "pattern" in spec.config else "value", None)
    if pattern is None:
        raise config_error(spec, "needs 'pattern' (a regular expression)")
    flag_text = get_str(spec, "flags", "")
    flags = 0
    for letter in flag_text:
        if letter not in _FLAGS:
            raise config_error(spec, f"unknown regex flag {letter!r}; use i, m, s or x")
        flags |= _FLAGS[letter]
    try:
        return re.compile(pattern, flags)
    except re.error as error:
        raise config_error(spec, f"bad regular expression {pattern!r}: {error}") from error


def evaluate_regex(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """The pattern is found anywhere in the output (a search, as promptfoo's ``test``)."""
    pattern = _parse_regex(spec)
    match = pattern.search(ctx.output)
    if match:
        return passed_result(spec, True, f"matched {_quote(match.group(0))}")
    return passed_result(spec, False, f"no match for /{pattern.pattern}/")


# --- starts-with ------------------------------------------------------------------------------


def _parse_starts_with(spec: CriterionSpec) -> tuple[str, bool, bool]:
    check_known_keys(spec, {"value", "ignore_case", "strip"})
    return (
        get_str(spec, "value"),
        get_bool(spec, "ignore_case", False),
        get_bool(spec, "strip", True),
    )


def evaluate_starts_with(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """The output begins with ``value``; ``strip`` (default true) skips leading whitespace."""
    value, ignore_case, strip = _parse_starts_with(spec)
    output = ctx.output.lstrip() if strip else ctx.output
    if ignore_case:
        output, value = output.casefold(), value.casefold()
    passed = output.startswith(value)
    start = output[: max(len(value), 20)]
    return passed_result(
        spec, passed, f"starts with {_quote(value)}" if passed else f"starts with {_quote(start)}"
    )


KINDS = (
    CriterionKind("equals", evaluate_equals, _parse_equals, "output equals a text or JSON value"),
    CriterionKind("contains", evaluate_contains, _parse_contains, "contains text (case-sensitive)"),
    CriterionKind("icontains", evaluate_icontains, _parse_contains, "contains text, any case"),
    CriterionKind("regex", evaluate_regex, _parse_regex, "matches a regular expression"),
    CriterionKind("starts-with", evaluate_starts_with, _parse_starts_with, "begins with a text"),
)
