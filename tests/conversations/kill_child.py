"""Child process for the kill test: executes a stored simulation until the parent kills it.

Usage: ``python -m tests.conversations.kill_child DB RUN_ID``.
"""

from __future__ import annotations

import asyncio
import sys

from tests.conversations.conftest import make_engine
from workbench.store import Store


async def main(db: str, run_id: int) -> None:
    with Store.open(db) as store:
        await make_engine(store).execute(run_id)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
