"""`LoopBound`: an engine helper that belongs to the event loop that first uses it.

The judge and the embedder hold HTTP clients, whose connections belong to one event loop: a
second loop must build its own. `LoopBound` refuses a call from another loop with a clear
message, and gives ``async with`` closing through `aclose`.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import ClassVar, Self


class LoopBound:
    """Refuses use from a second event loop; closes with `aclose` (or ``async with``)."""

    WHAT: ClassVar[str] = "object"
    """How the refusal names the object ("judge", "embedder")."""

    _loop: asyncio.AbstractEventLoop | None = None

    def _check_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError(
                f"this {self.WHAT} belongs to another event loop (its HTTP clients do):"
                f" build one {self.WHAT} per loop"
            )

    async def aclose(self) -> None:
        """Close what the object opened (subclasses override)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
