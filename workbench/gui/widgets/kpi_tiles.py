"""`KpiTiles`: a row of big-number tiles (conversations, containment, hand-off, …)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

TILES = (
    ("conversations", "Conversations"),
    ("containment", "Containment"),
    ("handoff", "Hand-off"),
    ("unanswered", "Unanswered turns"),
    ("csat", "CSAT"),
)


class KpiTiles(QWidget):
    """Tiles showing one figure each; `set_values` takes already formatted text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.values: dict[str, QLabel] = {}
        for key, title in TILES:
            frame = QFrame(self)
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            frame.setObjectName(f"kpi-{key}")
            inner = QVBoxLayout(frame)
            value = QLabel("—", frame)
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.8)
            font.setBold(True)
            value.setFont(font)
            caption = QLabel(title, frame)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(value)
            inner.addWidget(caption)
            layout.addWidget(frame)
            self.values[key] = value

    def set_values(self, values: dict[str, str]) -> None:
        for key, label in self.values.items():
            label.setText(values.get(key, "—"))
