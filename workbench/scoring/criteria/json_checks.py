"""JSON checks: is-json (optionally against a schema), json-schema, contains-json.

Parsing is strict like JavaScript's ``JSON.parse`` (``NaN`` and ``Infinity`` are refused);
schemas are checked with the `jsonschema` library, using the draft the schema declares
(2020-12 when it declares none).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from workbench.core.models import CriterionSpec
from workbench.scoring.config import check_known_keys, config_error, get_bool
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.results import CriterionResult, ScoringContext, passed_result

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n(?P<body>.*?)\n?```", re.DOTALL)
_NOT_FOUND = object()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_strict_json(text: str) -> Any:
    """Parse `text` as one JSON document; raises ValueError like ``JSON.parse`` would."""
    return json.loads(text, parse_constant=_refuse_constant)


def find_json_objects(text: str) -> list[Any]:
    """Every JSON object (``{...}``) embedded in a text, in order, skipping invalid ones."""
    decoder = json.JSONDecoder(parse_constant=_refuse_constant)
    found: list[Any] = []
    position = text.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(text, position)
        except ValueError:
            position = text.find("{", position + 1)
            continue
        found.append(value)
        position = text.find("{", end)
    return found


def build_validator(spec: CriterionSpec, schema: Any) -> Validator:
    """A validator for `schema`; a schema that is itself invalid is a configuration error."""
    if not isinstance(schema, dict | bool):
        raise config_error(spec, f"'schema' must be a JSON schema object, not {schema!r}")
    import jsonschema  # here, not at module level: it adds ~0.1 s to every scored command

    validator_class = jsonschema.validators.validator_for(
        schema, default=jsonschema.Draft202012Validator
    )
    try:
        # JSON Schema allows true/false as whole schemas; the stubs only admit objects.
        validator_class.check_schema(schema)  # type: ignore[arg-type]
    except jsonschema.SchemaError as error:
        raise config_error(spec, f"invalid JSON schema: {error.message}") from error
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def schema_errors(validator: Validator, value: Any, limit: int = 3) -> list[str]:
    """Up to `limit` readable schema violations, each with its JSON path."""
    errors = sorted(validator.iter_errors(value), key=lambda error: list(error.path))
    return [f"{error.json_path}: {error.message}" for error in errors[:limit]]


def _parse_is_json(spec: CriterionSpec) -> Validator | None:
    check_known_keys(spec, {"schema"})
    schema = spec.config.get("schema")
    return None if schema is None else build_validator(spec, schema)


def evaluate_is_json(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """The whole output is valid JSON (surrounding whitespace allowed), matching ``schema``."""
    validator = _parse_is_json(spec)
    try:
        value = parse_strict_json(ctx.output)
    except ValueError as error:
        return passed_result(spec, False, f"not valid JSON: {error}")
    if validator is None:
        return passed_result(spec, True, "valid JSON")
    problems = schema_errors(validator, value)
    if problems:
        return passed_result(spec, False, "JSON does not match the schema: " + "; ".join(problems))
    return passed_result(spec, True, "valid JSON matching the schema")


def _parse_json_schema(spec: CriterionSpec) -> tuple[Validator, bool]:
    check_known_keys(spec, {"schema", "extract"})
    if spec.config.get("schema") is None:
        raise config_error(spec, "needs 'schema' (a JSON schema object)")
    return build_validator(spec, spec.config["schema"]), get_bool(spec, "extract", False)


def _extract(text: str) -> Any:
    fence = _FENCE.search(text)
    if fence:
        try:
            return parse_strict_json(fence.group("body"))
        except ValueError:
            pass
    objects = find_json_objects(text)
    return objects[0] if objects else _NOT_FOUND


def evaluate_json_schema(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """The output is JSON valid against ``schema``.

    With ``extract: true`` the JSON may sit in a fenced code block or inside prose (the first
    object found is checked); otherwise the whole output must be JSON.
    """
    validator, extract = _parse_json_schema(spec)
    if extract:
        value = _extract(ctx.output)
        if value is _NOT_FOUND:
            try:
                value = parse_strict_json(ctx.output)
            except ValueError:
                return passed_result(spec, False, "no JSON found in the output")
    else:
        try:
            value = parse_strict_json(ctx.output)
        except ValueError as error:
            return passed_result(spec, False, f"not valid JSON: {error}")
    problems = schema_errors(validator, value)
    if problems:
        return passed_result(spec, False, "; ".join(problems))
    return passed_result(spec, True, "JSON matches the schema")


def evaluate_contains_json(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """Some JSON object appears in the output; with ``schema``, some object matches it."""
    validator = _parse_is_json(spec)
    objects = find_json_objects(ctx.output)
    if not objects:
        return passed_result(spec, False, "no JSON object found in the output")
    if validator is None:
        return passed_result(spec, True, f"found {len(objects)} JSON object(s)")
    problems: list[str] = []
    for value in objects:
        errors = schema_errors(validator, value)
        if not errors:
            return passed_result(spec, True, "found a JSON object matching the schema")
        problems = errors
    return passed_result(spec, False, "no JSON object matches the schema: " + "; ".join(problems))


KINDS = (
    CriterionKind("is-json", evaluate_is_json, _parse_is_json, "output is JSON (optional schema)"),
    CriterionKind(
        "json-schema", evaluate_json_schema, _parse_json_schema, "output is JSON valid for a schema"
    ),
    CriterionKind(
        "contains-json", evaluate_contains_json, _parse_is_json, "output contains a JSON object"
    ),
)
