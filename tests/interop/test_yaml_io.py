"""The canonical YAML dumper and the YAML loader with line numbers."""

from __future__ import annotations

import pytest
import yaml

from workbench.core.errors import FileFormatError
from workbench.interop.yaml_io import dump_yaml, line_of, load_yaml, locate


def test_block_style_key_order_and_literal_blocks() -> None:
    data = {
        "name": "order-tracking",
        "system": "Tu es Léa 😀.\n\nTu vouvoies.\n",
        "user": "Message : {{ message }}",
        "params": {"temperature": 0.3, "max_tokens": 300},
        "empty": [],
    }
    assert dump_yaml(data) == (
        "name: order-tracking\n"
        "system: |\n"
        "  Tu es Léa 😀.\n"
        "\n"
        "  Tu vouvoies.\n"
        "user: 'Message : {{ message }}'\n"
        "params:\n"
        "  temperature: 0.3\n"
        "  max_tokens: 300\n"
        "empty: []\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "no final newline\nsecond",
        "two final newlines\n\n",
        "trailing space \nnext\n",
        "tab\tinside\nnext\n",
        "carriage\r\nreturn\n",
        "   leading spaces\nnext\n",
        "\n",
        "",
        "'quoted' and \"double\" : # not a comment\n- not a list\n",
        "2026-10-02T09:30:00+00:00",
        "yes",
        "0123",
        "a\u2028b\u0085c\n",
        "x" * 500 + " " + "y" * 500,
    ],
)
def test_every_string_reads_back_unchanged(text: str) -> None:
    dumped = dump_yaml({"value": text, "list": [text]})
    assert yaml.safe_load(dumped) == {"value": text, "list": [text]}
    assert dump_yaml(yaml.safe_load(dumped)) == dumped


def test_long_lines_are_not_folded() -> None:
    long = "mot " * 200
    assert dump_yaml({"a": long.strip()}).count("\n") == 1


def test_trailing_spaces_fall_back_to_a_quoted_scalar() -> None:
    assert dump_yaml({"a": "x \ny\n"}) == 'a: "x \\ny\\n"\n'


def test_equal_values_are_not_written_as_aliases() -> None:
    shared = ["a", "b"]
    assert "&" not in dump_yaml({"x": shared, "y": shared})


def test_tuples_are_written_as_lists() -> None:
    assert dump_yaml({"a": ("x", "y")}) == "a:\n- x\n- y\n"


def test_load_yaml_returns_nodes_for_locating_keys() -> None:
    text = "kind: prompt\nhistory:\n- version: 1\n  tone:\n    warmth: 9\n"
    data, root = load_yaml(text, path="p.yaml")
    assert data["history"][0]["tone"]["warmth"] == 9
    assert locate(root, ("history", 0, "tone", "warmth")) == (5, 5)
    assert line_of(root, ("history", 0)) == 3
    # A path leaving the tree stops at the deepest node found.
    assert line_of(root, ("history", 0, "tone", "missing")) == 4
    assert line_of(None, ("x",)) is None


def test_load_yaml_error_names_file_line_and_column() -> None:
    with pytest.raises(FileFormatError) as caught:
        load_yaml("a: 1\nb: [1, 2\nc: 3\n", path="broken.yaml")
    error = caught.value
    assert error.path == "broken.yaml" and error.line == 3
    assert "started on line 2" in str(error)


def test_load_yaml_of_an_empty_document() -> None:
    assert load_yaml("", path="e.yaml") == (None, None)
