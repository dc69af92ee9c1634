"""Autosaved drafts of unsaved editor text, so nothing typed is lost on a crash.

Each open editor writes its unsaved fields to ``<home>/drafts/<key>.json`` shortly after the
user stops typing, and deletes the file once the text is saved as a version. Reopening the
editor offers the draft back. Plain JSON files: readable, and independent of the database so
a failed save or a locked store cannot take the draft with it.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class DraftStore:
    """Reads and writes drafts under ``<home>/drafts``."""

    def __init__(self, home: Path) -> None:
        self._folder = home / "drafts"

    def path_for(self, key: str) -> Path:
        """The file holding the draft for `key` (for example ``prompt-order-tracking``)."""
        return self._folder / f"{_UNSAFE.sub('_', key)}.json"

    def load(self, key: str) -> dict[str, Any] | None:
        """The saved draft, or None when there is none or it cannot be read."""
        path = self.path_for(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            # A damaged draft must not stop the editor from opening; keep the file for the user.
            _log.warning("ignoring unreadable draft %s: %s", path, error)
            return None
        return data if isinstance(data, dict) else None

    def save(self, key: str, data: dict[str, Any]) -> None:
        """Write atomically: a crash mid-write leaves the previous draft intact."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, path)

    def discard(self, key: str) -> None:
        """Forget the draft (after a successful save)."""
        self.path_for(key).unlink(missing_ok=True)
