"""Python's cyclic garbage collector, run on the GUI thread only.

CPython starts a cyclic collection on whichever thread happens to allocate past the generation-0
threshold. When that is the engine's thread (or a worker of `BackgroundJobs`) and the garbage
holds Qt wrappers, their C++ objects are destroyed off the GUI thread, which crashes Qt
("Fatal Python error: Segmentation fault ... Garbage-collecting" in a run's `create_run`).

As Anki does, automatic collection is switched off for the whole process, and a `QTimer` on the
GUI thread collects each generation once its count passes a threshold. Reference counting still
frees everything that is not part of a cycle at once, on the thread dropping the last reference;
only cycles wait for the timer.
"""

from __future__ import annotations

import gc
import logging
import threading

from PySide6.QtCore import QObject, QTimer

_log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 1_000
"""How often the GUI thread looks at the generation counts."""

THRESHOLDS = (20_000, 10, 10)
"""Generation thresholds checked by the timer. Generation 0 is far above CPython's 700 because
it is looked at once a second instead of at every allocation: a young collection of this many
objects takes well under a millisecond, and an older generation is collected after ten younger
ones, as CPython does."""


class GuiGarbageCollector(QObject):
    """Collects garbage from a GUI-thread timer; automatic collection stays off while it lives.

    Create it on the GUI thread once a `QCoreApplication` exists; `stop` gives the process its
    automatic collection back.

    Args:
        parent: the owner (the application).
        interval_ms: how often to check the counts.
        thresholds: the generation thresholds (see `THRESHOLDS`).
    """

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        interval_ms: int = CHECK_INTERVAL_MS,
        thresholds: tuple[int, int, int] = THRESHOLDS,
    ) -> None:
        super().__init__(parent)
        self._thread = threading.get_ident()
        self._thresholds = thresholds
        self._was_enabled = gc.isenabled()
        self.collections = 0
        self.reenabled_seen = 0
        gc.collect()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int:
        """Collect each generation whose count passed its threshold; returns objects freed."""
        if threading.get_ident() != self._thread:
            raise RuntimeError("garbage must be collected on the GUI thread")
        if gc.isenabled():
            # Some library switched automatic collection back on (srsly did, when spaCy loads
            # a model; see `workbench.core.collector_guard`): off again, and say so once.
            gc.disable()
            if not self.reenabled_seen:
                _log.warning("automatic garbage collection was switched on by a library; off again")
            self.reenabled_seen += 1
        counts = gc.get_count()
        freed = 0
        if counts[0] > self._thresholds[0]:
            generation = 0
            if counts[1] > self._thresholds[1]:
                generation = 2 if counts[2] > self._thresholds[2] else 1
            freed = gc.collect(generation)
            self.collections += 1
        return freed

    def stop(self) -> None:
        """Stop the timer, collect once more and switch automatic collection back on."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def collect_on_gui_thread_only(parent: QObject) -> GuiGarbageCollector:
    """Switch automatic collection off and collect from a timer owned by `parent`."""
    collector = GuiGarbageCollector(parent)
    _log.debug("garbage collected on the GUI thread every %d ms", CHECK_INTERVAL_MS)
    return collector
