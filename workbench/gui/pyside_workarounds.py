"""A guard against reference-counting bugs of PySide6 6.12.0 on Python 3.11.

In that version two conversions from Qt to Python hand out `None`, `True` or `False` without
taking the reference they later give back:

* every *invalid* `QVariant` becoming `None` — a model's ``index.data(role)`` with nothing for
  that role, ``QComboBox.currentData()`` on an item without data, ``QModelIndex().data()``;
* every `bool` argument of a signal delivered to a Python slot — a button's ``clicked(bool)``,
  ``toggled(bool)``, any ``Signal(bool)`` of our own.

Python 3.11 keeps real reference counts on these singletons (3.12 made them immortal), so after
some thousands of such calls a count reaches zero and the interpreter aborts with "deallocating
None" or "deallocating True or False" — a grid scrolled for a few minutes, or a long live run,
is enough.

`guard_singleton_refcounts` detects each bug with a harmless probe and, only where it is
present, raises that singleton's reference count far out of reach (2**40: more calls than any
session can make), which is what Python 3.12 does for every run. Hot paths also avoid the
conversions where they can (the results delegate reads the grid's state directly). Remove this
module once the binding is fixed.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QModelIndex, QObject, Signal

_log = logging.getLogger(__name__)
_HEADROOM = 2**40
_PROBES = 64


class _BoolProbe(QObject):
    """Emits bools to a Python slot, which is where the binding drops references."""

    fired = Signal(bool)


def _drops(singleton: object, convert: object) -> bool:
    before = sys.getrefcount(singleton)
    for _ in range(_PROBES):
        convert()  # type: ignore[operator]
    return sys.getrefcount(singleton) < before - _PROBES // 2


def _dropped_singletons() -> list[object]:
    """The singletons (None, True, False) whose references the binding loses (each probe
    loses a few: call only to guard at once)."""
    if sys.version_info >= (3, 12):
        return []  # immortal singletons: the bugs cannot hurt
    found: list[object] = []
    index = QModelIndex()
    if _drops(None, index.data):
        found.append(None)
    probe = _BoolProbe()
    probe.fired.connect(lambda _value: None)
    for value in (True, False):
        if _drops(value, lambda v=value: probe.fired.emit(v)):
            found.append(value)
    return found


def guard_singleton_refcounts() -> list[object]:
    """Protect the process against the bugs that are present; returns what was guarded."""
    guarded = []
    for singleton in _dropped_singletons():
        if sys.getrefcount(singleton) > _HEADROOM // 2:
            continue  # already guarded
        # ob_refcnt is the first field of every CPython object: give the singleton the
        # headroom Python 3.12 gives it.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
        guarded.append(singleton)
    if guarded:
        _log.info("PySide6 drops references to %s on this Python: guarded", guarded)
    return guarded
