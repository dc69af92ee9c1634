"""Small timer helpers shared by the editors (debounced preview and draft writes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer


def debounce_timer(parent: QObject, delay_ms: int, slot: Callable[[], Any]) -> QTimer:
    """A single-shot timer calling `slot`; every `start()` pushes the call back by `delay_ms`."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(delay_ms)
    timer.timeout.connect(slot)
    return timer
