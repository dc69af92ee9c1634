"""Which runs are really running: a lock file held by the process executing each run.

A run's status says ``running`` from the moment an execution starts until it ends; after a
``kill -9`` or a crash nothing is left to change it. So the process executing a run also holds an
exclusive `flock` on ``<store>.run-locks/run-<id>.lock``; the operating system releases it when
the process dies, however it dies. A ``running`` run whose lock nobody holds is shown as
``interrupted`` (resume continues it). Where `fcntl` is missing (Windows) nothing is derived and
the stored status is shown as it is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class RunLocks:
    """The run locks of one store (one per `Store` instance).

    Args:
        database: the store's file; the locks live in a folder beside it.
    """

    def __init__(self, database: Path) -> None:
        self._folder = database.parent / f"{database.stem}.run-locks"
        self._held: dict[int, IO[bytes]] = {}

    def _path(self, run_id: int) -> Path:
        return self._folder / f"run-{run_id}.lock"

    def hold(self, run_id: int) -> None:
        """Take the lock of a run this process executes (kept until `release`)."""
        if fcntl is None or run_id in self._held:
            return
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            handle = self._path(run_id).open("a+b")
        except OSError:
            return  # a read-only folder: the run goes on, it just cannot be told apart later
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()  # another process executes it too; its lock speaks for both
            return
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._held[run_id] = handle

    def release(self, run_id: int) -> None:
        """Give up the lock of a run whose execution ended."""
        handle = self._held.pop(run_id, None)
        if handle is not None:
            handle.close()  # closing the file releases the flock

    def is_running(self, run_id: int) -> bool | None:
        """Whether some live process holds the run's lock; None when this cannot be known."""
        if fcntl is None:
            return None
        if run_id in self._held:
            return True
        try:
            handle = self._path(run_id).open("rb")
        except FileNotFoundError:
            return False
        except OSError:
            return None
        with handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            except OSError:
                return None
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return False

    def close(self) -> None:
        """Release every lock this store holds."""
        for run_id in list(self._held):
            self.release(run_id)
