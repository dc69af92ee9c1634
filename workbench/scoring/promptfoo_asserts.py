"""Build rubric criteria from promptfoo ``assert:`` entries, with promptfoo's pass/fail rules.

Supported types (and their ``not-`` forms where promptfoo honours them): ``equals``,
``contains``, ``icontains``, ``contains-any`` / ``-all``, ``icontains-any`` / ``-all``,
``regex``, ``starts-with``, ``is-json``, ``contains-json``, ``levenshtein``, ``llm-rubric``,
``cost`` and ``latency``. Semantics kept from promptfoo:

* ``contains`` / ``equals`` / ``starts-with`` / ``regex`` are case-sensitive and compare the
  output exactly (no trimming); ``icontains`` lower-cases both sides;
* ``contains`` needs one text (a list is refused by promptfoo too; use ``contains-any`` or
  ``contains-all``, whose string value is split on commas);
* ``equals`` with an object value compares the output parsed as JSON;
* ``is-json`` / ``contains-json`` take an optional schema (object or YAML/JSON text);
* ``levenshtein`` passes when the edit distance ≤ ``threshold``, which defaults to 5 — also
  when it is 0, as promptfoo reads ``threshold || 5``; promptfoo ignores ``not-`` for it, so
  ``not-levenshtein`` is reported unsupported rather than given a meaning it lacks there;
* ``cost`` / ``latency`` pass when the value ≤ ``threshold`` (required here);
* ``weight`` carries over and ``metric`` becomes the criterion's name. Weight 0 reports without
  counting, also without a ``threshold``: promptfoo 0.123.1 marks a weight-0 assertion as
  passed whatever its result (its score stays 0 and adds no weight), so it never fails a test.
  One case differs: promptfoo scores a test whose assertions all weigh 0 as 0, which fails any
  ``threshold`` above 0, while a rubric with nothing weighted passes; the conversion notes it;
* the test's ``threshold`` becomes the rubric threshold; without one every weighted assertion
  must pass, which with 0/1 scores is a threshold of 1.0.

A test's own assertions are scored together with the rubric (``defaultTest``'s), as promptfoo
combines them: `row_rubric` adds a dataset row's converted ``asserts`` to a rubric's criteria.

``llm-rubric`` becomes an ``llm-judge`` criterion on the pass/fail scale (with an assertion
``threshold``, the 1–5 scale passing from the matching score — an approximation noted in the
result). String values containing ``{{`` are rendered with the row's variables, as promptfoo
does. Anything else — other types, ``transform``, ``assert-set``, ``file://`` values — is
listed by name in ``unsupported``, never dropped silently.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from workbench.core.errors import ValidationError
from workbench.core.models import CriterionSpec, DatasetRow, RubricContent
from workbench.core.templates import render_template

TEST_TRANSFORM = "test_transform"
"""Key under which an imported row keeps its test's ``options.transform`` on each assertion
(promptfoo applies it to the output before every assertion of the test)."""

_CONTAINS_FAMILY = {
    "contains": ("contains", None),
    "icontains": ("icontains", None),
    "contains-any": ("contains", "any"),
    "contains-all": ("contains", "all"),
    "icontains-any": ("icontains", "any"),
    "icontains-all": ("icontains", "all"),
}
_NEGATABLE = {
    "contains",
    "icontains",
    "contains-any",
    "contains-all",
    "icontains-any",
    "icontains-all",
    "equals",
    "regex",
    "starts-with",
    "is-json",
    "contains-json",
    "cost",
    "latency",
    "similar",
}
_HANDLED_KEYS = {"type", "value", "weight", "metric", "threshold", "transform", TEST_TRANSFORM}
_SCRIPTS = {"javascript", "python"}
_EXTRA_KEYS = {"javascript": {"config"}, "python": {"config"}, "similar": {"provider"}}


@dataclass(frozen=True)
class PromptfooImport:
    """Criteria built from promptfoo assertions, and what could not be carried over.

    Attributes:
        criteria: one `CriterionSpec` per supported assertion, in order.
        unsupported: one line per assertion left out (``assert #3: type 'javascript'``).
        notes: approximations made (for example ``llm-rubric`` with a threshold).
    """

    criteria: tuple[CriterionSpec, ...]
    unsupported: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


class _Unsupported(Exception):
    pass


def _split_commas(text: str) -> list[str]:
    """promptfoo's comma-separated values: quotes protect commas, items are trimmed."""
    row = next(csv.reader([text], skipinitialspace=True))
    return [item.strip() for item in row if item.strip()]


def _render(value: Any, variables: Mapping[str, Any] | None, *, name: str, row: str | None) -> Any:
    if variables is None:
        return value
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        return render_template(value, variables, name=name, row=row)
    if isinstance(value, list):
        return [_render(item, variables, name=name, row=row) for item in value]
    return value


def _schema(value: Any, where: str) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.startswith("file://"):
            raise _Unsupported("a schema in a file:// reference")
        import yaml  # here only: every run's rubric goes through this module

        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError as error:
            raise ValidationError(f"{where}: the JSON schema does not parse: {error}") from error
    if not isinstance(value, dict | bool):
        raise ValidationError(f"{where}: the JSON schema must be an object")
    return value


def _text(value: Any, where: str, kind: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
        raise ValidationError(f"{where}: '{kind}' needs a text value, not {value!r}")
    return str(value)


def _convert(
    base: str, inverse: bool, entry: Mapping[str, Any], value: Any, where: str, notes: list[str]
) -> tuple[str, dict[str, Any]]:
    """The (kind, config) for one assertion; raises `_Unsupported` or `ValidationError`."""
    threshold = entry.get("threshold")
    prefix = "not-" if inverse else ""
    if base in _CONTAINS_FAMILY:
        kind, mode = _CONTAINS_FAMILY[base]
        if mode is None:
            if isinstance(value, list):
                raise ValidationError(
                    f"{where}: '{base}' takes one text; use '{base}-any' or '{base}-all' for a list"
                )
            return prefix + kind, {"value": _text(value, where, base)}
        items = _split_commas(value) if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise ValidationError(f"{where}: '{base}' needs a list of texts")
        return prefix + kind, {"values": [_text(v, where, base) for v in items], "mode": mode}
    if base == "equals":
        if not isinstance(value, dict | list):
            value = _text(value, where, base)
        return prefix + "equals", {"value": value, "strip": False}
    if base == "regex":
        return prefix + "regex", {"pattern": _text(value, where, base)}
    if base == "starts-with":
        return prefix + "starts-with", {"value": _text(value, where, base), "strip": False}
    if base in {"is-json", "contains-json"}:
        schema = _schema(value, where)
        return prefix + base, {} if schema is None else {"schema": schema}
    if base == "levenshtein":
        if inverse:
            raise _Unsupported("promptfoo ignores 'not-' for levenshtein")
        # promptfoo reads `threshold || 5`: an absent or zero threshold means 5.
        limit = threshold if isinstance(threshold, int | float) and threshold else 5
        return "levenshtein", {"value": _text(value, where, base), "max_distance": limit}
    if base in {"cost", "latency"}:
        if not isinstance(threshold, int | float) or isinstance(threshold, bool):
            raise _Unsupported(f"'{base}' without a threshold only records a metric")
        key = "max_usd" if base == "cost" else "max_ms"
        return prefix + base, {key: threshold}
    if base == "llm-rubric":
        if inverse:
            raise _Unsupported("'not-llm-rubric'")
        import yaml

        criterion = value if isinstance(value, str) else yaml.safe_dump(value)
        if not criterion or not criterion.strip():
            raise ValidationError(f"{where}: 'llm-rubric' needs the rubric text as its value")
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            pass_min = min(5, max(1, math.ceil(1 + 4 * threshold)))
            notes.append(
                f"{where}: llm-rubric threshold {threshold} mapped to the 1-5 scale "
                f"passing from {pass_min}"
            )
            return "llm-judge", {"criterion": criterion, "scale": "1-5", "pass_min": pass_min}
        return "llm-judge", {"criterion": criterion, "scale": "pass-fail"}
    if base == "similar":
        texts = value if isinstance(value, list) else [_text(value, where, base)]
        similar: dict[str, Any] = {
            "value": [_text(v, where, base) for v in texts],
            "threshold": threshold if isinstance(threshold, int | float) else 0.75,
            "embedding": embedding_target(entry.get("provider"), where),
        }
        if inverse:
            similar["inverse"] = True
        return "similar", similar
    if base in _SCRIPTS:
        code = _text(value, where, base)
        config: dict[str, Any] = {"code": code}
        if inverse:
            config["inverse"] = True
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            config["threshold"] = threshold
        if isinstance(entry.get("config"), dict):
            config["assert_config"] = entry["config"]
        return base, config
    raise _Unsupported(f"type '{prefix}{base}'")


def embedding_target(provider: Any, where: str) -> dict[str, Any]:
    """The embeddings endpoint of a promptfoo provider (``openai:embedding:M``, or
    ``{id, config: {apiBaseUrl, apiKeyEnvar}}``, or ``{embedding: ...}``); {} = defaults."""
    if provider is None:
        return {}
    if isinstance(provider, dict) and "embedding" in provider:
        provider = provider["embedding"]
    config: dict[str, Any] = {}
    if isinstance(provider, dict):
        config = provider.get("config") or {}
        provider = provider.get("id")
    if not isinstance(provider, str) or not isinstance(config, dict):
        raise _Unsupported("an embedding provider given in an unknown form")
    parts = provider.split(":")
    if parts[0] != "openai" or len(parts) < 2:
        raise _Unsupported(f"embedding provider '{provider}' (only openai:embedding:MODEL)")
    target: dict[str, Any] = {"model": parts[-1]}
    if isinstance(config.get("apiBaseUrl"), str):
        target["base_url"] = config["apiBaseUrl"]
    if isinstance(config.get("apiKeyEnvar"), str):
        target["api_key_env"] = config["apiKeyEnvar"]
    return target


def _transforms(entry: Mapping[str, Any], label: str) -> list[str]:
    """The JavaScript transforms applied before an assertion: the test's, then its own."""
    found: list[str] = []
    for key in (TEST_TRANSFORM, "transform"):
        code = entry.get(key)
        if code is None:
            continue
        if not isinstance(code, str) or not code.strip():
            raise ValidationError(f"{label}: '{key}' must be JavaScript text")
        if code.startswith("file://"):
            raise _Unsupported(f"a transform in a file ({code})")
        found.append(code)
    return found


def _with_transforms(
    kind: str, config: dict[str, Any], transforms: list[str]
) -> tuple[str, dict[str, Any]]:
    if not transforms:
        return kind, config
    if kind in _SCRIPTS:
        return kind, {**config, "transforms": transforms}
    if kind == "llm-judge":
        raise _Unsupported("a transform before llm-rubric")
    return "transformed", {"transforms": transforms, "criterion": {"kind": kind, "config": config}}


def criteria_from_promptfoo(
    asserts: Sequence[Mapping[str, Any]],
    *,
    variables: Mapping[str, Any] | None = None,
    where: str = "assert",
    row_id: str | None = None,
    raw_scores: bool = False,
) -> PromptfooImport:
    """Convert promptfoo assertions to criteria.

    Args:
        asserts: the ``assert:`` list of one test (or of ``defaultTest``).
        variables: the test's ``vars``; string values with ``{{ }}`` are rendered with them.
        where: how errors name the list (for example ``tests.yaml, test 3``).
        row_id: the dataset row, named in template errors.

    Raises:
        ValidationError: an assertion is malformed (no type, a value of the wrong shape).
    """
    criteria: list[CriterionSpec] = []
    unsupported: list[str] = []
    notes: list[str] = []
    for number, entry in enumerate(asserts, start=1):
        label = f"{where} #{number}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str):
            raise ValidationError(f"{label}: an assertion needs a 'type', got {entry!r}")
        type_ = entry["type"]
        handled = _HANDLED_KEYS | _EXTRA_KEYS.get(type_.removeprefix("not-"), set())
        extra = sorted(set(entry) - handled)
        if extra:
            unsupported.append(
                f"{label}: type '{type_}' with unsupported key(s) {', '.join(extra)}"
            )
            continue
        inverse = type_.startswith("not-")
        base = type_[4:] if inverse else type_
        negatable = base in _NEGATABLE or base in {"levenshtein", "llm-rubric", *_SCRIPTS}
        if inverse and not negatable:
            unsupported.append(f"{label}: type '{type_}'")
            continue
        value = entry.get("value")
        if isinstance(value, str) and value.startswith("file://"):
            unsupported.append(f"{label}: type '{type_}' with a file:// value")
            continue
        try:
            value = _render(value, variables, name=f"{label} value", row=row_id)
            kind, config = _convert(base, inverse, entry, value, label, notes)
            if raw_scores and kind in _SCRIPTS:
                config["raw_score"] = True
            kind, config = _with_transforms(kind, config, _transforms(entry, label))
        except _Unsupported as reason:
            unsupported.append(f"{label}: {reason}")
            continue
        weight = entry.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise ValidationError(f"{label}: 'weight' must be a number ≥ 0, not {weight!r}")
        metric = entry.get("metric")
        criteria.append(
            CriterionSpec(
                kind=kind,
                name=str(metric) if metric else None,
                weight=float(weight),
                config=config,
            )
        )
    return PromptfooImport(tuple(criteria), tuple(unsupported), tuple(notes))


def rubric_from_promptfoo(
    asserts: Sequence[Mapping[str, Any]],
    *,
    threshold: float | None = None,
    variables: Mapping[str, Any] | None = None,
    where: str = "assert",
    description: str = "",
    row_id: str | None = None,
) -> tuple[RubricContent, PromptfooImport]:
    """A rubric from one test's assertions and its ``threshold`` (see the module docstring).

    Raises:
        ValidationError: malformed assertions, or nothing supported to build a rubric from.
    """
    converted = criteria_from_promptfoo(
        asserts, variables=variables, where=where, row_id=row_id, raw_scores=threshold is not None
    )
    if not converted.criteria:
        listed = "; ".join(converted.unsupported) or "the list is empty"
        raise ValidationError(f"{where}: no supported assertion to build a rubric from ({listed})")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int | float)
    ):
        raise ValidationError(f"{where}: 'threshold' must be a number, not {threshold!r}")
    rubric = RubricContent(
        description=description,
        threshold=1.0 if threshold is None else min(1.0, max(0.0, float(threshold))),
        criteria=converted.criteria,
    )
    if threshold and all(spec.weight == 0 for spec in converted.criteria):
        converted = replace(
            converted,
            notes=(
                *converted.notes,
                f"{where}: every assertion weighs 0, so promptfoo scores the test 0 and fails"
                f" it under threshold {threshold}; here nothing weighted means a pass",
            ),
        )
    return rubric, converted


def row_rubric(rubric: RubricContent, row: DatasetRow) -> RubricContent:
    """The rubric a row is scored with: `rubric`'s criteria, then the row's own assertions
    (converted, ``{{ var }}`` rendered with the row's vars), under `rubric`'s threshold.

    Assertions with no equivalent are left out here; importing the dataset listed them.

    Raises:
        ValidationError: a malformed assertion on the row (names the row and its position).
        TemplateError: an assertion value that does not render with the row's vars.
    """
    if not row.asserts:
        return rubric
    converted = criteria_from_promptfoo(
        row.asserts,
        variables=row.vars,
        where=f"row {row.id} assert",
        row_id=row.id,
        raw_scores=rubric.threshold < 1.0,
    )
    return rubric.model_copy(update={"criteria": (*rubric.criteria, *converted.criteria)})


def rubric_from_row(
    row: DatasetRow, *, where: str = "dataset"
) -> tuple[RubricContent, PromptfooImport]:
    """The rubric a dataset row's own promptfoo assertions describe (rendered with its vars)."""
    return rubric_from_promptfoo(
        row.asserts, variables=row.vars, where=f"{where}, row {row.id}", row_id=row.id
    )


def _uses_variables(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, list):
        return any(_uses_variables(item) for item in value)
    return False


def _test_label(test: Mapping[str, Any], number: int) -> str:
    description = test.get("description")
    return f"test {number} ({description!r})" if description else f"test {number}"


def _asserts_of(owner: Mapping[str, Any], where: str) -> list[Any]:
    asserts = owner.get("assert") or []
    if not isinstance(asserts, list):
        raise ValidationError(f"{where}: 'assert' must be a list of assertions")
    return asserts


def _pick_test(tests: list[Mapping[str, Any]], wanted: str, where: str) -> int:
    if wanted.isdigit() and 1 <= int(wanted) <= len(tests):
        return int(wanted) - 1
    matches = [i for i, test in enumerate(tests) if str(test.get("description", "")) == wanted]
    if len(matches) == 1:
        return matches[0]
    named = ", ".join(repr(str(t.get("description"))) for t in tests if t.get("description"))
    raise ValidationError(
        f"{where}: no single test {wanted!r}; give a test number from 1 to {len(tests)}"
        + (f" or one of the descriptions {named}" if named else "")
    )


def rubric_from_promptfoo_config(
    config: Mapping[str, Any], *, where: str = "promptfoo config", test: str | None = None
) -> tuple[RubricContent, PromptfooImport]:
    """A rubric from a promptfoo configuration's assertions.

    Without `test`, the rubric holds ``defaultTest.assert`` plus the assertions every test
    shares; an assertion that uses test variables (``{{ … }}``) cannot be part of a rubric for
    all rows and is listed as unsupported, and the assertions particular to some tests are
    listed in ``notes`` (they stay with their rows when the tests are imported as a dataset).
    With `test` (a 1-based number or a test's ``description``), the rubric holds
    ``defaultTest.assert`` plus that test's assertions, rendered with its ``vars``.

    Raises:
        ValidationError: a malformed configuration, an unknown test, or nothing supported.
    """
    if not isinstance(config, Mapping):
        raise ValidationError(f"{where}: a promptfoo configuration is a mapping of keys")
    default = config.get("defaultTest") or {}
    if not isinstance(default, Mapping):
        raise ValidationError(f"{where}: 'defaultTest' must be a mapping (a file:// is not read)")
    default_asserts = _asserts_of(default, f"{where}, defaultTest")
    raw_tests = config.get("tests") or []
    notes: list[str] = []
    if isinstance(raw_tests, str):
        notes.append(f"{where}: tests in {raw_tests!r} were not read")
        raw_tests = []
    if not isinstance(raw_tests, list) or not all(isinstance(t, Mapping) for t in raw_tests):
        raise ValidationError(f"{where}: 'tests' must be a list of tests")
    tests: list[Mapping[str, Any]] = raw_tests
    description = str(config.get("description") or "")
    threshold = default.get("threshold")
    if test is not None:
        index = _pick_test(tests, test, where)
        chosen = tests[index]
        label = f"{where}, {_test_label(chosen, index + 1)}"
        variables = chosen.get("vars") or {}
        if not isinstance(variables, Mapping):
            raise ValidationError(f"{label}: 'vars' must be a mapping")
        rubric, converted = rubric_from_promptfoo(
            [*default_asserts, *_asserts_of(chosen, label)],
            threshold=chosen.get("threshold", threshold),
            variables=variables,
            where=label,
            description=description,
        )
        return rubric, converted

    per_test = [_asserts_of(t, f"{where}, {_test_label(t, n)}") for n, t in enumerate(tests, 1)]
    with_asserts = [asserts for asserts in per_test if asserts]
    shared = [
        entry
        for entry in (with_asserts[0] if with_asserts else [])
        if all(entry in others for others in with_asserts[1:]) and entry not in default_asserts
    ]
    for number, asserts in enumerate(per_test, start=1):
        particular = [entry for entry in asserts if entry not in shared]
        if particular:
            kinds = ", ".join(
                sorted({str(e.get("type")) for e in particular if isinstance(e, dict)})
            )
            notes.append(
                f"{where}, {_test_label(tests[number - 1], number)}: {len(particular)}"
                f" assertion(s) of its own ({kinds}) left out; they stay with the row when the"
                " tests are imported as a dataset"
            )
    candidates = [*default_asserts, *shared]
    usable = [entry for entry in candidates if not _uses_variables(_value_of(entry))]
    skipped = [
        f"{where}: type '{_type_of(entry)}' uses test variables ({{{{ … }}}}), so it cannot"
        " score every row alike"
        for entry in candidates
        if _uses_variables(_value_of(entry))
    ]
    if not usable:
        listed = "; ".join(skipped) or "no defaultTest.assert and no assertion shared by all tests"
        raise ValidationError(
            f"{where}: nothing to build a rubric for every row from ({listed});"
            " pick one test's assertions instead"
        )
    rubric, converted = rubric_from_promptfoo(
        usable, threshold=threshold, where=where, description=description
    )
    return rubric, PromptfooImport(
        criteria=converted.criteria,
        unsupported=(*skipped, *converted.unsupported),
        notes=(*converted.notes, *notes),
    )


def _value_of(entry: Any) -> Any:
    return entry.get("value") if isinstance(entry, Mapping) else None


def _type_of(entry: Any) -> str:
    return str(entry.get("type")) if isinstance(entry, Mapping) else "?"
