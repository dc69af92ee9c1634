"""Field-by-field differences between two versions of the same kind, and unified text diffs.

`diff_contents` walks two contents in field order. Nested models are flattened into dotted paths
(``tone.warmth``), mapping entries into ``variables.message``, and lists of models are compared
item by item (``examples[2].reply``, numbered from 1). Text that spans several lines carries a
unified diff; everything else carries its old and new values. Dataset rows are matched by id:
one change per added, removed or changed row (``rows[track-001]``), plus one for a new order.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from workbench.core.models import CONTENT_TYPES, Content, DatasetContent, Kind

ChangeType = Literal["added", "removed", "changed"]
_NO_NEWLINE = "\\ No newline at end of file\n"
_MISSING: Any = object()


def unified_diff(a: str, b: str, *, a_label: str, b_label: str, context: int = 3) -> str:
    """A unified diff of two texts, or ``""`` when they are equal.

    A last line without a newline is marked as in git, so the output is always line-terminated.
    """
    if a == b:
        return ""
    lines = difflib.unified_diff(
        a.splitlines(keepends=True),
        b.splitlines(keepends=True),
        fromfile=a_label,
        tofile=b_label,
        n=context,
    )
    out: list[str] = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n" + _NO_NEWLINE)
    return "".join(out)


@dataclass(frozen=True)
class FieldChange:
    """One difference between two contents.

    Attributes:
        path: where, for example ``system``, ``tone.warmth``, ``examples[2].reply``, ``rows[7]``.
        old: the old value as plain JSON-like data (None when added).
        new: the new value (None when removed).
        text_diff: a unified diff when the value is text spanning several lines, or a
            dataset row; None otherwise.
        change: ``added``, ``removed`` or ``changed``.
    """

    path: str
    old: Any
    new: Any
    text_diff: str | None = None
    change: ChangeType = "changed"


def diff_contents(
    kind: Kind, a: Content, b: Content, *, a_label: str = "a", b_label: str = "b"
) -> list[FieldChange]:
    """The changes from `a` to `b`, two contents of `kind`, in field order.

    `a_label` and `b_label` head the unified diffs (for example ``camille@v2`` and ``camille@v3``).
    """
    expected = CONTENT_TYPES[kind]
    for content in (a, b):
        if not isinstance(content, expected):
            raise TypeError(f"{kind.value} diff needs {expected.__name__}, got {type(content)}")
    differ = _Differ(a_label, b_label)
    if isinstance(a, DatasetContent) and isinstance(b, DatasetContent):
        return list(differ.datasets(a, b))
    return list(differ.models("", a, b))


class _Differ:
    def __init__(self, a_label: str, b_label: str) -> None:
        self.a_label = a_label
        self.b_label = b_label

    def models(self, prefix: str, a: BaseModel, b: BaseModel) -> Iterator[FieldChange]:
        for field in type(a).model_fields:
            yield from self.values(f"{prefix}{field}", getattr(a, field), getattr(b, field))

    def values(self, path: str, old: Any, new: Any) -> Iterator[FieldChange]:
        if old == new:
            return
        if old is _MISSING or new is _MISSING:
            yield self._change(path, old, new)
        elif isinstance(old, BaseModel) and isinstance(new, BaseModel):
            yield from self.models(f"{path}.", old, new)
        elif isinstance(old, Mapping) and isinstance(new, Mapping):
            for key in [*old, *(key for key in new if key not in old)]:
                yield from self.values(
                    f"{path}.{key}", old.get(key, _MISSING), new.get(key, _MISSING)
                )
        elif _is_model_list(old) and _is_model_list(new):
            for index in range(max(len(old), len(new))):
                yield from self.values(
                    f"{path}[{index + 1}]",
                    old[index] if index < len(old) else _MISSING,
                    new[index] if index < len(new) else _MISSING,
                )
        else:
            yield self._change(path, old, new)

    def datasets(self, a: DatasetContent, b: DatasetContent) -> Iterator[FieldChange]:
        yield from self.values("description", a.description, b.description)
        old_rows = {row.id: row for row in a.rows}
        new_rows = {row.id: row for row in b.rows}
        for row_id, row in old_rows.items():
            if row_id not in new_rows:
                yield self._change(f"rows[{row_id}]", row, _MISSING)
            elif row != new_rows[row_id]:
                yield self._change(f"rows[{row_id}]", row, new_rows[row_id])
        for row_id, row in new_rows.items():
            if row_id not in old_rows:
                yield self._change(f"rows[{row_id}]", _MISSING, row)
        kept_old = [row_id for row_id in old_rows if row_id in new_rows]
        kept_new = [row_id for row_id in new_rows if row_id in old_rows]
        if kept_old != kept_new:
            yield FieldChange(path="rows (order)", old=kept_old, new=kept_new)

    def _change(self, path: str, old: Any, new: Any) -> FieldChange:
        change: ChangeType = "changed"
        if old is _MISSING:
            change, old = "added", None
        elif new is _MISSING:
            change, new = "removed", None
        old_data, new_data = _plain(old), _plain(new)
        text_diff = None
        if path.startswith("rows[") and (old_data is None or new_data is None):
            pass  # an added or removed row is shown whole; a diff against nothing says no more
        elif path.startswith("rows["):
            text_diff = self._diff(path, _pretty(old_data), _pretty(new_data))
        elif _is_multiline(old_data) or _is_multiline(new_data):
            text_diff = self._diff(path, _text(old_data), _text(new_data))
        return FieldChange(
            path=path, old=old_data, new=new_data, text_diff=text_diff, change=change
        )

    def _diff(self, path: str, old: str, new: str) -> str:
        return unified_diff(
            old, new, a_label=f"{self.a_label}:{path}", b_label=f"{self.b_label}:{path}"
        )


def format_changes(changes: list[FieldChange]) -> str:
    """Changes as text for a terminal, one block per change; ``""`` when there are none."""
    blocks: list[str] = []
    row_changes = [change for change in changes if change.path.startswith("rows[")]
    if row_changes:
        counts = {kind: sum(c.change == kind for c in row_changes) for kind in _CHANGE_TYPES}
        blocks.append(
            f"rows: {counts['added']} added, {counts['removed']} removed,"
            f" {counts['changed']} changed\n"
        )
    for change in changes:
        if change.text_diff:
            blocks.append(f"{change.path}: {change.change}\n{change.text_diff}")
        elif change.change == "added":
            blocks.append(f"{change.path}: added {_show(change.new)}\n")
        elif change.change == "removed":
            blocks.append(f"{change.path}: removed {_show(change.old)}\n")
        else:
            blocks.append(f"{change.path}: {_show(change.old)} → {_show(change.new)}\n")
    return "".join(blocks)


_CHANGE_TYPES: tuple[ChangeType, ...] = ("added", "removed", "changed")


def _is_model_list(value: Any) -> bool:
    return isinstance(value, tuple | list) and all(isinstance(item, BaseModel) for item in value)


def _is_multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.rstrip("\n")


def _plain(value: Any) -> Any:
    """Models and tuples as JSON-like data, so that changes can be shown and serialised."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
