"""Where a row keeps the customer's message, for criteria that compare the reply with it."""

from __future__ import annotations

from workbench.core.models import CriterionSpec, DatasetRow
from workbench.scoring.config import get_str

MESSAGE_VARS = ("message", "input", "question", "query", "customer_message", "user_message")
"""Variables read as the customer's message, in order, when ``message_var`` is not set."""


def message_var(spec: CriterionSpec) -> str | None:
    """The configured ``message_var``, or None for the automatic choice."""
    value = get_str(spec, "message_var", None)
    return None if value is None else str(value)


def customer_message(row: DatasetRow, var: str | None) -> str | None:
    """The customer's message of `row`: the named variable, else the first usual one present."""
    names = (var,) if var else MESSAGE_VARS
    for name in names:
        value = row.vars.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def row_context(row: DatasetRow, *, skip: str | None) -> list[str]:
    """The row's other texts (order status, policy excerpt…), its expected answer and facts."""
    texts = [value for name, value in row.vars.items() if name != skip and isinstance(value, str)]
    if row.expected:
        texts.append(row.expected)
    texts.extend(row.facts)
    return [text for text in texts if text.strip()]
