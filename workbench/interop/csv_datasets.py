"""CSV and TSV datasets, as saved by spreadsheets and written by hand.

Reading: the delimiter is sniffed among ``,`` ``;`` tab and ``|`` (French spreadsheets save with
``;``); columns ``id``, ``expected``, ``facts`` and ``tags`` are reserved (matched without regard
to case; facts and tags are split on ``|``), every other column is a template variable whose
values are text. Without an ``id`` column rows are numbered ``1``, ``2``, … in file order.
Blank lines and rows whose cells are all empty are skipped (spreadsheets leave them at the end).

Writing: ``id`` first, then variables in first-seen order, then ``expected``, ``facts`` and
``tags`` when any row has them; ``\\n`` line ends. A dataset CSV cannot hold exactly (lists in
variables, assertions, a ``|`` inside a fact, ...) is refused with the reason rather than
written with a loss.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetContent
from workbench.interop.dataset_rows import RowCollector

DELIMITERS = ",;\t|"
RESERVED = ("id", "expected", "facts", "tags")
LIST_SEPARATOR = "|"
# A one-column file has no delimiter: split on a control character text never contains, so a
# comma inside the single column's text does not cut it in two.
_ONE_COLUMN = "\x1f"
_SNIFF_CHARS = 64 * 1024


def read_csv(text: str, *, path: str, delimiter: str | None = None) -> DatasetContent:
    """Parse CSV text into a dataset; `delimiter` None sniffs it."""
    if not text.strip():
        raise FileFormatError("the file is empty", path=path)
    nul = text.find("\x00")
    if nul >= 0:
        # Python's csv module reads NUL bytes as text; in a CSV file they mean a binary file or
        # UTF-16 text read as UTF-8, and would end up in prompts unseen.
        raise FileFormatError(
            "the file holds a NUL byte (\\0): it is not a text CSV file (binary, or UTF-16?)",
            path=path,
            line=text.count("\n", 0, nul) + 1,
            column=nul - (text.rfind("\n", 0, nul) + 1) + 1,
        )
    delimiter = delimiter or sniff_delimiter(text)
    records = _records(text, delimiter=delimiter, path=path)
    first = next(records, None)
    if first is None:
        raise FileFormatError("the file has no header and no rows", path=path)
    header_line, header = first
    columns = _columns(header, path=path, line=header_line)
    reserved = {
        name.lower(): index for index, name in enumerate(columns) if name.lower() in RESERVED
    }
    variables = [(i, name) for i, name in enumerate(columns) if name.lower() not in RESERVED]

    rows = RowCollector(path)
    for line, cells in records:
        if len(cells) != len(columns):
            raise FileFormatError(
                f"expected {len(columns)} fields like the header (line {header_line}), found"
                f" {len(cells)}; {_hint(delimiter)}",
                path=path,
                line=line,
            )
        fields: dict[str, object] = {"vars": {name: cells[i] for i, name in variables}}
        if "id" in reserved:
            fields["id"] = cells[reserved["id"]].strip()
        else:
            fields["id"] = str(len(rows) + 1)
        if "expected" in reserved and cells[reserved["expected"]] != "":
            fields["expected"] = cells[reserved["expected"]]
        for key in ("facts", "tags"):
            if key in reserved:
                fields[key] = split_list(cells[reserved[key]])
        rows.add(fields, line=line)
    if not len(rows):
        raise FileFormatError("the file has a header but no rows", path=path, line=header_line)
    return rows.finish()


def split_list(cell: str) -> tuple[str, ...]:
    """Split a facts/tags cell on ``|``; items are trimmed and empty items dropped."""
    return tuple(item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip())


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter among `DELIMITERS`, checked against the header line.

    `csv.Sniffer` looks at the rows' structure but can be misled by punctuation in free text
    (commas in French sentences in a ``;`` file), so its answer is kept only when the header
    contains it; otherwise the most frequent candidate in the header wins. A header with none of
    them is a one-column file.
    """
    header = next((line for line in text.splitlines() if line.strip()), "")
    try:
        sniffed: str | None = csv.Sniffer().sniff(text[:_SNIFF_CHARS], DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed and sniffed in header:
        return sniffed
    counts = {candidate: header.count(candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else _ONE_COLUMN


def _records(text: str, *, delimiter: str, path: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line, cells) for every non-blank record, the header first."""
    # newline="" keeps line ends inside quoted cells as written; line_num counts physical lines,
    # so a record starts on the line after the previous record ended.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    ended = 0
    while True:
        start = ended + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            reason = str(error)
            if "unexpected end of data" in reason:
                reason = "a quoted cell is never closed (a '\"' is missing)"
            elif "expected after" in reason:
                reason = (
                    "text follows the closing quote of a quoted cell (inside a quoted cell,"
                    ' write a quote as two quotes: "")'
                )
            raise FileFormatError(f"malformed CSV: {reason}", path=path, line=start) from None
        ended = reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, cells


def _columns(header: list[str], *, path: str, line: int) -> list[str]:
    names = [cell.strip() for cell in header]
    seen: dict[str, int] = {}
    for column, name in enumerate(names, start=1):
        if not name:
            raise FileFormatError(
                f"column {column} of the header has no name", path=path, line=line, column=column
            )
        if name.lower() in seen:
            raise FileFormatError(
                f"column '{name}' appears twice in the header (columns {seen[name.lower()]}"
                f" and {column})",
                path=path,
                line=line,
                column=column,
            )
        seen[name.lower()] = column
    return names


def write_csv(content: DatasetContent, *, path: str, delimiter: str = ",") -> str:
    """The canonical CSV text of a dataset (see the module docstring)."""
    _check_representable(content, path=path)
    variables: dict[str, None] = {}
    for row in content.rows:
        variables.update(dict.fromkeys(row.vars))
    extras = [
        name
        for name, present in (
            ("expected", any(row.expected is not None for row in content.rows)),
            ("facts", any(row.facts for row in content.rows)),
            ("tags", any(row.tags for row in content.rows)),
        )
        if present
    ]
    buffer = io.StringIO(newline="")
    plain = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    # The csv module does not quote a lone "\r" when the line end is "\n", and the reader would
    # then take it for a line end: such rows are written with every cell quoted.
    quoted = csv.writer(buffer, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
    plain.writerow(["id", *variables, *extras])
    for row in content.rows:
        cells = [row.id, *(row.vars[name] for name in variables)]
        for name in extras:
            if name == "expected":
                cells.append(row.expected or "")
            else:
                cells.append(LIST_SEPARATOR.join(getattr(row, name)))
        (quoted if any("\r" in cell for cell in cells) else plain).writerow(cells)
    return buffer.getvalue()


def _check_representable(content: DatasetContent, *, path: str) -> None:
    """Refuse what a CSV file could not give back unchanged."""

    def refuse(reason: str) -> FileFormatError:
        return FileFormatError(
            f"cannot be written as CSV without a loss: {reason}; use JSONL or YAML", path=path
        )

    if content.description:
        raise refuse("CSV has no place for the dataset description")
    names: set[str] = set()
    for row in content.rows:
        if row.id != row.id.strip():
            raise refuse(f"row id '{row.id}' starts or ends with spaces")
        if row.asserts:
            raise refuse(f"row '{row.id}' has assertions")
        if row.expected == "":
            raise refuse(f"row '{row.id}' has an empty expected answer")
        for field in ("facts", "tags"):
            for item in getattr(row, field):
                if item != item.strip() or not item or LIST_SEPARATOR in item:
                    raise refuse(
                        f"row '{row.id}' {field} item {item!r} is empty, padded or has '|'"
                    )
        for name, value in row.vars.items():
            if not isinstance(value, str):
                raise refuse(f"row '{row.id}' variable '{name}' is not text ({value!r})")
            names.add(name)
    for row in content.rows:
        missing = names.difference(row.vars)
        if missing:
            raise refuse(f"row '{row.id}' has no variable {', '.join(sorted(missing))}")
    for name in names:
        if name.lower() in RESERVED or name != name.strip() or not name:
            raise refuse(f"variable name {name!r} would be read back as another column")
    if len({name.lower() for name in names}) != len(names):
        raise refuse("two variable names differ only by case")


def _hint(delimiter: str) -> str:
    if delimiter == _ONE_COLUMN:
        return "the header has a single column"
    shown = "tab" if delimiter == "\t" else f"'{delimiter}'"
    return f"check the quoting and the {shown} delimiters"
