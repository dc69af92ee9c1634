"""Writing is canonical: read(write(x)) == x, and writing what was read gives the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetContent, DatasetRow
from workbench.interop.datasets import (
    FORMATS,
    can_write,
    dataset_format,
    dataset_text,
    read_dataset,
    write_dataset,
)

TRICKY_TEXT = [
    "Bonjour, où en est ma commande « 10452 » ?",
    "ligne 1\nligne 2\n",
    "guillemets \"doubles\" et 'simples'; point-virgule | pipe",
    "espace final \nsuite",
    "tab\tici",
    "retour\r\nchariot",
    "  indenté\n",
    "",
    "emoji 😀 et U+2028 \u2028 ici",
    "2026-11-03",
    "true",
]

TEXT_ONLY = DatasetContent(
    rows=tuple(
        DatasetRow(
            id=f"row-{index}",
            vars={"message": text, "ton": "vous" if index % 2 else "tu"},
            expected=None if index % 3 else f"Réponse {index}",
            facts=("expédiée", "3 novembre") if index % 2 else (),
            tags=("fr",) if index % 4 == 0 else (),
        )
        for index, text in enumerate(TRICKY_TEXT)
    )
)

RICH = DatasetContent(
    description="Cas difficiles\nsur deux lignes",
    rows=(
        DatasetRow(
            id="1",
            vars={"message": "Où ?\n", "count": 3, "ratio": 0.5, "vip": False, "none": None},
            expected="",
            asserts=({"type": "icontains", "value": "commande", "weight": 2},),
        ),
        DatasetRow(id="two", vars={"items": [1, {"a": "b"}], "nested": {"x": ["y"]}}, tags=("t",)),
    ),
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_text_dataset_round_trips_byte_for_byte(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"cases.{fmt}"
    write_dataset(TEXT_ONLY, path)
    first = path.read_bytes()
    content = read_dataset(path)
    assert content == TEXT_ONLY
    write_dataset(content, path)
    assert path.read_bytes() == first


@pytest.mark.parametrize("fmt", ["jsonl", "json", "yaml"])
def test_rows_without_description_with_json_values_round_trip(fmt: str, tmp_path: Path) -> None:
    content = RICH.model_copy(update={"description": ""})
    path = tmp_path / f"rich.{fmt}"
    write_dataset(content, path)
    first = path.read_bytes()
    assert read_dataset(path) == content
    write_dataset(read_dataset(path), path)
    assert path.read_bytes() == first


def test_only_yaml_holds_a_dataset_description(tmp_path: Path) -> None:
    path = tmp_path / "rich.yaml"
    write_dataset(RICH, path)
    assert read_dataset(path) == RICH
    assert can_write(RICH, "yaml")
    for fmt in ("jsonl", "json", "csv", "tsv"):
        assert not can_write(RICH, fmt)
    with pytest.raises(FileFormatError, match="description"):
        write_dataset(RICH, tmp_path / "rich.jsonl")
    assert not (tmp_path / "rich.jsonl").exists()


def test_jsonl_canonical_line_shape() -> None:
    row = DatasetRow(
        id="track-001",
        vars={"message": "Bonjour, où en est ma commande 10452 ?"},
        facts=("expédiée",),
        tags=("fr", "tracking"),
        asserts=({"type": "contains", "value": "10452"},),
    )
    assert dataset_text(DatasetContent(rows=(row,)), "jsonl") == (
        '{"id": "track-001", "vars": {"message": "Bonjour, où en est ma commande 10452 ?"}, '
        '"facts": ["expédiée"], "tags": ["fr", "tracking"], '
        '"assert": [{"type": "contains", "value": "10452"}]}\n'
    )


def test_format_from_extension_or_explicit(tmp_path: Path) -> None:
    assert dataset_format("a.JSONL") == "jsonl"
    assert dataset_format("a.yml") == "yaml"
    assert dataset_format("a.txt", "csv") == "csv"
    with pytest.raises(FileFormatError, match="unknown dataset format") as caught:
        dataset_format(tmp_path / "a.xlsx")
    assert caught.value.path.endswith("a.xlsx")
    path = tmp_path / "cases.txt"
    write_dataset(TEXT_ONLY, path, "jsonl")
    assert read_dataset(path, "jsonl") == TEXT_ONLY


def test_a_refused_write_leaves_the_old_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    write_dataset(TEXT_ONLY, path)
    before = path.read_bytes()
    with pytest.raises(FileFormatError, match="CSV"):
        write_dataset(RICH.model_copy(update={"description": ""}), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["cases.csv"]
