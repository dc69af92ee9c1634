"""Child process for the kill test: executes a stored run until the parent SIGKILLs it.

Usage: ``python -m tests.engine.kill_child DB RUN_ID LOG_DIR``. Writes two logs, one line per
event with a monotonic time stamp: ``completed`` (a provider call returned an answer) and
``flushed`` (a batch of cells was committed to the store).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.engine.fakes import FakeProvider, SharedFactory, answer
from tests.engine.helpers import make_engine
from workbench.core.llm import ChatRequest, Outcome
from workbench.core.runs import CellResult
from workbench.engine.clock import MonotonicClock
from workbench.store import Store


async def main(db: str, run_id: int, log_dir: Path) -> None:
    completed = (log_dir / "completed").open("a", buffering=1)
    flushed = (log_dir / "flushed").open("a", buffering=1)

    def stamped(request: ChatRequest, attempt: int) -> Outcome:
        outcome = answer(request, attempt)
        completed.write(f"{time.monotonic()} {request.messages[-1].content.split()[0][4:]}\n")
        return outcome

    def on_flushed(batch: Sequence[CellResult]) -> None:
        now = time.monotonic()
        flushed.write("".join(f"{now} {cell.key.row_id}\n" for cell in batch))

    with Store.open(db) as store:
        engine = make_engine(
            store,
            SharedFactory(FakeProvider(behaviour=stamped, delay=0.02)),
            clock=MonotonicClock(),
            flush_interval_s=0.05,
            on_flushed=on_flushed,
        )
        await engine.execute(run_id)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])))
