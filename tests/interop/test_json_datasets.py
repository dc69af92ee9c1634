"""JSONL and JSON datasets: shapes, JSON values, and errors with line and column."""

from __future__ import annotations

import pytest

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetRow
from workbench.interop.datasets import read_dataset_text


def test_jsonl_rows_with_blank_lines_crlf_and_json_values() -> None:
    text = (
        '{"id": "track-001", "vars": {"message": "Où est ma commande ?", "items": [1, 2],'
        ' "vip": true}, "facts": ["expédiée"], "tags": ["fr"]}\r\n'
        "\r\n"
        '{"vars": {"message": "sans id"}, "expected": "Bonjour", '
        '"assert": [{"type": "icontains", "value": "commande"}]}\n'
        "   \n"
    )
    content = read_dataset_text(text, filename="cases.jsonl")
    assert content.rows == (
        DatasetRow(
            id="track-001",
            vars={"message": "Où est ma commande ?", "items": [1, 2], "vip": True},
            facts=("expédiée",),
            tags=("fr",),
        ),
        DatasetRow(
            id="2",
            vars={"message": "sans id"},
            expected="Bonjour",
            asserts=({"type": "icontains", "value": "commande"},),
        ),
    )


def test_jsonl_keeps_line_separators_inside_strings() -> None:
    content = read_dataset_text('{"id": 7, "vars": {"m": "a\u2028b"}}\n', filename="x.jsonl")
    assert content.rows[0].id == "7"
    assert content.rows[0].vars["m"] == "a\u2028b"


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('{"vars": {}}\n{"vars": {"m": "x"\n', 2, 19, "not valid JSON"),
        ('{"vars": {}}\n\n[1, 2]\n', 3, None, "found an array"),
        ('{"vars": {}}\n{"vars": "message"}\n', 2, None, '"vars" must be an object'),
        ('{"vars": {}, "message": "x"}\n', 1, None, "unknown key 'message'"),
        ('{"id": "a"}\n', 1, None, 'no "vars"'),
        ('{"id": 1.5, "vars": {}}\n', 1, None, '"id" must be text'),
        ('{"id": "a", "vars": {}}\n{"id": "a", "vars": {}}\n', 2, None, "first on line 1"),
        ('{"vars": {}, "facts": [1]}\n', 1, None, "facts.0"),
        ('{"vars": {}, "assert": ["x"]}\n', 1, None, "assert.0"),
    ],
)
def test_jsonl_errors_name_file_and_line(
    text: str, line: int, column: int | None, message: str
) -> None:
    with pytest.raises(FileFormatError) as caught:
        read_dataset_text(text, filename="cases.jsonl")
    error = caught.value
    assert (error.path, error.line, error.column) == ("cases.jsonl", line, column)
    assert message in str(error)
    assert str(error).startswith(f"cases.jsonl:{line}")


def test_empty_jsonl_is_refused() -> None:
    with pytest.raises(FileFormatError, match="no rows"):
        read_dataset_text("\n\n", filename="cases.jsonl")


def test_json_array_of_rows() -> None:
    text = '[\n  {"id": "a", "vars": {"m": "x"}},\n  {"vars": {"m": "y"}, "tags": ["t"]}\n]\n'
    content = read_dataset_text(text, filename="cases.json")
    assert content.rows == (
        DatasetRow(id="a", vars={"m": "x"}),
        DatasetRow(id="2", vars={"m": "y"}, tags=("t",)),
    )


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('[\n  {"vars": {}},\n  {"vars": {}, }\n]', 3, 16, "not valid JSON"),
        ('[\n  {"vars": {}},\n\n  "row"\n]', 4, None, "found a string"),
        ('[\n  {"vars": {}}\n  {"vars": {}}\n]', 3, 3, "expected ',' or ']'"),
        ('{"rows": []}', 1, 1, "expected a JSON array"),
        ('[{"vars": {}}] extra', 1, 16, "after the closing"),
        ('[{"id": "a", "vars": {}},\n {"id": "a", "vars": {}}]', 2, None, "appears twice"),
    ],
)
def test_json_errors_name_line_and_column(
    text: str, line: int, column: int | None, message: str
) -> None:
    with pytest.raises(FileFormatError) as caught:
        read_dataset_text(text, filename="cases.json")
    error = caught.value
    assert (error.path, error.line, error.column) == ("cases.json", line, column)
    assert message in str(error)


@pytest.mark.parametrize("text", ["", "  \n", "[]", "[ ]\n"])
def test_empty_json_is_refused(text: str) -> None:
    with pytest.raises(FileFormatError, match=r"empty|no rows"):
        read_dataset_text(text, filename="cases.json")
