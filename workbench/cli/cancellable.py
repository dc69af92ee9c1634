"""What the CLI's executing commands share: Ctrl+C as a graceful cancel, and id lists.

`run_cancellable` runs a coroutine under `asyncio.run` with the first Ctrl+C setting the
cancel event it is given (the engine stops scheduling and keeps what finished; a second
Ctrl+C interrupts as usual). `id_list` reads ``a,b,c`` options such as ``--rows`` and
``--cases``.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def run_cancellable(work: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """`work(cancel)` under `asyncio.run`; the first Ctrl+C sets `cancel`."""

    async def go() -> T:
        cancel = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, cancel.set)
        try:
            return await work(cancel)
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    return asyncio.run(go())


def id_list(text: str | None) -> tuple[str, ...]:
    """The ids of a comma-separated option (blanks dropped; none when not given)."""
    return tuple(part.strip() for part in text.split(",") if part.strip()) if text else ()
