"""`CustomerForm`: every field of a simulated customer persona, to and from `CustomerContent`.

Like the assistant persona form, the *raw state* is a JSON-friendly dict shaped like the content,
kept in drafts and compared for dirtiness, so a half-filled form can be kept before it validates.
"""

from __future__ import annotations

from typing import Any

import pydantic
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from workbench.app.conversations import CustomerContent
from workbench.core.errors import ValidationError
from workbench.gui.widgets.template_edit import TemplateEdit

MOODS = (
    ("calm", "calm"),
    ("pressed", "pressed (no time to lose)"),
    ("anxious", "anxious"),
    ("irritated", "irritated"),
    ("angry", "angry"),
    ("cheerful", "cheerful"),
)
PATIENCE_WORDS = ("none", "little", "average", "patient", "very patient")
CAPITALS = (("normal", "normal"), ("lower", "all lower case"), ("shouting", "SHOUTS in capitals"))
LENGTHS = (("short", "short (a line)"), ("medium", "medium (2–3 sentences)"), ("long", "long"))
ADDRESSES = (
    ("any", "does not mind"),
    ("vous", "expects vous"),
    ("tu", "uses tu"),
)
ENDINGS = (
    ("thanks", "says thanks when helped"),
    ("leaves_angry", "leaves angry when it goes round in circles"),
    ("asks_human", "asks for a human when not understood"),
    ("gives_up", "gives up when it drags on"),
)
LANGUAGES = ("fr", "en", "de", "es", "it")


def _combo(choices: tuple[tuple[str, str], ...]) -> QComboBox:
    combo = QComboBox()
    for value, label in choices:
        combo.addItem(label, value)
    return combo


def _select(combo: QComboBox, value: str) -> None:
    combo.setCurrentIndex(max(0, combo.findData(value)))


class CustomerForm(QWidget):
    """Form controls for a customer persona.

    Signals:
        changed(): any field changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent)
        self.display_name = QLineEdit(placeholderText="Nadia, 34")
        self.background = QPlainTextEdit()
        self.background.setPlaceholderText(
            "Who they are: commutes two hours a day, orders on her phone between two trains."
        )
        self.background.setMaximumHeight(80)
        self.language = QComboBox()
        self.language.setEditable(True)
        self.language.addItems(LANGUAGES)
        self.language.setToolTip("Language code the customer writes in (fr, en, …)")
        self.mood = _combo(MOODS)
        self.patience = QSlider(Qt.Orientation.Horizontal)
        self.patience.setRange(1, 5)
        self.patience.setPageStep(1)
        self.patience.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.patience_label = QLabel()
        self.patience_label.setMinimumWidth(110)
        self.typo_rate = QSlider(Qt.Orientation.Horizontal)
        self.typo_rate.setRange(0, 50)
        self.typo_rate.setToolTip("Share of words with a typo")
        self.typo_label = QLabel()
        self.typo_label.setMinimumWidth(110)
        self.accents = QCheckBox("writes accents (é, à, ç)")
        self.sms_speak = QCheckBox("SMS-speak (slt, stp, jsp)")
        self.capitals = _combo(CAPITALS)
        self.length = _combo(LENGTHS)
        self.expects_address = _combo(ADDRESSES)
        self.put_off_by_tu = QCheckBox("put off when the assistant says tu")
        self.endings = {value: QCheckBox(label) for value, label in ENDINGS}
        self.template = TemplateEdit(dark=dark)
        self.template.setPlaceholderText(
            "Leave empty to use the built-in customer template (recommended)."
        )
        self.template.setMinimumHeight(80)
        self._build_layout()
        self._connect()
        self.set_raw_state({})

    def raw_state(self) -> dict[str, Any]:
        """The fields as JSON-friendly data, valid or not."""
        return {
            "display_name": self.display_name.text(),
            "background": self.background.toPlainText(),
            "language": self.language.currentText().strip(),
            "mood": self.mood.currentData(),
            "patience": self.patience.value(),
            "writing": {
                "typo_rate": round(self.typo_rate.value() / 100, 2),
                "accents": self.accents.isChecked(),
                "sms_speak": self.sms_speak.isChecked(),
                "capitals": self.capitals.currentData(),
                "length": self.length.currentData(),
            },
            "expects_address": self.expects_address.currentData(),
            "put_off_by_tu": self.put_off_by_tu.isChecked(),
            "ends_when": [value for value, box in self.endings.items() if box.isChecked()],
            "template": self.template.toPlainText(),
        }

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Fill the fields from raw state (a draft or a content dump); missing keys: defaults."""
        sources = self._signal_sources()
        blocked = [w.blockSignals(True) for w in sources]
        try:
            writing = state.get("writing") or {}
            self.display_name.setText(state.get("display_name") or "")
            self.display_name.setCursorPosition(0)
            self.background.setPlainText(state.get("background") or "")
            self.language.setCurrentText(state.get("language") or "fr")
            _select(self.mood, state.get("mood") or "calm")
            self.patience.setValue(int(state.get("patience") or 3))
            self.typo_rate.setValue(round(float(writing.get("typo_rate") or 0) * 100))
            self.accents.setChecked(bool(writing.get("accents", True)))
            self.sms_speak.setChecked(bool(writing.get("sms_speak", False)))
            _select(self.capitals, writing.get("capitals") or "normal")
            _select(self.length, writing.get("length") or "medium")
            _select(self.expects_address, state.get("expects_address") or "any")
            self.put_off_by_tu.setChecked(bool(state.get("put_off_by_tu", False)))
            ends = state.get("ends_when")
            chosen = set(ends if ends is not None else ["thanks"])
            for value, box in self.endings.items():
                box.setChecked(value in chosen)
            self.template.setPlainText(state.get("template") or "")
        finally:
            for widget, was in zip(sources, blocked, strict=True):
                widget.blockSignals(was)
        self._update_labels()

    def set_content(self, content: CustomerContent | None) -> None:
        """Show a stored customer (None: an empty form with defaults)."""
        self.set_raw_state(state_of(content) if content else {})

    def content(self) -> CustomerContent:
        """The customer the fields describe.

        Raises:
            ValidationError: a field breaks a rule; the message names the field.
        """
        return content_of(self.raw_state())

    def _signal_sources(self) -> list[QWidget]:
        return [
            self.display_name, self.background, self.language, self.mood, self.patience,
            self.typo_rate, self.accents, self.sms_speak, self.capitals, self.length,
            self.expects_address, self.put_off_by_tu, *self.endings.values(), self.template,
        ]  # fmt: skip

    def _build_layout(self) -> None:
        patience = QHBoxLayout()
        patience.addWidget(self.patience, 1)
        patience.addWidget(self.patience_label)
        typos = QHBoxLayout()
        typos.addWidget(self.typo_rate, 1)
        typos.addWidget(self.typo_label)
        who = QFormLayout()
        who.addRow("Display name", self.display_name)
        who.addRow("Background", self.background)
        who.addRow("Language", self.language)
        who.addRow("Mood", self.mood)
        who.addRow("Patience", patience)
        writes = QFormLayout()
        writes.addRow("Typos", typos)
        writes.addRow("", self.accents)
        writes.addRow("", self.sms_speak)
        writes.addRow("Capitals", self.capitals)
        writes.addRow("Length", self.length)
        register = QFormLayout()
        register.addRow("Form of address", self.expects_address)
        register.addRow("", self.put_off_by_tu)
        ends = QVBoxLayout()
        for box in self.endings.values():
            ends.addWidget(box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Who they are</b>"))
        layout.addLayout(who)
        layout.addWidget(QLabel("<b>How they write</b>"))
        layout.addLayout(writes)
        layout.addWidget(QLabel("<b>Register they expect</b>"))
        layout.addLayout(register)
        layout.addWidget(QLabel("<b>What makes them end</b>"))
        layout.addLayout(ends)
        layout.addWidget(QLabel("<b>Own template</b> (optional)"))
        layout.addWidget(self.template)

    def _connect(self) -> None:
        emit = self.changed.emit
        self.display_name.textChanged.connect(lambda _t: emit())
        self.background.textChanged.connect(emit)
        self.language.currentTextChanged.connect(lambda _t: emit())
        for combo in (self.mood, self.capitals, self.length, self.expects_address):
            combo.currentIndexChanged.connect(lambda _i: emit())
        for slider in (self.patience, self.typo_rate):
            slider.valueChanged.connect(lambda _v: self._update_labels())
            slider.valueChanged.connect(lambda _v: emit())
        for box in (self.accents, self.sms_speak, self.put_off_by_tu, *self.endings.values()):
            box.toggled.connect(lambda _c: emit())
        self.template.textChanged.connect(emit)
        self.expects_address.currentIndexChanged.connect(lambda _i: self._update_labels())

    def _update_labels(self) -> None:
        value = self.patience.value()
        self.patience_label.setText(f"{value} · {PATIENCE_WORDS[value - 1]}")
        typos = self.typo_rate.value()
        self.typo_label.setText("none" if typos == 0 else f"1 word in {round(100 / typos)}")
        self.put_off_by_tu.setEnabled(self.expects_address.currentData() == "vous")


def state_of(content: CustomerContent) -> dict[str, Any]:
    """The raw form state showing `content`."""
    state = content.model_dump(mode="json")
    state["template"] = content.template or ""
    return state


def content_of(state: dict[str, Any]) -> CustomerContent:
    """A `CustomerContent` from raw form state; an empty template means the built-in one.

    Raises:
        ValidationError: names each field that is wrong and why.
    """
    data = dict(state)
    data["display_name"] = (data.get("display_name") or "").strip()
    data["background"] = (data.get("background") or "").strip()
    data["template"] = data.get("template") or None
    data["ends_when"] = tuple(data.get("ends_when") or ())
    if not data["display_name"]:
        raise ValidationError("Display name: give the customer a name.")
    if not (data.get("language") or "").strip():
        raise ValidationError("Language: give a language code such as fr or en.")
    try:
        return CustomerContent.model_validate(data)
    except pydantic.ValidationError as error:
        reasons = "; ".join(
            f"{' › '.join(str(part) for part in item['loc']).replace('_', ' ')}: {item['msg']}"
            for item in error.errors()
        )
        raise ValidationError(f"Cannot use this customer: {reasons}.") from None
