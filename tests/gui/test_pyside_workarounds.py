"""The singleton reference-count guard keeps the process alive through PySide6's lost references."""

from __future__ import annotations

import sys

from PySide6.QtCore import QModelIndex, QObject, Signal

from workbench.gui.pyside_workarounds import guard_singleton_refcounts


class Switch(QObject):
    toggled = Signal(bool)


def test_empty_qvariants_and_bool_signals_no_longer_threaten_the_singletons() -> None:
    guard_singleton_refcounts()
    assert guard_singleton_refcounts() == []  # once is enough
    index = QModelIndex()
    switch = Switch()
    received: list[bool] = []
    switch.toggled.connect(received.append)
    # More conversions than each singleton's own count in a fresh interpreter.
    for _ in range(50_000):
        assert index.data() is None
        switch.toggled.emit(True)
        switch.toggled.emit(False)
    assert received[-2:] == [True, False]
    # Guarded where the binding loses references, untouched where it does not: either way
    # the counts stay far from zero.
    for singleton in (None, True, False):
        assert sys.getrefcount(singleton) > 10_000
