"""`PreviewSourcePicker`: choose the dataset row and persona a prompt preview renders with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QWidget

from workbench.core.errors import KnownError
from workbench.core.models import DatasetRow, Kind, PersonaContent
from workbench.core.personas import render_persona
from workbench.gui.models.prompt_form import PLACEHOLDER_ROW

if TYPE_CHECKING:
    from workbench.app.records import Store

ROWS_LISTED = 500
NO_PERSONA = "(no persona)"
NO_DATASET = "(none: show placeholders)"


class PreviewSourcePicker(QWidget):
    """Dataset, row and persona pickers reading the store's heads.

    Signals:
        changed(): another row or persona was chosen.
    """

    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._rows: dict[str, DatasetRow] = {}
        self.dataset = QComboBox()
        self.row = QComboBox()
        self.persona = QComboBox()
        for combo in (self.dataset, self.row, self.persona):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(18)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Dataset", self.dataset)
        layout.addRow("Row", self.row)
        layout.addRow("Persona", self.persona)
        self.reload()
        self.dataset.currentTextChanged.connect(self._on_dataset_current_text_changed)
        self.row.currentIndexChanged.connect(lambda _index: self.changed.emit())
        self.persona.currentIndexChanged.connect(lambda _index: self.changed.emit())

    def reload(self) -> None:
        """List the store's datasets and personas again, keeping the choices where possible."""
        dataset, persona = self.dataset.currentText(), self.persona.currentText()
        self.dataset.blockSignals(True)
        self.dataset.clear()
        self.dataset.addItem(NO_DATASET)
        self.dataset.addItems([f.name for f in self._store.list_families(Kind.DATASET)])
        self.dataset.setCurrentIndex(max(0, self.dataset.findText(dataset)))
        if self.dataset.currentIndex() == 0 and self.dataset.count() > 1 and not dataset:
            self.dataset.setCurrentIndex(1)  # a real row shows more than placeholders
        self.dataset.blockSignals(False)
        self.persona.blockSignals(True)
        self.persona.clear()
        self.persona.addItem(NO_PERSONA)
        self.persona.addItems([f.name for f in self._store.list_families(Kind.PERSONA)])
        self.persona.setCurrentIndex(max(0, self.persona.findText(persona)))
        self.persona.blockSignals(False)
        self._load_rows()

    def row_choice(self) -> tuple[str | None, dict[str, Any] | None]:
        """The chosen row id and variables, or (None, None) for placeholders."""
        row = self._rows.get(self.row.currentData() or "")
        return (row.id, dict(row.vars)) if row is not None else (None, None)

    def persona_section(self) -> tuple[str | None, str | None]:
        """The chosen persona's address (``name@vN``) and rendered section, or (None, None).

        Raises:
            TemplateError: the persona's template does not render.
        """
        name = self.persona.currentText()
        if not name or name == NO_PERSONA:
            return None, None
        version = self._store.resolve(Kind.PERSONA, name)
        return version.ref, render_persona(version.content_as(PersonaContent), name=version.ref)

    def _load_rows(self) -> None:
        self.row.blockSignals(True)
        self.row.clear()
        self._rows = {}
        name = self.dataset.currentText()
        if name and name != NO_DATASET:
            try:
                version = self._store.resolve(Kind.DATASET, name)
                rows = self._store.dataset_rows(version.id, limit=ROWS_LISTED)
            except KnownError:
                rows = []
            for row in rows:
                self._rows[row.id] = row
                first = next((str(v) for v in row.vars.values() if isinstance(v, str)), "")
                first = first.replace("\n", " ")
                self.row.addItem(f"{row.id}  {first[:50]}", row.id)
        if not self._rows:
            self.row.addItem(PLACEHOLDER_ROW, None)
        self.row.blockSignals(False)

    def _on_dataset_current_text_changed(self, _text: str) -> None:
        self._load_rows()
        self.changed.emit()
