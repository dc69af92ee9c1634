"""`QuietHeader`: a grid's column headers take new figures without repainting the whole grid.

An item view answers every ``headerDataChanged`` of its model with a delayed layout of all its
items, which repaints its whole viewport: during a live run, whose column figures change on
every batch, that was a full repaint of every visible cell several times a second
(`bench/gui_bench.py`, "live"). The results grid's proxy therefore keeps its source's
horizontal header changes from the view (`ResultsFilterProxy.header_figures_changed`); here
they are gathered and, at most every `interval_ms`, only the header is repainted — unless the
number of lines of a header text changed (its height may change: the header's own handling
runs then).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, SignalInstance
from PySide6.QtWidgets import QHeaderView


class QuietHeader(QObject):
    """Gathers a horizontal header's data changes and repaints the header alone.

    Args:
        header: the horizontal header of the view.
        changed: a signal carrying (first, last) changed sections, in place of the model's
            ``headerDataChanged`` (which the view must not receive).
        interval_ms: the longest a new figure waits before it is shown.
    """

    def __init__(
        self, header: QHeaderView, changed: SignalInstance, interval_ms: int = 250
    ) -> None:
        super().__init__(header)
        self._header = header
        self._lines: dict[int, int] = {}
        self._sections: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        changed.connect(self._on_changed)

    @property
    def pending(self) -> bool:
        """Whether changed figures wait to be shown."""
        return self._timer.isActive()

    def flush(self) -> None:
        """Show the gathered changes now."""
        self._timer.stop()
        sections, self._sections = sorted(self._sections), set()
        if not sections:
            return
        resized = False
        for section in sections:
            lines = self._line_count(section)
            if self._lines.get(section) != lines:
                self._lines[section] = lines
                resized = True
        if resized:  # the header's height may change: Qt's own handling lays it out again
            self._header.headerDataChanged(Qt.Orientation.Horizontal, sections[0], sections[-1])
        else:
            self._header.viewport().update()

    def _line_count(self, section: int) -> int:
        model = self._header.model()
        text = model.headerData(section, Qt.Orientation.Horizontal) if model else None
        return str(text).count("\n") if text is not None else 0

    def _on_changed(self, first: int, last: int) -> None:
        self._sections.update(range(first, last + 1))
        if not self._timer.isActive():
            self._timer.start()
