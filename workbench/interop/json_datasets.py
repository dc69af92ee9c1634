"""JSONL and JSON datasets: one object per row with ``id``, ``vars`` and optional extras.

JSONL is the canonical dataset format: one row per line, blank lines allowed. A JSON file holds
an array of the same objects. Errors name the line (and column for syntax errors); an object
with unknown keys is refused rather than partly read, so nothing in the file is silently lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetContent
from workbench.interop.dataset_rows import ROW_KEYS, RowCollector, row_id_from, row_to_object

_WHITESPACE = " \t\n\r"
MAX_DEPTH = 64
"""The deepest nesting of objects and arrays a row may have."""


class _BadValue(ValueError):
    """A value JSON data must not hold (NaN, Infinity, an unreadable number)."""


def _refuse_constant(name: str) -> Any:
    raise _BadValue(f"{name} is not a JSON value (write null, or the number as text)")


def _parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _BadValue(
            f"an integer of {len(text.lstrip('-')):,} digits is too long to read (at most 4,300)"
        ) from None


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_int=_parse_int)


def _checked(value: Any, *, path: str, line: int) -> Any:
    """`value` once its nesting and its strings are checked (lone surrogates cannot be stored)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise FileFormatError(
                    f"nested more than {MAX_DEPTH} levels deep", path=path, line=line
                )
            children = list(item.keys()) + list(item.values()) if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                bad = item[error.start : error.end]
                raise FileFormatError(
                    f"the text holds a lone surrogate ({bad!r}), which is not valid Unicode:"
                    " \\uD800-\\uDFFF escapes must come in pairs",
                    path=path,
                    line=line,
                ) from None
    return value


def _decode(
    text: str, pos: int, *, path: str, line: int, whole_file: bool = False
) -> tuple[Any, int]:
    """Decode one JSON value at `pos` (of one line, or of the `whole_file`); every failure is a
    `FileFormatError` at its line."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as error:
        raise FileFormatError(
            f"not valid JSON: {error.msg}",
            path=path,
            line=error.lineno if whole_file else line,
            column=error.colno,
        ) from None
    except _BadValue as error:
        raise FileFormatError(f"not valid JSON: {error}", path=path, line=line) from None
    except RecursionError:
        raise FileFormatError(
            f"nested more than {MAX_DEPTH} levels deep", path=path, line=line
        ) from None
    return _checked(value, path=path, line=line), end


def read_jsonl(text: str, *, path: str) -> DatasetContent:
    """Parse JSONL text (one object per line) into a dataset."""
    rows = RowCollector(path)
    # Split on "\n" only: JSON strings may hold U+2028 and similar, which str.splitlines breaks on.
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        start = len(line) - len(line.lstrip(_WHITESPACE))
        obj, end = _decode(line, start, path=path, line=number)
        if line[end:].strip(_WHITESPACE):
            raise FileFormatError(
                "not valid JSON: Extra data", path=path, line=number, column=end + 1
            )
        fields = _row_fields(obj, position=len(rows) + 1, path=path, line=number)
        rows.add(fields, line=number)
    return rows.finish()


def read_json(text: str, *, path: str) -> DatasetContent:
    """Parse a JSON array of row objects into a dataset."""
    rows = RowCollector(path)
    for position, (line, obj) in enumerate(_iter_array(text, path=path), start=1):
        rows.add(_row_fields(obj, position=position, path=path, line=line), line=line)
    return rows.finish()


def write_jsonl(content: DatasetContent) -> str:
    """The canonical JSONL text of a dataset: one object per line, keys in a fixed order."""
    return "".join(_dumps(row_to_object(row)) + "\n" for row in content.rows)


def write_json(content: DatasetContent) -> str:
    """The canonical JSON text of a dataset: an array with one row object per line."""
    if not content.rows:
        return "[]\n"
    body = ",\n".join("  " + _dumps(row_to_object(row)) for row in content.rows)
    return f"[\n{body}\n]\n"


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


def _row_fields(obj: Any, *, position: int, path: str, line: int) -> dict[str, Any]:
    """Map one row object to `DatasetRow` fields, refusing shapes the model cannot hold."""
    if not isinstance(obj, dict):
        raise FileFormatError(
            f'expected an object like {{"id": ..., "vars": {{...}}}}, found {_json_type(obj)}',
            path=path,
            line=line,
        )
    unknown = [key for key in obj if key not in ROW_KEYS]
    if unknown:
        raise FileFormatError(
            f"unknown key {', '.join(repr(k) for k in unknown)}; a row has "
            f'{", ".join(ROW_KEYS)} (template variables go under "vars")',
            path=path,
            line=line,
        )
    if "vars" not in obj:
        raise FileFormatError('the row has no "vars" object', path=path, line=line)
    if not isinstance(obj["vars"], dict):
        raise FileFormatError(
            f'"vars" must be an object of variables, found {_json_type(obj["vars"])}',
            path=path,
            line=line,
        )
    fields: dict[str, Any] = {"vars": obj["vars"]}
    if "id" in obj:
        row_id = row_id_from(obj["id"])
        if row_id is None:
            raise FileFormatError(
                f'"id" must be text or a whole number, found {_json_type(obj["id"])}',
                path=path,
                line=line,
            )
        fields["id"] = row_id
    else:
        fields["id"] = str(position)
    for key in ("expected", "facts", "tags"):
        if key in obj:
            fields[key] = obj[key]
    if "assert" in obj:
        fields["asserts"] = obj["assert"]
    return fields


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _iter_array(text: str, *, path: str) -> Iterator[tuple[int, Any]]:
    """Yield (line, value) for each element of a top-level JSON array.

    `json.loads` gives no positions for elements, so the array is walked with `raw_decode` to
    know the line each row starts on (for shape errors and duplicate ids).
    """

    def fail(message: str, pos: int) -> FileFormatError:
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return FileFormatError(message, path=path, line=line, column=column)

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        return pos

    pos = skip(0)
    if pos == len(text):
        raise FileFormatError("the file is empty", path=path)
    if text[pos] != "[":
        raise fail("expected a JSON array of rows ([{...}, {...}])", pos)
    pos = skip(pos + 1)
    if pos < len(text) and text[pos] == "]":
        pos = skip(pos + 1)
    else:
        while True:
            line = text.count("\n", 0, pos) + 1
            value, end = _decode(text, pos, path=path, line=line, whole_file=True)
            yield line, value
            pos = skip(end)
            if pos < len(text) and text[pos] == ",":
                pos = skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "]":
                pos = skip(pos + 1)
                break
            raise fail("expected ',' or ']' after a row", pos)
    if pos != len(text):
        raise fail("unexpected text after the closing ']'", pos)
