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

CHECK_INTERVAL_MS = 100
"""How often the GUI thread looks at the generation counts."""

THRESHOLDS = (5_000, 10, 10)
"""Generation thresholds checked by the timer. A collection's pause grows with the objects it
scans: in a process holding a big run (millions of objects), each young object costs about half
a microsecond (cache misses), so a young generation allowed to grow to 20,000 objects or more
between checks a second apart paused the GUI for 15-40 ms, and a burst of imports for 200 ms.
Checked ten times a second, young collections stay at a few thousand objects. An older
generation is collected after ten younger ones, as CPython does; the oldest (a full
collection, which scans every object not frozen) only once the objects moved into it since the
last full collection reach a quarter of those it then held (CPython's own rule), so a long run
or a big grid does not pay a full scan every few seconds."""


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
        self.full_collections = 0
        self.reenabled_seen = 0
        # Objects left in the oldest generation by the last full collection, and moved into it
        # since (estimated from each middle-generation collection).
        self._long_lived_total = 0
        self._long_lived_pending = 0
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
        if counts[0] <= self._thresholds[0]:
            return 0
        generation = 0
        if counts[1] > self._thresholds[1]:
            generation = 1
            if counts[2] > self._thresholds[2] and self._full_collection_due():
                generation = 2
        promoted = 0
        if generation == 1:
            promoted = len(gc.get_objects(0)) + len(gc.get_objects(1))
        freed = gc.collect(generation)
        self.collections += 1
        if generation == 1:
            self._long_lived_pending += max(0, promoted - freed)
        elif generation == 2:
            self.full_collections += 1
            self._long_lived_total = len(gc.get_objects(2))
            self._long_lived_pending = 0
        return freed

    def _full_collection_due(self) -> bool:
        return self._long_lived_pending > self._long_lived_total // 4

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
