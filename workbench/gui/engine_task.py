"""What a run's and a simulation's controllers share: one task on the engine thread at a time.

`EngineTaskController` is the GUI-thread half: it submits work to the engine bridge, keeps the
id of the run it drives, picks its own events out of the bridge's batches (a created event
carrying its token, per-run events, scores, scoring failures) and turns the task's end into a
summary or a message. `CancellableWork` is the engine-thread half's cancel handshake; it holds
no Qt object (the bridge refuses work that does; see `workbench.gui.qt_free`).

Subclasses (`RunController`, `SimulationController`) name their event types, say what an event
and a summary are, and name their own signals for creation, scores, the end and failures.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Signal

from workbench.core.errors import KnownError
from workbench.gui.bridge import EngineBridge

_log = logging.getLogger(__name__)
_TOKENS = itertools.count(1)
Sink = Callable[[Any], None]


class CancellableWork:
    """The engine-thread side's cancel handshake: `request_cancel` from the GUI thread sets the
    event of the execution under way (or makes the next one start cancelled)."""

    def __init__(self) -> None:
        # Written on the engine thread when an execution starts, read by `request_cancel`.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancel_event: asyncio.Event | None = None
        self.cancel_wanted = False

    def request_cancel(self) -> None:
        """Ask the current execution to stop (from the GUI thread)."""
        # The flag first: `_begin_execution` stores the loop before reading the flag, so one of
        # the two always sees the other.
        self.cancel_wanted = True
        loop, event = self._loop, self._cancel_event
        if loop is not None and event is not None:
            loop.call_soon_threadsafe(event.set)

    def _begin_execution(self) -> asyncio.Event:
        """The cancel event of an execution starting on the running loop."""
        self._loop = asyncio.get_running_loop()
        cancel = self._cancel_event = asyncio.Event()
        if self.cancel_wanted:
            cancel.set()
        return cancel

    def _end_execution(self) -> None:
        self._loop = self._cancel_event = None


class EngineTaskController(QObject):
    """Drives one run's tasks on the engine thread and reports on the GUI thread.

    A subclass calls ``super().__init__(bridge, parent=...)``, then sets ``self._work`` (a
    `CancellableWork` built with ``self._token``), and sets the class attributes below.

    Signals:
        events_received(list): engine events of this run, in order.
        running_changed(bool): a task started (True) or ended (False).
        scoring_failed(str): scoring failed; the run itself is kept.
    """

    events_received = Signal(list)
    running_changed = Signal(bool)
    scoring_failed = Signal(str)

    WHAT: ClassVar[str] = "run"
    """How messages name what is driven."""
    STOPPED_MESSAGE: ClassVar[str] = ""
    """What to say when a task was cancelled before it finished."""
    CREATED: ClassVar[Any]
    """The event (``token``, ``run_id``) saying this controller's run was stored."""
    EVENTS: ClassVar[Any]
    """Engine events of a run (``run_id``), unwrapped by `_unwrap`."""
    SCORED: ClassVar[Any]
    """Scores of a run (``run_id``, ``scores``), already stored."""
    SCORING_FAILED: ClassVar[Any]
    """Scoring a run failed (``run_id``, ``message``)."""
    CREATED_SIGNAL: ClassVar[str]
    """The signal (int) saying the run was stored with this id."""
    SCORES_SIGNAL: ClassVar[str]
    """The signal (list) carrying stored scores."""
    FINISHED_SIGNAL: ClassVar[str]
    """The signal (object) carrying the summary of an execution that completed."""
    FAILED_SIGNAL: ClassVar[str]
    """The signal (str) saying, in words, why the run could not be created or executed."""

    _work: CancellableWork

    def __init__(self, bridge: EngineBridge, *, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._token = next(_TOKENS)
        self._run_id: int | None = None
        self._task: int | None = None
        self.last_summary: Any = None
        bridge.events_arrived.connect(self._on_bridge_events_arrived)
        bridge.task_finished.connect(self._on_bridge_task_finished)

    # -- what a subclass provides --------------------------------------------------------------

    def _unwrap(self, item: Any) -> Any:
        """The engine event inside one of `EVENTS`."""
        raise NotImplementedError

    def _is_summary(self, result: Any) -> bool:
        """Whether a task's result is the summary of a finished execution."""
        return result is not None

    def _prepare_submit(self) -> None:
        """Hand the work what it needs before a task starts (the judge of a run)."""

    # -- shared --------------------------------------------------------------------------------

    def _announce(self, signal: str, value: Any) -> None:
        getattr(self, signal).emit(value)

    @property
    def run_id(self) -> int | None:
        """What this controller drives, once created or attached."""
        return self._run_id

    @property
    def running(self) -> bool:
        """Whether a task is under way."""
        return self._task is not None

    def resume(self) -> None:
        """Run everything not finished yet (after a cancel, a crash or errors)."""
        self._continue("missing")

    def retry_errors(self) -> None:
        """Run again only what ended in an error."""
        self._continue("errors")

    def cancel(self) -> bool:
        """Stop the task under way; False when nothing runs."""
        if not self.running:
            return False
        self._work.request_cancel()
        return True

    def _attach(self, run_id: int) -> None:
        if self.running:
            raise RuntimeError("cannot attach a controller while it runs")
        self._run_id = run_id

    def _check_can_start(self) -> None:
        if self.running:
            raise RuntimeError("this controller is already running")

    def _start(self, spec: Any, name: str) -> None:
        """Create a run from `spec` on the engine thread and execute it."""
        self._check_can_start()
        work = self._work
        create_and_execute = work.create_and_execute  # type: ignore[attr-defined]
        self._submit(lambda sink: create_and_execute(sink, spec, name))

    def _continue(self, mode: Any) -> None:
        if self._run_id is None:
            raise RuntimeError(f"no {self.WHAT} to continue: start or attach one first")
        if self.running:
            return
        run_id, work = self._run_id, self._work
        execute_stored = work.execute_stored  # type: ignore[attr-defined]
        self._submit(lambda sink: execute_stored(sink, run_id, mode))

    def _submit(self, make: Callable[[Sink], Any]) -> None:
        self._work.cancel_wanted = False
        self._prepare_submit()
        self._task = self._bridge.submit(make)
        self.running_changed.emit(True)

    def _on_bridge_events_arrived(self, events: list[Any]) -> None:
        mine: list[Any] = []
        for item in events:
            if isinstance(item, self.CREATED):
                if item.token == self._token:
                    self._run_id = item.run_id
                    self._announce(self.CREATED_SIGNAL, item.run_id)
            elif isinstance(item, self.EVENTS):
                if item.run_id == self._run_id:
                    mine.append(self._unwrap(item))
            elif isinstance(item, self.SCORED):
                if item.run_id == self._run_id:
                    # A score must land after the events it scores.
                    mine = self._flush(mine)
                    self._announce(self.SCORES_SIGNAL, list(item.scores))
            elif isinstance(item, self.SCORING_FAILED) and item.run_id == self._run_id:
                self.scoring_failed.emit(item.message)
        self._flush(mine)

    def _flush(self, events: list[Any]) -> list[Any]:
        if events:
            self.events_received.emit(events)
        return []

    def _on_bridge_task_finished(self, task_id: int, result: Any, error: Any) -> None:
        if task_id != self._task:
            return
        self._task = None
        self.running_changed.emit(False)
        if error is None:
            if self._is_summary(result):
                self.last_summary = result
                self._announce(self.FINISHED_SIGNAL, result)
        elif isinstance(error, asyncio.CancelledError):
            self._announce(self.FAILED_SIGNAL, self.STOPPED_MESSAGE)
        elif isinstance(error, KnownError):
            self._announce(self.FAILED_SIGNAL, str(error))
        else:
            _log.error("%s failed", self.WHAT, exc_info=error)
            self._announce(
                self.FAILED_SIGNAL, f"The {self.WHAT} stopped on an unexpected error: {error!r}"
            )
