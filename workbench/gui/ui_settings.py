"""Where the window remembers its layout: an INI file under the workspace home.

Only UI state lives here (geometry, splitters, last open tabs). Content lives in the SQLite
store; drafts of unsaved text live in `workbench.gui.drafts`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

UI_SETTINGS_FILENAME = "ui-settings.ini"


def open_ui_settings(home: Path) -> QSettings:
    """The UI settings of the workspace at `home` (an INI file, never the registry or plist)."""
    home.mkdir(parents=True, exist_ok=True)
    return QSettings(str(home / UI_SETTINGS_FILENAME), QSettings.Format.IniFormat)
