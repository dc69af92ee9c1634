"""What a database file is, found out read-only before anything touches it.

Opening the store through SQLAlchemy switches the file to WAL and, for a migration, takes the
write lock. Both are changes, so they must wait until the file is known to be ours, readable and
not from a newer major schema. `inspect_file` answers from a read-only connection (no journal
switch, no lock beyond a shared read) and from the file's header:

* a file shorter than its header says (truncated by a full disk or a bad copy) or one SQLite
  calls malformed is *damaged*: the error says so, names the last backup beside it and how to
  recover;
* a newer major schema is refused with the file untouched (no WAL switch);
* when no migration is pending the store opens without ever taking the write lock, so a
  read-only command runs while another program writes.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from workbench.core.errors import KnownError

_HEADER_SIZE = 100
_DAMAGE_WORDS = ("malformed", "not a database", "disk image", "encrypted", "corrupt")


class DamagedStoreError(KnownError):
    """The database file is damaged; the message names the last backup and how to recover."""


@dataclass(frozen=True)
class FileState:
    """What a file says about itself.

    Attributes:
        blank: the file does not exist or is empty.
        version: (major, minor) from ``schema_meta``; None for a blank file or a foreign one.
        applied: names of the migrations already applied.
        other_tables: tables of a file without ``schema_meta``.
    """

    blank: bool
    version: tuple[int, int] | None = None
    applied: frozenset[str] = frozenset()
    other_tables: tuple[str, ...] = ()

    def pending(self, names: Sequence[str]) -> list[str]:
        """The names in `names` not applied to the file yet."""
        return [name for name in names if name not in self.applied]


def inspect_file(path: Path, *, busy_timeout_ms: int = 5000) -> FileState:
    """Read the schema state of `path` without changing the file.

    Raises:
        DamagedStoreError: the file is truncated or SQLite finds it malformed.
        KnownError: the file cannot be read (permissions, locked past the timeout).
    """
    if not path.exists() or path.stat().st_size == 0:
        return FileState(blank=True)
    problem = truncation(path)
    if problem is not None:
        raise DamagedStoreError(damaged_message(path, problem))
    uri = f"file:{quote(str(path))}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000)) as raw:
            raw.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            tables = {
                name
                for (name,) in raw.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%'"
                )
            }
            if "schema_meta" not in tables:
                return FileState(blank=not tables, other_tables=tuple(sorted(tables)))
            row = raw.execute("SELECT major, minor FROM schema_meta WHERE id = 1").fetchone()
            applied = frozenset(
                name for (name,) in raw.execute("SELECT name FROM schema_migrations")
            )
    except sqlite3.DatabaseError as error:
        raise as_known_error(path, error) from error
    version = None if row is None else (int(row[0]), int(row[1]))
    return FileState(blank=False, version=version, applied=applied)


def truncation(path: Path) -> str | None:
    """Why the file is shorter than its own header says, or None when its size is right."""
    with path.open("rb") as handle:
        header = handle.read(_HEADER_SIZE)
    if len(header) < _HEADER_SIZE:
        return f"it is only {len(header)} bytes long, shorter than an SQLite header"
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    change_counter, page_count = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    if page_count == 0 or valid_for != change_counter:
        return None  # the header's size field is not maintained: nothing to compare
    expected = page_size * page_count
    actual = path.stat().st_size
    if actual < expected:
        return f"it has {actual:,} bytes but its header says {expected:,} (it was cut short)"
    return None


def is_damage(error: BaseException) -> bool:
    """Whether an SQLite error means the file itself is damaged."""
    text = str(error).lower()
    return any(word in text for word in _DAMAGE_WORDS)


def as_known_error(path: Path, error: sqlite3.DatabaseError) -> KnownError:
    """The error to show for an SQLite failure reading `path`."""
    if is_damage(error):
        return DamagedStoreError(damaged_message(path, f"SQLite says: {error}"))
    text = str(error)
    if "locked" in text or "busy" in text:
        return KnownError(
            f"{path} is busy: another program holds it locked; try again, or close the other"
            " program"
        )
    return KnownError(f"cannot read {path}: {error}")


def last_backup(path: Path) -> Path | None:
    """The newest backup copy beside `path` (taken before each migration), if any."""
    backups = sorted(
        path.parent.glob(f"{path.stem}.backup-*.sqlite"), key=lambda p: p.stat().st_mtime
    )
    return backups[-1] if backups else None


def damaged_message(path: Path, problem: str) -> str:
    """What to tell the user about a damaged file: what, where the backup is, how to recover."""
    backup = last_backup(path)
    if backup is not None:
        taken = datetime.fromtimestamp(backup.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
        recover = (
            f" The last backup is {backup} (taken {taken}). To recover: close Prompt Workbench,"
            f" move {path.name} aside, then copy that backup to {path}; work saved after the"
            " backup is not in it."
        )
    else:
        recover = (
            f" There is no backup beside it. To recover what can be read: move {path.name} aside"
            f" and run `sqlite3 {path.name} .recover | sqlite3 {path.stem}-recovered.sqlite`,"
            " then open the recovered file (or start a new workspace)."
        )
    return f"{path} is damaged: {problem}. Nothing was changed.{recover}"
