"""`PersonaForm`: every field of a persona as form controls, to and from `PersonaContent`.

The form's *raw state* is a JSON-friendly dict shaped like `PersonaContent`; it is what drafts
store and what dirtiness compares, so a half-filled form (that would not validate yet) can still
be kept as a draft.
"""

from __future__ import annotations

from typing import Any

import pydantic
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import ValidationError
from workbench.core.models import PersonaContent
from workbench.gui.widgets.string_list_editor import StringListEditor
from workbench.gui.widgets.template_edit import TemplateEdit

REGISTERS = (("institutional", "Institutional"), ("neutral", "Neutral"), ("casual", "Casual"))
ADDRESS_FORMS = (
    ("vous", "vous (French, formal)"),
    ("tu", "tu (French, familiar)"),
    ("formal", "formal (English: Mr / Ms)"),
    ("first_name", "first name (English)"),
)
POLICIES = (("never", "never"), ("sparingly", "sparingly"), ("free", "freely"))
SCALE_WORDS = {
    "formality": ("very casual", "casual", "standard", "formal", "very formal"),
    "warmth": ("factual", "courteous", "friendly", "warm", "very warm"),
    "concision": ("detailed", "complete", "balanced", "brief", "very brief"),
    "humour": ("none", "a touch", "some", "happily", "a lot"),
}


def _combo(choices: tuple[tuple[str, str], ...]) -> QComboBox:
    combo = QComboBox()
    for value, label in choices:
        combo.addItem(label, value)
    return combo


class _Scale(QWidget):
    """A 1–5 slider with the meaning of the current value next to it."""

    def __init__(self, words: tuple[str, ...]) -> None:
        super().__init__()
        self.words = words
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, 5)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.label = QLabel()
        self.label.setMinimumWidth(110)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self._on_slider_value_changed(self.slider.value())

    def _on_slider_value_changed(self, value: int) -> None:
        self.label.setText(f"{value} · {self.words[value - 1]}")


class PersonaForm(QWidget):
    """Form controls for a persona.

    Signals:
        changed(): any field changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent)
        self.display_name = QLineEdit(placeholderText="Camille")
        self.role = QLineEdit(placeholderText="conseillère du service client de Maison Lumière")
        self.languages = QLineEdit(placeholderText="fr, en")
        self.languages.setToolTip("Language codes, first one is the default answer language")
        self.formality = _Scale(SCALE_WORDS["formality"])
        self.register = _combo(REGISTERS)
        self.address_form = _combo(ADDRESS_FORMS)
        self.warmth = _Scale(SCALE_WORDS["warmth"])
        self.concision = _Scale(SCALE_WORDS["concision"])
        self.humour = _Scale(SCALE_WORDS["humour"])
        self.emoji = _combo(POLICIES)
        self.exclamations = _combo(POLICIES)
        self.prefer = StringListEditor("Phrase, then Enter")
        self.avoid = StringListEditor("Phrase, then Enter")
        self.sign_off = QLineEdit(placeholderText="Bien cordialement, Camille")
        self.max_sentence_words = QSpinBox()
        self.max_sentence_words.setRange(0, 200)
        self.max_sentence_words.setSpecialValueText("no limit")
        self.examples = QTableWidget(0, 2)
        self.examples.setHorizontalHeaderLabels(["Customer writes", "Persona replies"])
        self.examples.verticalHeader().setVisible(False)
        self.examples.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.examples.setMinimumHeight(110)
        self.add_example = QPushButton("Add example")
        self.remove_example = QPushButton("Remove example")
        self.template = TemplateEdit(dark=dark)
        self.template.setPlaceholderText(
            "Leave empty to use the built-in persona template (recommended)."
        )
        self.template.setMinimumHeight(80)
        self._build_layout()
        self._connect()

    def raw_state(self) -> dict[str, Any]:
        """The fields as JSON-friendly data, valid or not."""
        return {
            "display_name": self.display_name.text(),
            "role": self.role.text(),
            "languages": [c.strip() for c in self.languages.text().split(",") if c.strip()],
            "formality": self.formality.slider.value(),
            "register": self.register.currentData(),
            "address_form": self.address_form.currentData(),
            "tone": {
                "warmth": self.warmth.slider.value(),
                "concision": self.concision.slider.value(),
                "humour": self.humour.slider.value(),
                "emoji": self.emoji.currentData(),
                "exclamations": self.exclamations.currentData(),
            },
            "prefer": self.prefer.values(),
            "avoid": self.avoid.values(),
            "sign_off": self.sign_off.text(),
            "max_sentence_words": self.max_sentence_words.value(),
            "examples": [
                {"customer": self._cell(row, 0), "reply": self._cell(row, 1)}
                for row in range(self.examples.rowCount())
            ],
            "template": self.template.toPlainText(),
        }

    def commit_pending_edits(self) -> None:
        """Take the text of an example cell still being edited (Ctrl+S pressed mid-edit)."""
        editor = QApplication.focusWidget()
        if editor is not None and self.examples.isAncestorOf(editor):
            self.examples.commitData(editor)

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Fill the fields from `raw_state` data (a draft or a content dump)."""
        blocker = [w.blockSignals(True) for w in self._signal_sources()]
        try:
            tone = state.get("tone") or {}
            self.display_name.setText(state.get("display_name") or "")
            self.role.setText(state.get("role") or "")
            self.languages.setText(", ".join(state.get("languages") or []))
            self.formality.slider.setValue(int(state.get("formality") or 3))
            _select(self.register, state.get("register") or "neutral")
            _select(self.address_form, state.get("address_form") or "vous")
            self.warmth.slider.setValue(int(tone.get("warmth") or 3))
            self.concision.slider.setValue(int(tone.get("concision") or 3))
            self.humour.slider.setValue(int(tone.get("humour") or 1))
            _select(self.emoji, tone.get("emoji") or "never")
            _select(self.exclamations, tone.get("exclamations") or "sparingly")
            self.prefer.set_values(list(state.get("prefer") or []))
            self.avoid.set_values(list(state.get("avoid") or []))
            self.sign_off.setText(state.get("sign_off") or "")
            self.max_sentence_words.setValue(int(state.get("max_sentence_words") or 0))
            examples = state.get("examples") or []
            self.examples.setRowCount(len(examples))
            for row, example in enumerate(examples):
                self.examples.setItem(row, 0, QTableWidgetItem(example.get("customer", "")))
                self.examples.setItem(row, 1, QTableWidgetItem(example.get("reply", "")))
            self.template.setPlainText(state.get("template") or "")
            for line in (self.display_name, self.role, self.languages, self.sign_off):
                line.setCursorPosition(0)  # show the beginning of long values, not their end
        finally:
            for widget, was_blocked in zip(self._signal_sources(), blocker, strict=True):
                widget.blockSignals(was_blocked)
        for scale in (self.formality, self.warmth, self.concision, self.humour):
            scale._on_slider_value_changed(scale.slider.value())

    def set_content(self, content: PersonaContent | None) -> None:
        """Show a stored persona (None: an empty form with defaults)."""
        self.set_raw_state(state_of(content) if content else {})

    def content(self) -> PersonaContent:
        """The persona the fields describe.

        Raises:
            ValidationError: a field breaks a rule; the message names the field.
        """
        return content_of(self.raw_state())

    def _cell(self, row: int, column: int) -> str:
        item = self.examples.item(row, column)
        return item.text() if item is not None else ""

    def _signal_sources(self) -> list[QWidget]:
        return [
            self.display_name, self.role, self.languages, self.formality.slider, self.register,
            self.address_form, self.warmth.slider, self.concision.slider, self.humour.slider,
            self.emoji, self.exclamations, self.prefer, self.avoid, self.sign_off,
            self.max_sentence_words, self.examples, self.template,
        ]  # fmt: skip

    def _build_layout(self) -> None:
        identity = QFormLayout()
        identity.addRow("Display name", self.display_name)
        identity.addRow("Role", self.role)
        identity.addRow("Languages", self.languages)
        identity.addRow("Formality", self.formality)
        identity.addRow("Register", self.register)
        identity.addRow("Address form", self.address_form)
        identity.addRow("Warmth", self.warmth)
        identity.addRow("Concision", self.concision)
        identity.addRow("Humour", self.humour)
        identity.addRow("Emoji", self.emoji)
        identity.addRow("Exclamations", self.exclamations)
        identity.addRow("Prefer", self.prefer)
        identity.addRow("Avoid", self.avoid)
        identity.addRow("Sign-off", self.sign_off)
        identity.addRow("Max words / sentence", self.max_sentence_words)
        example_buttons = QHBoxLayout()
        example_buttons.addStretch(1)
        example_buttons.addWidget(self.add_example)
        example_buttons.addWidget(self.remove_example)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(identity)
        layout.addWidget(QLabel("<b>Example replies</b>"))
        layout.addWidget(self.examples)
        layout.addLayout(example_buttons)
        layout.addWidget(QLabel("<b>Own template</b> (optional)"))
        layout.addWidget(self.template)

    def _connect(self) -> None:
        emit = self.changed.emit
        for line in (self.display_name, self.role, self.languages, self.sign_off):
            line.textChanged.connect(lambda _text: emit())
        for scale in (self.formality, self.warmth, self.concision, self.humour):
            scale.slider.valueChanged.connect(lambda _value: emit())
        for combo in (self.register, self.address_form, self.emoji, self.exclamations):
            combo.currentIndexChanged.connect(lambda _index: emit())
        self.prefer.changed.connect(emit)
        self.avoid.changed.connect(emit)
        self.max_sentence_words.valueChanged.connect(lambda _value: emit())
        self.examples.itemChanged.connect(lambda _item: emit())
        self.template.textChanged.connect(emit)
        self.add_example.clicked.connect(self._on_add_example_clicked)
        self.remove_example.clicked.connect(self._on_remove_example_clicked)

    def _on_add_example_clicked(self) -> None:
        row = self.examples.rowCount()
        self.examples.insertRow(row)
        self.examples.setItem(row, 0, QTableWidgetItem(""))
        self.examples.setItem(row, 1, QTableWidgetItem(""))
        self.examples.setCurrentCell(row, 0)
        self.examples.setFocus()
        self.examples.editItem(self.examples.item(row, 0))
        self.changed.emit()

    def _on_remove_example_clicked(self) -> None:
        row = self.examples.currentRow()
        if row >= 0:
            self.examples.removeRow(row)
            self.changed.emit()


def state_of(content: PersonaContent) -> dict[str, Any]:
    """The raw form state showing `content`."""
    state = content.model_dump(mode="json")
    state["template"] = content.template or ""
    state["sign_off"] = content.sign_off or ""
    state["max_sentence_words"] = content.max_sentence_words or 0
    return state


def content_of(state: dict[str, Any]) -> PersonaContent:
    """A `PersonaContent` from raw form state; empty optional fields become None.

    Raises:
        ValidationError: names each field that is wrong and why.
    """
    data = dict(state)
    data["sign_off"] = (data.get("sign_off") or "").strip() or None
    data["max_sentence_words"] = data.get("max_sentence_words") or None
    data["template"] = data.get("template") or None
    data["display_name"] = (data.get("display_name") or "").strip()
    data["examples"] = [
        e
        for e in data.get("examples") or []
        if e.get("customer", "").strip() or e.get("reply", "").strip()
    ]
    if not data["display_name"]:
        raise ValidationError("Display name: give the persona a name.")
    try:
        return PersonaContent.model_validate(data)
    except pydantic.ValidationError as error:
        reasons = "; ".join(
            f"{' › '.join(str(part) for part in item['loc']).replace('_', ' ')}: {item['msg']}"
            for item in error.errors()
        )
        raise ValidationError(f"Cannot use this persona: {reasons}.") from None


def _select(combo: QComboBox, value: str) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(0, index))
