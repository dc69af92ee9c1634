"""The bridge between the asyncio engine and the Qt GUI thread.

The engine is plain asyncio and knows nothing of Qt. It runs on a loop owned by a worker
thread; its event sink puts events on a thread-safe queue, and a `QTimer` on the GUI thread
drains that queue every ~60 ms and emits one batched signal. The GUI thread therefore never
waits on the network, and a flood of streamed tokens costs it one slot call per tick.

Nothing running on the worker thread holds a Qt object: the loop side of the bridge is the
plain `_LoopSide`, and `submit` refuses a coroutine factory that carries a `QObject` (a bound
method of a widget, a closure over one). Otherwise the worker thread could drop the last
reference to a Qt wrapper and destroy its C++ object off the GUI thread.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import queue
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from workbench.gui.qt_free import assert_qt_free

_log = logging.getLogger(__name__)

EventSink = Callable[[Any], None]
CoroutineFactory = Callable[[EventSink], Coroutine[Any, Any, Any]]
Coalescer = Callable[[list[Any]], list[Any]]

# A tick drains at most this many items so that a producer faster than the GUI cannot keep one
# tick busy forever; the rest wait for the next tick.
_MAX_ITEMS_PER_TICK = 100_000


@dataclass(frozen=True)
class _TaskDone:
    task_id: int
    result: Any
    error: BaseException | None


class _LoopSide:
    """The part of the bridge the worker loop touches: no Qt in here (see the module doc)."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.tasks: dict[int, asyncio.Task[Any]] = {}  # touched on the worker thread only

    def post(self, event: Any) -> None:
        self.queue.put(event)

    def start_task(self, task_id: int, make: CoroutineFactory) -> None:
        try:
            task = asyncio.get_running_loop().create_task(make(self.post))
        except Exception as error:
            self.queue.put(_TaskDone(task_id, None, error))
            return
        self.tasks[task_id] = task
        # The done callback runs on the loop after the task's last `post`, so the GUI always
        # receives a task's events before hearing that it finished.
        task.add_done_callback(lambda done: self._on_task_done(task_id, done))

    def cancel_task(self, task_id: int) -> None:
        task = self.tasks.get(task_id)
        if task is not None:
            task.cancel()

    def _on_task_done(self, task_id: int, task: asyncio.Task[Any]) -> None:
        self.tasks.pop(task_id, None)
        self.queue.put(_outcome(task_id, task))


class EngineBridge(QObject):
    """Runs coroutines on a private asyncio thread and delivers their events in batches.

    Call `submit` with a factory taking an event sink; the coroutine it returns runs on the
    worker loop and may call the sink from that loop (or any thread). Events reach the GUI
    thread through `events_arrived`, once per tick, after `coalesce` merged them.

    Signals:
        events_arrived(list): the events posted since the previous tick, coalesced, in order.
        task_finished(int, object, object): a submitted coroutine ended: task id, its return
            value, and the exception it raised (`asyncio.CancelledError` when cancelled) or None.
            Emitted after the batch carrying the task's last events.
    """

    events_arrived = Signal(list)
    task_finished = Signal(int, object, object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        interval_ms: int = 60,
        coalesce: Coalescer | None = None,
    ) -> None:
        super().__init__(parent)
        self._side = _LoopSide()
        self._queue = self._side.queue
        self._coalesce = coalesce
        self._ids = itertools.count(1)
        self._active: set[int] = set()  # touched on the GUI thread only
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def running(self) -> bool:
        """Whether the worker loop is up."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def active_tasks(self) -> int:
        """How many submitted coroutines have not been reported finished yet."""
        return len(self._active)

    def start(self) -> None:
        """Start the worker thread and its loop (idempotent)."""
        if self.running:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._loop = loop
        self._thread = threading.Thread(
            target=_run_loop, args=(loop, ready), name="workbench-engine", daemon=True
        )
        self._thread.start()
        ready.wait()

    def submit(self, make: CoroutineFactory) -> int:
        """Run ``make(sink)`` on the worker loop; returns a task id for `cancel`.

        Raises:
            TypeError: `make` holds a Qt object (it would be released on the worker thread).
        """
        assert_qt_free(make)
        self.start()
        assert self._loop is not None
        task_id = next(self._ids)
        self._active.add(task_id)
        # The task is created on the loop's own thread and cancel requests travel the same FIFO
        # (`call_soon_threadsafe`), so a cancel can never overtake the start of its task.
        self._loop.call_soon_threadsafe(self._side.start_task, task_id, make)
        if not self._timer.isActive():
            self._timer.start()
        return task_id

    def post(self, event: Any) -> None:
        """Hand one event to the GUI thread; safe from any thread, never blocks."""
        self._queue.put(event)

    def cancel(self, task_id: int) -> bool:
        """Ask a running task to stop; False when it already finished or is unknown."""
        if task_id not in self._active or self._loop is None:
            return False
        self._loop.call_soon_threadsafe(self._side.cancel_task, task_id)
        return True

    def flush(self) -> None:
        """Deliver whatever is queued now instead of waiting for the next tick."""
        self._on_timer_timeout()

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Cancel every task, stop the loop and join the thread (called on application quit)."""
        self._timer.stop()
        loop, thread = self._loop, self._thread
        self._loop, self._thread = None, None
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout_s)
            if thread.is_alive():
                _log.error("engine thread did not stop within %.1f s", timeout_s)
        self._active.clear()

    def _on_timer_timeout(self) -> None:
        events: list[Any] = []
        finished: list[_TaskDone] = []
        for _ in range(_MAX_ITEMS_PER_TICK):
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _TaskDone):
                finished.append(item)
            else:
                events.append(item)
        if events:
            self.events_arrived.emit(self._coalesce(events) if self._coalesce else events)
        for done in finished:
            if done.task_id in self._active:
                self._active.discard(done.task_id)
                self.task_finished.emit(done.task_id, done.result, done.error)
        if not self._active and self._queue.empty():
            self._timer.stop()


def _run_loop(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    try:
        loop.run_forever()
        # Let cancelled tasks run their cleanup (closing HTTP clients) before the loop closes.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def _outcome(task_id: int, task: asyncio.Task[Any]) -> _TaskDone:
    if task.cancelled():
        return _TaskDone(task_id, None, asyncio.CancelledError())
    error = task.exception()
    return _TaskDone(task_id, None if error else task.result(), error)
