"""`BackgroundJobs`: blocking store work (estimates, imports, charts, reviews) off the GUI thread.

A job is a plain function ``fn(store, progress) -> result``. It runs on a worker thread of the
engine bridge's loop (``asyncio.to_thread``) with a store connection of its own, opened for the
job and closed after it (a `Store` belongs to one thread). Progress and the outcome reach the
GUI thread through the bridge's batched delivery, so the GUI thread never waits on the disk.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from workbench.core.errors import KnownError
from workbench.gui.bridge import EngineBridge

if TYPE_CHECKING:
    from workbench.app.records import Store

_log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Job = Callable[["Store", Progress], Any]
StoreOpener = Callable[[], "Store"]


@dataclass(frozen=True, slots=True)
class JobProgress:
    """How far job `job` has got: `done` of `total` steps."""

    job: int
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class JobPart:
    """A piece of job `job`'s result, delivered before the job ends (plain data only)."""

    job: int
    part: Any


class BackgroundJobs(QObject):
    """Runs jobs on worker threads with their own store; reports back on the GUI thread.

    Args:
        bridge: the engine bridge whose loop schedules the worker threads.
        open_store: opens a new store connection (`Services.open_store`).

    Signals:
        job_progressed(int, int, int): job id, steps done, steps in all.
        job_part(int, object): job id and a piece of its result (`submit_parts`), in order.
        job_succeeded(int, object): job id and the function's return value.
        job_failed(int, str): job id and a message fit to show (a `KnownError`'s text, or
            the type and text of an unexpected error).
    """

    job_progressed = Signal(int, int, int)
    job_part = Signal(int, object)
    job_succeeded = Signal(int, object)
    job_failed = Signal(int, str)

    def __init__(
        self, bridge: EngineBridge, open_store: StoreOpener, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._open_store = open_store
        self._ids = itertools.count(1)
        self._by_task: dict[int, int] = {}
        bridge.events_arrived.connect(self._on_bridge_events_arrived)
        bridge.task_finished.connect(self._on_bridge_task_finished)

    @property
    def pending(self) -> int:
        """Jobs submitted and not finished yet."""
        return len(self._by_task)

    def submit(self, job: Job) -> int:
        """Run `job` on a worker thread; returns the job id the signals carry."""
        job_id = next(self._ids)
        open_store = self._open_store

        def work(sink: Callable[[Any], None]) -> Any:
            store = open_store()
            try:
                return job(store, lambda done, total: sink(JobProgress(job_id, done, total)))
            finally:
                store.close()

        return self._start(job_id, work)

    def submit_parts(self, job: Callable[[Store, Callable[[Any], None]], Any]) -> int:
        """Run ``job(store, deliver)`` on a worker thread; each ``deliver(part)`` reaches the
        GUI thread as `job_part`, in order and before `job_succeeded`.

        Parts cross threads: they must be plain data (no Qt object).
        """
        job_id = next(self._ids)
        open_store = self._open_store

        def work(sink: Callable[[Any], None]) -> Any:
            store = open_store()
            try:
                return job(store, lambda part: sink(JobPart(job_id, part)))
            finally:
                store.close()

        return self._start(job_id, work)

    def submit_call(self, call: Callable[[Progress], Any]) -> int:
        """Run ``call(progress)``, a blocking call that needs no store (the OS keyring, reading
        a file), on a worker thread."""
        job_id = next(self._ids)
        return self._start(
            job_id,
            lambda sink: call(lambda done, total: sink(JobProgress(job_id, done, total))),
        )

    def _start(self, job_id: int, work: Callable[[Callable[[Any], None]], Any]) -> int:
        task_id = self._bridge.submit(lambda sink: asyncio.to_thread(work, sink))
        self._by_task[task_id] = job_id
        return job_id

    def _on_bridge_events_arrived(self, events: list[Any]) -> None:
        for event in events:
            if isinstance(event, JobProgress):
                self.job_progressed.emit(event.job, event.done, event.total)
            elif isinstance(event, JobPart):
                self.job_part.emit(event.job, event.part)

    def _on_bridge_task_finished(self, task_id: int, result: Any, error: Any) -> None:
        job_id = self._by_task.pop(task_id, None)
        if job_id is None:
            return
        if error is None:
            self.job_succeeded.emit(job_id, result)
        elif isinstance(error, KnownError):
            self.job_failed.emit(job_id, str(error))
        else:
            _log.error("background job %d failed", job_id, exc_info=error)
            self.job_failed.emit(job_id, f"{type(error).__name__}: {error}")
