"""Family files parsed without a store: every problem named with file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workbench.core.errors import FileFormatError
from workbench.core.models import Kind, PersonaContent, PromptContent
from workbench.interop.family_files import FamilyFile, parse_family_file
from workbench.interop.yaml_io import load_yaml

PROMPT = """\
kind: prompt
name: order-tracking
description: Répond aux « où est ma commande ? ».
labels:
  production: 1
version: 2
note: Demande le numéro.
author: camille
created: '2026-10-02T09:30:00+00:00'
system: |
  Tu réponds au suivi de commande.
user: 'Message : {{ message }}'
history:
- version: 1
  created: 2026-09-28 14:00:00
  user: '{{ message }}'
"""


def parse(text: str, name: str = "order-tracking", kind: Kind = Kind.PROMPT) -> FamilyFile:
    path = Path("prompts") / f"{name}.yaml"
    data, root = load_yaml(text, path=path)
    return parse_family_file(data, root, path=path, kind=kind)


def test_head_history_labels_and_metadata() -> None:
    family = parse(PROMPT)
    assert (family.kind, family.name, family.head_number) == (Kind.PROMPT, "order-tracking", 2)
    assert family.description == "Répond aux « où est ma commande ? »."
    assert family.labels == {"production": 1}
    first, head = family.entries
    assert head is family.head
    assert head.content == PromptContent(
        system="Tu réponds au suivi de commande.\n", user="Message : {{ message }}"
    )
    assert (head.note, head.author, head.numbered) == ("Demande le numéro.", "camille", True)
    assert head.created == dt.datetime(2026, 10, 2, 9, 30, tzinfo=dt.UTC)
    # An unquoted YAML timestamp without a zone is taken as UTC.
    assert first.created == dt.datetime(2026, 9, 28, 14, 0, tzinfo=dt.UTC)
    assert first.content == PromptContent(user="{{ message }}")


def test_versions_without_numbers_are_numbered_by_position() -> None:
    family = parse("user: a\nhistory:\n- user: b\n- user: c\n", name="p")
    assert [(e.number, e.numbered) for e in family.entries] == [(1, False), (2, False), (3, False)]
    assert family.head.content == PromptContent(user="a")
    assert family.description is None


def test_persona_content() -> None:
    family = parse(
        "display_name: Léa\nrole: conseillère\naddress_form: tu\ntone:\n  humour: 3\n",
        name="lea",
        kind=Kind.PERSONA,
    )
    content = family.head.content
    assert isinstance(content, PersonaContent)
    assert (content.address_form, content.tone.humour) == ("tu", 3)


@pytest.mark.parametrize(
    ("text", "name", "kind", "line", "message"),
    [
        (
            "display_name: Léa\nrole: r\ntone:\n  warmth: 9\n",
            "lea",
            Kind.PERSONA,
            4,
            "tone.warmth: Input should be less than or equal to 5",
        ),
        ("display_name: Léa\nrole: r\nregistre: casual\n", "lea", Kind.PERSONA, 3, "registre"),
        (
            "user: a\nhistory:\n- version: 1\n  system: s\n  messages: []\n",
            "p",
            Kind.PROMPT,
            3,
            "prompt version 1:",
        ),
        ("name: other\nuser: a\n", "p", Kind.PROMPT, 1, "differs from the file name"),
        ("user: a\n", "Bad_Name", Kind.PROMPT, 1, "not a valid family name"),
        ("labels:\n  production: 3\nuser: a\n", "p", Kind.PROMPT, 2, "not in the file"),
        ("labels:\n  v2: 1\nuser: a\n", "p", Kind.PROMPT, 2, "cannot be a label"),
        ("version: 1\nuser: a\nhistory:\n- version: 1\n  user: b\n", "p", Kind.PROMPT, 1, "twice"),
        ("version: 2\nparent: 5\nuser: a\nhistory:\n- user: b\n", "p", Kind.PROMPT, 2, "parent 5"),
        (
            "user: a\nhistory:\n- user: b\n  labels: {x: 1}\n",
            "p",
            Kind.PROMPT,
            4,
            "belongs at the top",
        ),
        ("version: zero\nuser: a\n", "p", Kind.PROMPT, 1, "whole number"),
        ("created: last tuesday\nuser: a\n", "p", Kind.PROMPT, 1, "ISO date"),
        ("- user: a\n", "p", Kind.PROMPT, 1, "must be a mapping"),
        (
            "provider: openai\nmodel: gpt\nparams:\n  api_key: sk-abcdefghijklmnopqrstuvwxyz\n",
            "gpt",
            Kind.MODEL,
            1,
            "api_key_env",
        ),
    ],
)
def test_errors_name_file_line_and_field(
    text: str, name: str, kind: Kind, line: int, message: str
) -> None:
    with pytest.raises(FileFormatError) as caught:
        parse(text, name=name, kind=kind)
    error = caught.value
    assert error.path == str(Path("prompts") / f"{name}.yaml")
    assert error.line == line
    assert message in str(error)


def test_rubric_description_is_content() -> None:
    family = parse(
        "kind: rubric\ndescription: Poli.\ncriteria:\n- kind: contains\n",
        name="polite",
        kind=Kind.RUBRIC,
    )
    assert family.description is None
    assert family.head.content.model_dump()["description"] == "Poli."
