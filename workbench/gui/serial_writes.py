"""`SerialWrites`: small store writes (ratings, preferences) off the GUI thread, in order.

Background jobs run side by side, so two quick writes of the same thing — a reviewer pressing
4 then P on one cell — could land in the wrong order and leave the older value stored. Writes
queued here run one batch at a time, in the order they were made, and a write still waiting is
replaced by a newer one for the same key, so the last word is always the one stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from workbench.core.errors import KnownError
from workbench.gui.background_jobs import BackgroundJobs

if TYPE_CHECKING:
    from workbench.app.records import Store

_log = logging.getLogger(__name__)

Write = Callable[["Store"], Any]


class SerialWrites(QObject):
    """Queues keyed writes and runs them in order on a worker thread.

    Signals:
        written(object, object): a write finished: its key and what it returned.
        failed(object, str): a write was refused: its key and why, in words (later writes
            still run).
    """

    written = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, jobs: BackgroundJobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._waiting: dict[Hashable, Write] = {}  # insertion order is the order of writes
        self._running: int | None = None
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)

    @property
    def idle(self) -> bool:
        """Whether every queued write has been made."""
        return self._running is None and not self._waiting

    def write(self, key: Hashable, write: Write) -> None:
        """Queue `write(store)`; it replaces a write of the same key that has not started."""
        self._waiting.pop(key, None)
        self._waiting[key] = write
        if self._running is None:
            self._start()

    def _start(self) -> None:
        batch, self._waiting = list(self._waiting.items()), {}

        def run(store: Store, _progress: Any) -> list[tuple[Hashable, bool, Any]]:
            outcomes = []
            for key, write in batch:
                try:
                    outcomes.append((key, True, write(store)))
                except Exception as error:  # reported per write; the batch goes on
                    outcomes.append((key, False, error))
            return outcomes

        self._running = self._jobs.submit(run)

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id != self._running:
            return
        self._running = None
        for key, ok, value in result:  # type: ignore[attr-defined]
            if ok:
                self.written.emit(key, value)
            elif isinstance(value, KnownError):
                self.failed.emit(key, str(value))
            else:
                _log.error("write %r failed", key, exc_info=value)
                self.failed.emit(key, f"{type(value).__name__}: {value}")
        if self._waiting:
            self._start()

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id != self._running:
            return
        self._running = None
        self.failed.emit(None, message)
        if self._waiting:
            self._start()
