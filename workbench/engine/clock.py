"""Time for the engine, injectable so tests of pacing and backoff run instantly.

`MonotonicClock` is the real thing. Tests pass a virtual clock whose `sleep` advances `now`
without waiting, which makes rate-limit pacing and retry delays exact and deterministic.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """A monotonic time source and the matching sleep."""

    def now(self) -> float:
        """Seconds on a monotonic scale (the origin is arbitrary)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait this many seconds of this clock's time."""
        ...


class MonotonicClock:
    """Wall time: `time.monotonic` and `asyncio.sleep`."""

    def now(self) -> float:
        """Seconds from `time.monotonic`."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """`asyncio.sleep`, skipping the call for non-positive waits."""
        if seconds > 0:
            await asyncio.sleep(seconds)
