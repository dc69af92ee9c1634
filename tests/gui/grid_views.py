"""A results grid shown on screen for the grid tests: the view owns its model, as in the app."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from workbench.gui.models.results_table_model import ResultsTableModel
from workbench.gui.views.results_view import ResultsView


def shown_results_view(
    qtbot: QtBot, model: ResultsTableModel, *, width: int, height: int = 500
) -> ResultsView:
    """`model` in a `ResultsView` of `width` × `height`, shown and exposed."""
    view = ResultsView(model, title="grid")
    model.setParent(view)
    qtbot.addWidget(view)
    view.resize(width, height)
    with qtbot.waitExposed(view):
        view.show()
    return view
