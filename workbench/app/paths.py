"""Where a workspace lives on disk.

The home folder holds the SQLite store, settings and drafts. It is chosen, in order, by an
explicit ``--home``, the ``WORKBENCH_HOME`` environment variable (tests point it at a temporary
folder so they are hermetic), or the platform's user data folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "prompt-workbench"
STORE_FILENAME = "workbench.sqlite"


def workspace_home(explicit: Path | str | None = None) -> Path:
    """The workspace home folder (not created here)."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    from_env = os.environ.get("WORKBENCH_HOME")
    if from_env:
        return Path(from_env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def demo_workspace_dir() -> Path | None:
    """The bundled demo workspace (``prompts/``, ``datasets/``, ``models/``, ``rubrics/``).

    It sits at the root of a source checkout; an installed copy without it returns None.
    """
    root = Path(__file__).resolve().parents[2]
    if (root / "prompts").is_dir() and (root / "datasets").is_dir():
        return root
    return None
