"""Qt-free glue between the prompt editor's fields and `PromptContent`.

The editor shows one text box per template *slot*: ``system`` and ``user`` for the usual shape,
or one per chat message for a ``messages`` prompt. This module turns a content into slots and
texts, builds a content back from what the user typed (with errors that name the field), and
renders the live preview.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic

from workbench.core.compose import prompt_variables, render_messages
from workbench.core.errors import TemplateError, ValidationError
from workbench.core.llm import Message, Role
from workbench.core.models import ChatMessage, PromptContent

PLACEHOLDER_ROW = "(placeholders)"


@dataclass(frozen=True)
class TemplateSlot:
    """One editable template of a prompt.

    Attributes:
        key: ``system``, ``user`` or ``messages[N]`` (N from 1), as template names end.
        label: the title shown above the editor.
        role: the chat role the template renders to.
    """

    key: str
    label: str
    role: Role


DEFAULT_SLOTS = (
    TemplateSlot("system", "System template", "system"),
    TemplateSlot("user", "User template", "user"),
)


def slots_for(content: PromptContent | None) -> tuple[TemplateSlot, ...]:
    """The slots that edit `content` (system and user for a new prompt)."""
    if content is None or content.messages is None:
        return DEFAULT_SLOTS
    return tuple(
        TemplateSlot(f"messages[{number}]", f"Message {number} · {message.role}", message.role)
        for number, message in enumerate(content.messages, start=1)
    )


def slot_texts(content: PromptContent | None, slots: Sequence[TemplateSlot]) -> list[str]:
    """The template text of each slot."""
    if content is None:
        return ["" for _ in slots]
    if content.messages is not None:
        return [message.content for message in content.messages]
    return [content.system or "", content.user or ""]


def params_text(params: Mapping[str, Any]) -> str:
    """Model parameters as the one-line JSON shown in the editor."""
    return json.dumps(dict(params), ensure_ascii=False) if params else ""


def parse_params(text: str) -> dict[str, Any]:
    """Read the parameters field: a JSON object, or empty.

    Raises:
        ValidationError: not JSON or not an object; names the field, line and column.
    """
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"Parameters, line {error.lineno} column {error.colno}: {error.msg}."
            ' Write a JSON object such as {"temperature": 0.3, "max_tokens": 300}.'
        ) from None
    if not isinstance(value, dict):
        raise ValidationError('Parameters must be a JSON object such as {"temperature": 0.3}.')
    return value


def build_prompt(
    slots: Sequence[TemplateSlot],
    texts: Sequence[str],
    *,
    variables: Mapping[str, str],
    params: Mapping[str, Any],
) -> PromptContent:
    """A `PromptContent` from the editor's fields; an empty system/user template means none.

    Raises:
        ValidationError: the content breaks a rule (for example both templates empty).
    """
    try:
        if slots and slots[0].key.startswith("messages["):
            messages = tuple(
                ChatMessage(role=slot.role, content=text)
                for slot, text in zip(slots, texts, strict=True)
            )
            return PromptContent(messages=messages, variables=dict(variables), params=dict(params))
        by_key = dict(zip((slot.key for slot in slots), texts, strict=True))
        return PromptContent(
            system=by_key.get("system") or None,
            user=by_key.get("user") or None,
            variables=dict(variables),
            params=dict(params),
        )
    except pydantic.ValidationError as error:
        reasons = "; ".join(item["msg"].removeprefix("Value error, ") for item in error.errors())
        raise ValidationError(f"Cannot save this prompt: {reasons}.") from None


def placeholder_variables(content: PromptContent, prompt_name: str) -> dict[str, str]:
    """Values that show where each variable lands, for previewing without a dataset row."""
    report = prompt_variables(content, prompt_name=prompt_name)
    return {name: f"«{name}»" for name in report.used | report.declared}


def render_preview(
    content: PromptContent,
    *,
    prompt_name: str,
    variables: Mapping[str, Any],
    persona_section: str | None,
    row: str | None,
) -> str:
    """The messages the model would receive, as readable text.

    Raises:
        TemplateError: a template does not parse or render; names template, line and variable.
    """
    messages = render_messages(
        content,
        variables,
        prompt_name=prompt_name,
        persona_section=persona_section,
        row=row,
    )
    return format_messages(messages)


def format_messages(messages: Sequence[Message]) -> str:
    """Messages as text with a rule above each, the way the preview and detail pane show them."""
    return "\n\n".join(f"── {message.role} ──\n{message.content.rstrip()}" for message in messages)


def error_slot(error: TemplateError, prompt_name: str, slots: Sequence[TemplateSlot]) -> int | None:
    """Which slot a template error belongs to (by the template name it carries)."""
    for position, slot in enumerate(slots):
        if error.template == f"{prompt_name}:{slot.key}":
            return position
    return None
