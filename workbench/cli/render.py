"""``prompt render`` and ``persona render``: see exactly what a model would be sent."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from workbench.cli.context import print_json, services, stdout
from workbench.cli.families import JsonOption
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import DatasetContent, Kind, PersonaContent, PromptContent


def parse_vars(pairs: list[str]) -> dict[str, str]:
    """``--var name=value`` options as a mapping; a pair without ``=`` is a usage mistake."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"--var expects NAME=VALUE, got '{pair}'")
        result[name.strip()] = value
    return result


def render_prompt_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Prompt NAME or NAME@VERSION.")],
    persona: Annotated[
        str | None, typer.Option("--persona", help="Persona NAME[@VERSION] to compose in.")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Dataset NAME[@VERSION] to take variables from.")
    ] = None,
    row: Annotated[
        str | None, typer.Option("--row", help="Row id in the dataset (default: the first row).")
    ] = None,
    var: Annotated[
        list[str] | None, typer.Option("--var", help="Set a variable: NAME=VALUE (repeatable).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Render a prompt version's messages with a persona and a dataset row or --var values."""
    from workbench.core.compose import render_messages  # the template engine loads on use
    from workbench.core.personas import render_persona

    store = services(ctx).store
    version = store.resolve(Kind.PROMPT, ref)
    variables: dict[str, Any] = {}
    row_id: str | None = None
    if dataset:
        data = store.resolve(Kind.DATASET, dataset)
        rows = data.content_as(DatasetContent).rows
        chosen = (
            next((r for r in rows if r.id == row), None) if row else (rows[0] if rows else None)
        )
        if chosen is None:
            raise NotFoundError(
                f"dataset {data.ref} has no row '{row}'"
                if row
                else f"dataset {data.ref} has no rows"
            )
        variables.update(chosen.vars)
        row_id = chosen.id
    elif row:
        raise ValidationError("--row needs --dataset")
    variables.update(parse_vars(var or []))
    section = None
    if persona:
        persona_version = store.resolve(Kind.PERSONA, persona)
        persona_content = persona_version.content_as(PersonaContent)
        section = render_persona(persona_content, name=persona_version.ref)
    messages = render_messages(
        version.content_as(PromptContent),
        variables,
        prompt_name=version.ref,
        persona_section=section,
        row=row_id,
    )
    if as_json:
        print_json(
            {
                "prompt": version.ref,
                "row": row_id,
                "messages": [{"role": m.role, "content": m.content} for m in messages],
            }
        )
        return
    for message in messages:
        stdout.rule(message.role, style="dim")
        stdout.print(message.content, highlight=False, markup=False)


def render_persona_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Persona NAME or NAME@VERSION.")],
    as_json: JsonOption = False,
) -> None:
    """Render a persona version to the system-prompt section prompts receive."""
    from workbench.core.personas import render_persona

    version = services(ctx).store.resolve(Kind.PERSONA, ref)
    text = render_persona(version.content_as(PersonaContent), name=version.ref)
    if as_json:
        print_json({"persona": version.ref, "section": text})
        return
    stdout.print(text, highlight=False, markup=False)
