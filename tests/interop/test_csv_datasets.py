"""CSV/TSV datasets: what spreadsheets and people write, and errors that point at the line."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetContent, DatasetRow
from workbench.interop.datasets import dataset_text, read_dataset, read_dataset_text

Write = Callable[[str, str | bytes], Path]


def read_csv_text(text: str, filename: str = "cases.csv") -> DatasetContent:
    return read_dataset_text(text, filename=filename)


def test_comma_file_with_reserved_columns() -> None:
    content = read_csv_text(
        "id,message,expected,facts,tags\n"
        "track-001,Où en est ma commande ?,Elle est partie.,expédiée | 3 novembre,fr|tracking\n"
    )
    assert content.rows == (
        DatasetRow(
            id="track-001",
            vars={"message": "Où en est ma commande ?"},
            expected="Elle est partie.",
            facts=("expédiée", "3 novembre"),
            tags=("fr", "tracking"),
        ),
    )


def test_bom_and_semicolon_from_a_french_spreadsheet(write: Write) -> None:
    text = (
        "id;message;ton\r\n1;Bonjour, je voudrais échanger un article;vous\r\n2;Ça marche ?;tu\r\n"
    )
    path = write("excel.csv", codecs.BOM_UTF8 + text.encode("utf-8"))
    content = read_dataset(path)
    assert [row.id for row in content.rows] == ["1", "2"]
    assert content.rows[0].vars == {
        "message": "Bonjour, je voudrais échanger un article",
        "ton": "vous",
    }
    assert content.rows[1].vars["message"] == "Ça marche ?"


def test_tab_delimiter_is_sniffed_in_a_csv_file_and_forced_in_tsv() -> None:
    text = "id\tmessage\n1\tSalut, ça va ?\n"
    for filename in ("cases.csv", "cases.tsv"):
        content = read_csv_text(text, filename)
        assert content.rows[0].vars == {"message": "Salut, ça va ?"}


def test_pipe_delimiter() -> None:
    content = read_csv_text("id|message\na|Bonjour, madame\n")
    assert content.rows[0].vars == {"message": "Bonjour, madame"}


def test_commas_in_text_do_not_fool_the_sniffer_of_a_semicolon_file() -> None:
    rows = "".join(f"{i};Bonjour, oui, non, peut-être, {i}\n" for i in range(1, 30))
    content = read_csv_text("id;message\n" + rows)
    assert content.rows[4].vars == {"message": "Bonjour, oui, non, peut-être, 5"}


def test_one_column_file_keeps_commas_and_numbers_rows() -> None:
    content = read_csv_text("message\nBonjour, où est mon colis ?\nMerci, au revoir\n")
    assert [(row.id, row.vars["message"]) for row in content.rows] == [
        ("1", "Bonjour, où est mon colis ?"),
        ("2", "Merci, au revoir"),
    ]


def test_quoted_newlines_are_kept_and_later_lines_are_still_counted_right() -> None:
    text = 'id,message\n1,"Bonjour,\nligne deux\nligne trois"\n2,ok\n3,trop,de champs\n'
    with pytest.raises(FileFormatError) as caught:
        read_csv_text(text)
    assert caught.value.line == 6
    assert "cases.csv:6" in str(caught.value)
    content = read_csv_text(text.rsplit("3,", 1)[0])
    assert content.rows[0].vars["message"] == "Bonjour,\nligne deux\nligne trois"


def test_blank_lines_and_empty_spreadsheet_rows_are_skipped_and_reserved_names_ignore_case() -> (
    None
):
    content = read_csv_text("ID;Message;Tags\n\nr1;Salut;a|b\n;;\n\n")
    assert content.rows == (DatasetRow(id="r1", vars={"Message": "Salut"}, tags=("a", "b")),)


def test_empty_cells_in_reserved_columns() -> None:
    content = read_csv_text("id,message,expected,facts\n1,Salut,,\n")
    assert content.rows[0].expected is None
    assert content.rows[0].facts == ()


def test_ragged_row_names_line_and_counts() -> None:
    with pytest.raises(FileFormatError) as caught:
        read_csv_text("id,message\n1,ok\n2,a,b\n")
    error = caught.value
    assert (error.path, error.line) == ("cases.csv", 3)
    assert "expected 2 fields" in str(error) and "found 3" in str(error)


def test_undecodable_bytes_name_line_and_column(write: Write) -> None:
    path = write("latin.csv", "id,message\n1,ok\n2,café crème\n".encode("latin-1"))
    with pytest.raises(FileFormatError) as caught:
        read_dataset(path)
    error = caught.value
    assert (error.line, error.column) == (3, 6)
    assert str(path) in str(error) and "UTF-8" in str(error) and "E9" in str(error)


def test_undecodable_byte_on_the_first_line_after_a_bom(write: Write) -> None:
    path = write("bom.csv", codecs.BOM_UTF8 + b"id,m\xe9ssage\n1,ok\n")
    with pytest.raises(FileFormatError) as caught:
        read_dataset(path)
    assert (caught.value.line, caught.value.column) == (1, 5)


def test_duplicate_id_names_both_lines() -> None:
    with pytest.raises(FileFormatError) as caught:
        read_csv_text("id,message\nx,a\ny,b\nx,c\n")
    assert caught.value.line == 4
    assert "'x' appears twice (first on line 2)" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("  \n\n", "empty"),
        ("id,message\n", "header but no rows"),
        (";;\n", "no header"),
    ],
)
def test_empty_file_or_header_only(text: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message) as caught:
        read_csv_text(text)
    assert caught.value.path == "cases.csv"


def test_blank_header_cell_names_its_column() -> None:
    with pytest.raises(FileFormatError) as caught:
        read_csv_text("id,,message\n1,2,3\n")
    assert (caught.value.line, caught.value.column) == (1, 2)
    assert "column 2" in str(caught.value)


def test_duplicate_header_names_both_columns() -> None:
    with pytest.raises(FileFormatError, match=r"columns 2 and 3") as caught:
        read_csv_text("id,message,Message\n1,2,3\n")
    assert caught.value.column == 3


def test_unclosed_quote_names_the_line_where_the_cell_opens() -> None:
    with pytest.raises(FileFormatError, match="never closed") as caught:
        read_csv_text('id,message\n1,ok\n2,"oops\n3,fine\n')
    assert caught.value.line == 3


def test_blank_id_is_refused_with_its_line() -> None:
    with pytest.raises(FileFormatError, match="blank") as caught:
        read_csv_text("id,message\n1,a\n  ,b\n")
    assert caught.value.line == 3


def test_writing_is_canonical_and_orders_columns() -> None:
    content = DatasetContent(
        rows=(
            DatasetRow(id="b", vars={"message": 'Bonjour, "toi"', "ton": "tu"}, tags=("fr",)),
            DatasetRow(id="a", vars={"message": "ligne 1\nligne 2", "ton": ""}, expected="Oui"),
        )
    )
    assert dataset_text(content, "csv") == (
        'id,message,ton,expected,tags\nb,"Bonjour, ""toi""",tu,,fr\na,"ligne 1\nligne 2",,Oui,\n'
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (DatasetRow(id="1", vars={"n": 3}), "not text"),
        (DatasetRow(id="1", vars={"m": "x"}, asserts=({"type": "contains"},)), "assertions"),
        (DatasetRow(id="1", vars={"m": "x"}, facts=("a|b",)), "'|'"),
        (DatasetRow(id="1", vars={"tags": "x"}), "another column"),
        (DatasetRow(id="1", vars={"m": "x"}, expected=""), "empty expected"),
    ],
)
def test_csv_refuses_what_it_cannot_give_back(row: DatasetRow, reason: str) -> None:
    with pytest.raises(FileFormatError, match=reason) as caught:
        dataset_text(DatasetContent(rows=(row,)), "csv", filename="out.csv")
    assert caught.value.path == "out.csv"


def test_csv_refuses_rows_with_different_variables() -> None:
    content = DatasetContent(
        rows=(DatasetRow(id="1", vars={"a": "x"}), DatasetRow(id="2", vars={"b": "y"}))
    )
    with pytest.raises(FileFormatError, match="row '1' has no variable b"):
        dataset_text(content, "csv")


def test_text_after_a_closing_quote_is_explained() -> None:
    with pytest.raises(FileFormatError, match="two quotes") as caught:
        read_csv_text('id,message\n1,ok\n2,"Bonjour" dit-il\n')
    assert caught.value.line == 3
