"""A check that work handed to another thread carries no Qt object.

A callable sent to the engine's thread lives there until it has run: a bound method of a widget,
or a closure over one, keeps that widget's Python wrapper referenced from the worker thread, and
if the worker drops the last reference the C++ object is destroyed off the GUI thread. The
check walks what the callable holds (its bound ``self``, closure cells, defaults, and the same
for nested callables and `functools.partial`) a few levels deep and names the Qt object found.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QObject

_MAX_DEPTH = 4


def qt_objects_in(work: Any) -> list[str]:
    """Descriptions of the `QObject`s `work` holds (empty when it is safe to send)."""
    found: list[str] = []
    _walk(work, found, set(), 0, getattr(work, "__qualname__", type(work).__name__))
    return found


def assert_qt_free(work: Any) -> None:
    """Raise `TypeError` when `work` holds a Qt object (see the module doc)."""
    found = qt_objects_in(work)
    if found:
        raise TypeError("work for another thread must not hold Qt objects: " + "; ".join(found))


def _walk(item: Any, found: list[str], seen: set[int], depth: int, where: str) -> None:
    if id(item) in seen or depth > _MAX_DEPTH:
        return
    seen.add(id(item))
    if isinstance(item, QObject):
        found.append(f"{type(item).__name__} in {where}")
        return
    if isinstance(item, functools.partial):
        for value in (item.func, *item.args, *item.keywords.values()):
            _walk(value, found, seen, depth + 1, where)
        return
    bound_self = getattr(item, "__self__", None)
    if bound_self is not None and callable(item):
        _walk(bound_self, found, seen, depth + 1, f"{where} (bound to)")
    code_owner = getattr(item, "__func__", item)
    for cell in getattr(code_owner, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell: the variable is not assigned yet
            continue
        _walk(value, found, seen, depth + 1, where)
    for value in getattr(code_owner, "__defaults__", None) or ():
        _walk(value, found, seen, depth + 1, where)
