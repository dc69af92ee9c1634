"""Rubrics from rubric YAML files and from promptfoo configurations."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.app.rubric_import import import_rubric_file
from workbench.core.errors import FileFormatError, ValidationError
from workbench.core.models import Kind, RubricContent
from workbench.store import Store

RUBRIC_FILE = """kind: rubric
name: polite
labels:
  production: 1
version: 2
note: Also no exclamation marks.
threshold: 0.5
criteria:
- kind: icontains
  config:
    values: [bonjour, merci]
    mode: any
- kind: not-contains
  config:
    value: '!'
history:
- version: 1
  note: First draft.
  criteria:
  - kind: icontains
    config:
      values: [bonjour, merci]
      mode: any
"""

PROMPTFOO = """description: Order tracking replies
prompts: [prompts/order.txt]
providers: [openai:gpt-4o-mini]
defaultTest:
  threshold: 0.75
  assert:
  - type: not-icontains
    value: as an AI
  - type: javascript
    value: output.length < 500
  - type: contains
    value: '{{ order_id }}'
tests:
- description: shipped
  vars: {order_id: ML-104522}
  assert:
  - type: latency
    threshold: 3000
  - type: icontains
    value: expédiée
- description: lost
  vars: {order_id: ML-104600}
  assert:
  - type: latency
    threshold: 3000
  - type: llm-rubric
    value: Announces an investigation with the carrier
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rubric_file_is_imported_with_its_history(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "polite.yaml", RUBRIC_FILE)
    imported = import_rubric_file(store, path, author="ana")
    assert imported.source == "rubric" and imported.created
    assert imported.version.ref == "polite@v2"
    assert [v.number for v in store.history(Kind.RUBRIC, "polite")] == [1, 2]
    again = import_rubric_file(store, path, author="ana")
    assert again.created is False and again.version.id == imported.version.id


def test_a_bad_criterion_names_the_file_and_version_and_saves_nothing(
    store: Store, tmp_path: Path
) -> None:
    bad = RUBRIC_FILE.replace("value: '!'", "valeur: '!'")
    path = write(tmp_path, "polite.yaml", bad)
    with pytest.raises(FileFormatError, match=r"polite\.yaml: version 2: criterion #2"):
        import_rubric_file(store, path, author="ana")
    assert store.list_families(Kind.RUBRIC) == []


def test_other_files_are_refused_with_a_reason(store: Store, tmp_path: Path) -> None:
    prompt = write(tmp_path, "greet.yaml", "kind: prompt\nsystem: Bonjour\n")
    with pytest.raises(FileFormatError, match="holds a prompt, not a rubric"):
        import_rubric_file(store, prompt, author="ana")
    unknown = write(tmp_path, "what.yaml", "threshold: 0.5\ncriteria: []\n")
    with pytest.raises(FileFormatError, match="add 'kind: rubric'"):
        import_rubric_file(store, unknown, author="ana")
    broken = write(tmp_path, "broken.yaml", "kind: rubric\ncriteria: [\n")
    with pytest.raises(FileFormatError, match=r"broken\.yaml:\d+"):
        import_rubric_file(store, broken, author="ana")


def test_promptfoo_default_and_shared_asserts_become_a_rubric(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "promptfooconfig.yaml", PROMPTFOO)
    imported = import_rubric_file(store, path, author="ana", name="tracking-checks")
    assert imported.source == "promptfoo" and imported.version.ref == "tracking-checks@v1"
    content = imported.version.content
    assert isinstance(content, RubricContent)
    assert [c.kind for c in content.criteria] == ["not-icontains", "javascript", "latency"]
    assert content.threshold == 0.75 and content.description == "Order tracking replies"
    unsupported = " | ".join(imported.unsupported)
    assert "type 'contains' uses test variables" in unsupported
    notes = " | ".join(imported.notes)
    assert "test 1 ('shipped'): 1 assertion(s) of its own (icontains)" in notes
    assert "test 2 ('lost'): 1 assertion(s) of its own (llm-rubric)" in notes


def test_promptfoo_one_test_renders_its_variables(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "promptfooconfig.yaml", PROMPTFOO)
    imported = import_rubric_file(store, path, author="ana", name="shipped", test="shipped")
    content = imported.version.content
    assert isinstance(content, RubricContent)
    contains = next(c for c in content.criteria if c.kind == "contains")
    assert contains.config["value"] == "ML-104522"
    by_number = import_rubric_file(store, path, author="ana", name="lost", test="2")
    assert isinstance(by_number.version.content, RubricContent)
    assert "llm-judge" in [c.kind for c in by_number.version.content.criteria]
    with pytest.raises(ValidationError, match="no single test 'missing'"):
        import_rubric_file(store, path, author="ana", name="x", test="missing")
    assert {f.name for f in store.list_families(Kind.RUBRIC)} == {"shipped", "lost"}


def test_promptfoo_without_anything_for_every_row_is_refused(store: Store, tmp_path: Path) -> None:
    config = "tests:\n- vars: {a: 1}\n  assert:\n  - type: contains\n    value: x\n"
    config += "- vars: {a: 2}\n  assert:\n  - type: contains\n    value: y\n"
    path = write(tmp_path, "pf.yaml", config)
    with pytest.raises(ValidationError, match="pick one test's assertions instead"):
        import_rubric_file(store, path, author="ana")
    assert store.list_families(Kind.RUBRIC) == []
