"""Progress of a run on stderr: a live bar on a terminal, a plain line every few seconds elsewhere.

A redrawing bar written to a file or a CI log becomes thousands of lines; when stderr is not a
terminal the run reports ``run 3: 1,200/5,000 cells, 2 errors, 14 s`` at most every
`PLAIN_INTERVAL_S` seconds, and once at the end. ``quiet`` prints nothing.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

from workbench.cli.context import stderr

if TYPE_CHECKING:  # the bar's module loads on a terminal only
    from rich.progress import Progress, TaskID

PLAIN_INTERVAL_S = 5.0


class RunProgress:
    """Counts settled cells and shows them; use as a context manager around the run."""

    def __init__(self, run_id: int, *, quiet: bool, interval_s: float = PLAIN_INTERVAL_S) -> None:
        self._run_id = run_id
        self._quiet = quiet
        self._interval_s = interval_s
        self._live = not quiet and stderr.is_terminal
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self.total: int | None = None
        self.done = 0
        self.errors = 0
        self.cancelling = False
        self._started = time.monotonic()
        self._last_line = self._started
        self._last_done: int | None = None  # what the last plain line said: never said twice

    def __enter__(self) -> RunProgress:
        if self._live:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn(f"run {self._run_id}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                console=stderr,
                transient=False,
            )
            self._task = self._bar.add_task("cells", total=None, status="")
            self._bar.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, traceback)
        elif not self._quiet and self.done and self.done != self._last_done:
            self._print_line()

    def started(self, total: int) -> None:
        """The run knows how many cells it will settle."""
        self.total = total
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=total)

    def cell_settled(self, *, error: bool) -> None:
        """One more cell has its final state."""
        self.done += 1
        self.errors += int(error)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, status=self._status())
            return
        now = time.monotonic()
        if not self._quiet and now - self._last_line >= self._interval_s:
            self._last_line = now
            self._print_line()

    def _status(self) -> str:
        if self.cancelling:
            return "cancelling…"
        return f"{self.errors} errors" if self.errors else ""

    def _print_line(self) -> None:
        self._last_done = self.done
        total = "?" if self.total is None else f"{self.total:,}"
        status = self._status()
        elapsed = time.monotonic() - self._started
        line = f"run {self._run_id}: {self.done:,}/{total} cells"
        line += f", {status}" if status else ""
        stderr.print(f"{line}, {elapsed:.0f} s", highlight=False, markup=False)
