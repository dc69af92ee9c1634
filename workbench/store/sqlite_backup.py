"""Consistent copies of a live database with SQLite's online backup API.

Copying the file with the file system could catch a half-written page or miss the WAL; the
backup API copies a committed snapshot page by page.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from workbench.core.errors import KnownError


def backup_file(source: Path, target: Path) -> None:
    """Copy the committed state of `source` to a new file `target`."""
    if target.exists():
        raise KnownError(f"backup {target} already exists; move it away and open the file again")
    try:
        with (
            closing(sqlite3.connect(source)) as src,
            closing(sqlite3.connect(target)) as dst,
        ):
            src.execute("PRAGMA busy_timeout=5000")
            src.backup(dst)
    except sqlite3.Error as error:
        target.unlink(missing_ok=True)
        raise KnownError(
            f"could not back up {source} to {target} before migrating: {error}"
        ) from error
