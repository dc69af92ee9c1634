"""Promptfoo-style YAML datasets: both shapes, ids, assertions, and errors at the key's line."""

from __future__ import annotations

import pytest

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetRow
from workbench.interop.datasets import read_dataset_text

PROMPTFOO_TESTS = """\
description: Suivi de commande, cas difficiles
tests:
  - description: sans numéro
    vars:
      message: Où est mon colis ?
      attempts: 2
      history: [bonjour, relance]
    assert:
      - type: icontains
        value: numéro de commande
      - type: llm-rubric
        value: Demande poliment le numéro, vouvoie le client.
    metadata:
      expected: Pourriez-vous me donner votre numéro de commande ?
      facts: [numéro de commande]
      tags: [fr, tracking]
  - vars:
      message: Commande 10452 ?
      since: 2026-11-03
"""


def test_mapping_with_tests_and_description() -> None:
    content = read_dataset_text(PROMPTFOO_TESTS, filename="hard.yaml")
    assert content.description == "Suivi de commande, cas difficiles"
    assert content.rows == (
        DatasetRow(
            id="sans numéro",
            vars={
                "message": "Où est mon colis ?",
                "attempts": 2,
                "history": ["bonjour", "relance"],
            },
            expected="Pourriez-vous me donner votre numéro de commande ?",
            facts=("numéro de commande",),
            tags=("fr", "tracking"),
            asserts=(
                {"type": "icontains", "value": "numéro de commande"},
                {"type": "llm-rubric", "value": "Demande poliment le numéro, vouvoie le client."},
            ),
        ),
        # No description: numbered by position; an unquoted date becomes ISO text.
        DatasetRow(id="2", vars={"message": "Commande 10452 ?", "since": "2026-11-03"}),
    )


def test_bare_list_of_tests_and_tests_without_vars() -> None:
    content = read_dataset_text(
        "- vars: {message: Salut}\n- assert: [{type: equals, value: x}]\n", filename="t.yml"
    )
    assert [row.id for row in content.rows] == ["1", "2"]
    assert content.rows[1].vars == {}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("tests:\n  - vars: {a: 1}\n    options: {provider: x}\n", 3, "test key 'options'"),
        ("prompts: [p.txt]\ntests: []\n", 1, "'prompts' is not part of a dataset"),
        ("tests:\n- vars: [1, 2]\n", 2, "'vars' must be a mapping"),
        ("tests:\n- vars: {a: 1}\n  metadata:\n    category: x\n", 4, "metadata key 'category'"),
        ("- description: même\n- description: autre\n- description: même\n", 3, "first on line 1"),
        ("- vars: {a: 1}\n  metadata: {facts: [ok, [nested]]}\n", 2, "facts.1"),
        ("tests: file://tests.csv\n", 1, "expected a list of tests"),
        ("description: x\n", 1, "no 'tests'"),
        ("- vars:\n    1: one\n", 2, "must be text"),
        ("tests:\n  - 42\n", 2, "must be a mapping"),
    ],
)
def test_errors_name_the_line_of_the_key(text: str, line: int, message: str) -> None:
    with pytest.raises(FileFormatError) as caught:
        read_dataset_text(text, filename="cases.yaml")
    error = caught.value
    assert (error.path, error.line) == ("cases.yaml", line)
    assert message in str(error)


def test_yaml_syntax_error_has_line_and_column() -> None:
    with pytest.raises(FileFormatError) as caught:
        read_dataset_text("tests:\n  - vars: {a: 1\n  - vars: {b: 2}\n", filename="bad.yaml")
    error = caught.value
    assert error.path == "bad.yaml" and error.line is not None and error.column is not None
    assert "not valid YAML" in str(error)


def test_empty_yaml_is_refused() -> None:
    with pytest.raises(FileFormatError, match="empty"):
        read_dataset_text("# nothing\n", filename="cases.yaml")


def test_yaml_is_loaded_safely() -> None:
    with pytest.raises(FileFormatError, match="not valid YAML"):
        read_dataset_text("- vars: !!python/object/apply:os.system [echo hi]\n", filename="x.yaml")
