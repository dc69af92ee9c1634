"""YAML datasets in promptfoo's ``tests:`` shape.

The file is a list of tests, or a mapping with ``tests:`` and an optional ``description`` (the
dataset's description). Each test may have:

- ``description``: the row id (promptfoo shows it as the test's name); without one, rows are
  numbered ``1``, ``2``, … by position. Two tests with the same description are refused.
- ``vars``: the template variables; values may be any JSON value (text, numbers, lists, ...).
  Dates written unquoted become ISO text.
- ``assert``: promptfoo assertions, kept verbatim for rubrics.
- ``metadata``: ``expected``, ``facts`` and ``tags`` (the workbench's own row fields).

Anything else (``options``, ``provider``, other metadata keys, a whole promptfoo config) is
refused with the line of the key, rather than read with a silent loss.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetContent
from workbench.interop.dataset_rows import RowCollector, row_id_from
from workbench.interop.yaml_io import dump_yaml, line_of, load_yaml, locate

TOP_KEYS = ("description", "tests")
TEST_KEYS = ("description", "vars", "assert", "metadata")
METADATA_KEYS = ("expected", "facts", "tags")

Keys = tuple[str | int, ...]
Fail = Callable[[str, Keys], FileFormatError]


def read_yaml_dataset(text: str, *, path: str) -> DatasetContent:
    """Parse a promptfoo-style tests file into a dataset."""
    data, root = load_yaml(text, path=path)

    def fail(message: str, keys: Keys) -> FileFormatError:
        place = locate(root, keys)
        line, column = place if place else (None, None)
        return FileFormatError(message, path=path, line=line, column=column)

    description = ""
    prefix: Keys = ()
    if data is None:
        raise FileFormatError("the file is empty", path=path)
    if isinstance(data, dict):
        for key in data:
            if key not in TOP_KEYS:
                raise fail(
                    f"'{key}' is not part of a dataset: a dataset file holds 'tests' and an"
                    " optional 'description' (copy a promptfoo config's tests into their own file)",
                    (str(key),),
                )
        if "tests" not in data:
            raise fail("the file has no 'tests' list", ())
        description = data.get("description") or ""
        if not isinstance(description, str):
            raise fail("'description' must be text", ("description",))
        prefix = ("tests",)
        data = data["tests"]
    if not isinstance(data, list):
        raise fail("expected a list of tests (each with 'vars'), or a mapping with 'tests'", prefix)

    rows = RowCollector(path)
    for index, test in enumerate(data):
        here: Keys = (*prefix, index)

        def fail_here(message: str, keys: Keys, here: Keys = here) -> FileFormatError:
            return fail(message, (*here, *keys))

        def field_line(loc: Keys, here: Keys = here) -> int | None:
            return line_of(root, (*here, *_file_keys(loc)))

        fields = _row_fields(test, position=index + 1, fail=fail_here)
        rows.add(fields, line=line_of(root, here), field_line=field_line)
    return rows.finish(description=description)


def write_yaml_dataset(content: DatasetContent) -> str:
    """The canonical promptfoo-style YAML text of a dataset."""
    tests = []
    for row in content.rows:
        test: dict[str, Any] = {"description": row.id, "vars": row.vars}
        if row.asserts:
            test["assert"] = list(row.asserts)
        metadata: dict[str, Any] = {}
        if row.expected is not None:
            metadata["expected"] = row.expected
        if row.facts:
            metadata["facts"] = list(row.facts)
        if row.tags:
            metadata["tags"] = list(row.tags)
        if metadata:
            test["metadata"] = metadata
        tests.append(test)
    document: dict[str, Any] = {}
    if content.description:
        document["description"] = content.description
    document["tests"] = tests
    return dump_yaml(document)


def _row_fields(test: Any, *, position: int, fail: Fail) -> dict[str, Any]:
    if not isinstance(test, dict):
        raise fail("a test must be a mapping with 'vars' (and 'description', 'assert', ...)", ())
    for key in test:
        if key not in TEST_KEYS:
            raise fail(
                f"test key '{key}' is not kept by the workbench (it keeps"
                f" {', '.join(TEST_KEYS)}); remove it or move it to a prompt or model config",
                (str(key),),
            )
    variables = test.get("vars", {})
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        raise fail("'vars' must be a mapping of variable names to values", ("vars",))
    fields: dict[str, Any] = {"vars": _json_value(variables, ("vars",), fail)}
    if "description" in test:
        row_id = row_id_from(test["description"])
        if row_id is None:
            raise fail("'description' (the row id) must be text", ("description",))
        fields["id"] = row_id
    else:
        fields["id"] = str(position)
    if test.get("assert") is not None:
        fields["asserts"] = _json_value(test["assert"], ("assert",), fail)
    metadata = test.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise fail("'metadata' must be a mapping", ("metadata",))
    for key in metadata:
        if key not in METADATA_KEYS:
            raise fail(
                f"metadata key '{key}' is not kept by the workbench (it keeps"
                f" {', '.join(METADATA_KEYS)}); use tags for categories",
                ("metadata", str(key)),
            )
        fields[key] = _json_value(metadata[key], ("metadata", key), fail)
    return fields


def _json_value(value: Any, keys: Keys, fail: Fail) -> Any:
    """`value` as plain JSON data; dates become ISO text, other YAML-only types are refused."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise fail(f"the key {key!r} must be text: put it in quotes", (*keys, str(key)))
            out[key] = _json_value(item, (*keys, key), fail)
        return out
    if isinstance(value, list):
        return [_json_value(item, (*keys, i), fail) for i, item in enumerate(value)]
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise fail(f"a {type(value).__name__} value cannot be kept: write it as text", keys)


def _file_keys(loc: Keys) -> Keys:
    """Map a `DatasetRow` field path to where a tests file writes it."""
    if not loc:
        return ()
    head, rest = loc[0], loc[1:]
    if head in METADATA_KEYS:
        return ("metadata", head, *rest)
    if head == "asserts":
        return ("assert", *rest)
    if head == "id":
        return ("description",)
    return (head, *rest)
