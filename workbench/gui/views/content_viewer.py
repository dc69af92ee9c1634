"""`ContentViewer`: a read-only look at a dataset, rubric or model config version as YAML."""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from workbench.core.models import Kind
from workbench.gui.document_view import DocumentView

if TYPE_CHECKING:
    from workbench.app.records import Store

ROWS_SHOWN = 500


class ContentViewer(DocumentView):
    """Shows the head (or a given ref) of a family as YAML; datasets show their first rows."""

    def __init__(
        self,
        store: Store,
        kind: Kind,
        name: str,
        ref: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store, self._kind, self._name, self._ref = store, kind, name, ref
        self.title = QLabel()
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        self.reload()

    @property
    def name(self) -> str:
        """The family shown."""
        return self._name

    def reload(self) -> None:
        """Read the version again."""
        address = self._name if self._ref is None else f"{self._name}@{self._ref}"
        version = self._store.resolve(self._kind, address)
        title = f"<b>{version.ref}</b>  ·  {self._kind.value}"
        if self._kind == Kind.DATASET:
            count = self._store.dataset_row_count(version.id)
            rows = self._store.dataset_rows(version.id, limit=ROWS_SHOWN)
            data = [row.model_dump(mode="json", exclude_defaults=True) for row in rows]
            shown = f"first {len(rows)} of " if count > len(rows) else ""
            title += f"  ·  {shown}{count} rows"
        else:
            data = version.content.model_dump(mode="json", exclude_defaults=True)
        self.title.setText(title)
        self.text.setPlainText(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
