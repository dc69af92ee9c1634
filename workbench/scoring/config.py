"""Typed reading of a criterion's free-form ``config``, with errors that name the criterion.

Rubric files are written by hand, so every lookup checks the type and range of what it reads and
says which criterion and which key is wrong.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from workbench.core.models import CriterionSpec
from workbench.scoring.results import CriterionConfigError, criterion_label

T = TypeVar("T")
_MISSING = object()


def config_error(spec: CriterionSpec, message: str) -> CriterionConfigError:
    """A `CriterionConfigError` naming this criterion."""
    return CriterionConfigError(message, criterion=criterion_label(spec))


def get_str(spec: CriterionSpec, key: str, default: Any = _MISSING) -> Any:
    """A string option; numbers are accepted and turned into text (``value: 42``)."""
    value = spec.config.get(key, _MISSING)
    if value is _MISSING or value is None:
        if default is _MISSING:
            raise config_error(spec, f"needs '{key}'")
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise config_error(spec, f"'{key}' must be text, not {type(value).__name__}")
    return str(value)


def get_bool(spec: CriterionSpec, key: str, default: bool) -> bool:
    """A yes/no option."""
    value = spec.config.get(key, default)
    if not isinstance(value, bool):
        raise config_error(spec, f"'{key}' must be true or false, not {value!r}")
    return value


def get_number(
    spec: CriterionSpec,
    key: str,
    default: Any = _MISSING,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> Any:
    """A number option within optional bounds; None when absent and the default is None."""
    value = spec.config.get(key, _MISSING)
    if value is _MISSING or value is None:
        if default is _MISSING:
            raise config_error(spec, f"needs '{key}'")
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise config_error(spec, f"'{key}' must be a number, not {value!r}")
    if minimum is not None and value < minimum:
        raise config_error(spec, f"'{key}' must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise config_error(spec, f"'{key}' must be at most {maximum}, not {value}")
    return float(value)


def get_choice(spec: CriterionSpec, key: str, choices: Collection[str], default: str) -> str:
    """One of a fixed set of words."""
    value = spec.config.get(key, default)
    if value not in choices:
        allowed = ", ".join(sorted(choices))
        raise config_error(spec, f"'{key}' must be one of {allowed}, not {value!r}")
    return str(value)


def get_values(spec: CriterionSpec, *, required: bool = True) -> list[str]:
    """The texts to look for: ``value`` (one text) or ``values`` (a list), not both."""
    has_value = spec.config.get("value") is not None
    has_values = spec.config.get("values") is not None
    if has_value and has_values:
        raise config_error(spec, "give either 'value' or 'values', not both")
    if has_values:
        raw = spec.config["values"]
        if not isinstance(raw, list | tuple) or not raw:
            raise config_error(spec, "'values' must be a non-empty list of texts")
        items = list(raw)
    elif has_value:
        raw = spec.config["value"]
        items = list(raw) if isinstance(raw, list | tuple) else [raw]
    elif required:
        raise config_error(spec, "needs 'value' (one text) or 'values' (a list of texts)")
    else:
        return []
    texts: list[str] = []
    for position, item in enumerate(items, start=1):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise config_error(spec, f"value #{position} must be text, not {item!r}")
        if str(item) == "":
            raise config_error(spec, f"value #{position} is empty")
        texts.append(str(item))
    return texts


def check_known_keys(spec: CriterionSpec, known: Collection[str]) -> None:
    """Refuse misspelt options (``treshold``) instead of silently ignoring them."""
    unknown = sorted(set(spec.config) - set(known))
    if unknown:
        raise config_error(
            spec,
            f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known)) or 'none'}",
        )
