"""Compose a prompt version, a persona section and a row's variables into chat messages.

``persona`` is a reserved variable. A prompt that uses ``{{ persona }}`` places the persona
section itself; a prompt that does not gets the section prepended to its first system message
(separated by a blank line), or inserted as a first system message when it has none. This is what
lets any persona be evaluated with any prompt.

When a prompt uses ``{{ persona }}`` and runs without a persona, ``persona`` renders as an empty
string. A system message that renders to nothing but whitespace is left out rather than sent
empty.

Template names in errors are ``<prompt_name>:system``, ``<prompt_name>:user`` and
``<prompt_name>:messages[N]``, with messages numbered from 1 as people count them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.core.errors import TemplateError
from workbench.core.llm import Message, Role
from workbench.core.models import PromptContent
from workbench.core.templates import render_template, template_variables

PERSONA_VARIABLE = "persona"


@dataclass(frozen=True)
class VariableReport:
    """How a prompt's declared variables compare with those its templates use.

    ``persona`` is reserved: it never appears in these sets; `uses_persona` says whether the
    templates place it themselves.

    Attributes:
        declared: names listed in the prompt's ``variables``.
        used: names the templates read.
        missing: used but not declared (a typo, or a declaration to add).
        unused: declared but never used.
        uses_persona: whether a template contains ``{{ persona }}``.
    """

    declared: frozenset[str]
    used: frozenset[str]
    missing: frozenset[str]
    unused: frozenset[str]
    uses_persona: bool = False


def prompt_templates(prompt: PromptContent, prompt_name: str) -> Iterator[tuple[str, Role, str]]:
    """Yield ``(template name, role, source)`` for each template of a prompt, in message order."""
    if prompt.messages is not None:
        for number, message in enumerate(prompt.messages, start=1):
            yield f"{prompt_name}:messages[{number}]", message.role, message.content
        return
    if prompt.system is not None:
        yield f"{prompt_name}:system", "system", prompt.system
    if prompt.user is not None:
        yield f"{prompt_name}:user", "user", prompt.user


def prompt_variables(prompt: PromptContent, *, prompt_name: str = "prompt") -> VariableReport:
    """Compare the variables a prompt declares with those its templates use.

    Raises:
        TemplateError: a template does not parse; names it (``<prompt_name>:user``) and the line.
    """
    used: set[str] = set()
    for name, _role, source in prompt_templates(prompt, prompt_name):
        used |= template_variables(source, name=name)
    uses_persona = PERSONA_VARIABLE in used
    used.discard(PERSONA_VARIABLE)
    declared = set(prompt.variables) - {PERSONA_VARIABLE}
    return VariableReport(
        declared=frozenset(declared),
        used=frozenset(used),
        missing=frozenset(used - declared),
        unused=frozenset(declared - used),
        uses_persona=uses_persona,
    )


def render_messages(
    prompt: PromptContent,
    variables: Mapping[str, Any],
    *,
    prompt_name: str,
    persona_section: str | None = None,
    row: str | None = None,
) -> tuple[Message, ...]:
    """Render a prompt for one set of variables, placing the persona section.

    Args:
        prompt: the prompt version's content.
        variables: the row's variables; must not contain the reserved ``persona``.
        prompt_name: names the prompt in errors, for example ``order-tracking@v2``.
        persona_section: the rendered persona (see `workbench.core.personas.render_persona`).
        row: the dataset row id, named in errors.

    Raises:
        TemplateError: a template fails to parse or render, or `variables` holds ``persona``.
    """
    templates = list(prompt_templates(prompt, prompt_name))
    if PERSONA_VARIABLE in variables:
        raise TemplateError(
            "'persona' is reserved for the persona section; rename this variable in the dataset.",
            template=templates[0][0] if templates else prompt_name,
            variable=PERSONA_VARIABLE,
            row=row,
        )
    uses_persona = any(
        PERSONA_VARIABLE in template_variables(source, name=name) for name, _, source in templates
    )
    values: Mapping[str, Any] = variables
    if uses_persona:
        values = {**variables, PERSONA_VARIABLE: persona_section or ""}

    messages: list[Message] = []
    for name, role, source in templates:
        text = render_template(source, values, name=name, row=row)
        if role == "system" and not text.strip():
            continue
        messages.append(Message(role=role, content=text))

    if uses_persona or persona_section is None or not persona_section.strip():
        return tuple(messages)
    return tuple(_prepend_persona(messages, persona_section.strip()))


def _prepend_persona(messages: list[Message], section: str) -> list[Message]:
    for index, message in enumerate(messages):
        if message.role == "system":
            merged = Message(role="system", content=f"{section}\n\n{message.content}")
            return [*messages[:index], merged, *messages[index + 1 :]]
    return [Message(role="system", content=section), *messages]
