"""Required criteria: ``required: true`` on any criterion makes it a gate.

A weighted mean lets strong criteria carry a failed one: a reply in the wrong language, or one
unrelated to the customer's message, could still reach the threshold on length and register
alone. A criterion marked ``required: true`` must pass (or be not applicable) for the output to
pass, whatever the mean; the score itself stays the weighted mean so it can still be compared.

The key is read here and removed before the criterion kind parses its own configuration, so every
kind accepts it.
"""

from __future__ import annotations

from workbench.core.models import CriterionSpec
from workbench.scoring.results import CriterionConfigError, CriterionResult, criterion_label

REQUIRED_KEY = "required"


def is_required(spec: CriterionSpec) -> bool:
    """Whether the criterion is a gate; a non-boolean value is a configuration error."""
    value = spec.config.get(REQUIRED_KEY, False)
    if not isinstance(value, bool):
        raise CriterionConfigError(
            f"'{REQUIRED_KEY}' must be true or false, not {value!r}",
            criterion=criterion_label(spec),
        )
    return value


def without_gate_key(spec: CriterionSpec) -> CriterionSpec:
    """The spec as its kind sees it: without the ``required`` key."""
    if REQUIRED_KEY not in spec.config:
        return spec
    config = {key: value for key, value in spec.config.items() if key != REQUIRED_KEY}
    return spec.model_copy(update={"config": config})


def failed_gates(specs: tuple[CriterionSpec, ...], results: list[CriterionResult]) -> list[str]:
    """Names of required criteria that failed (not applicable ones do not count)."""
    return [
        result.name
        for spec, result in zip(specs, results, strict=True)
        if is_required(spec) and result.passed is False
    ]
