"""The transcript viewer, the side-by-side pair and the live conversation grid, on plain data."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from workbench.app.conversation_grid import (
    ConversationCell,
    ConversationGrid,
    GridColumn,
    GridRow,
)
from workbench.app.conversation_views import TranscriptView, TurnBadge, TurnView
from workbench.gui.delegates.conversation_cell_delegate import (
    ConversationCellDelegate,
    conversation_badges,
)
from workbench.gui.models.conversation_table_model import ConversationRole, ConversationTableModel
from workbench.gui.widgets.transcript_pair import TranscriptPair
from workbench.gui.widgets.transcript_view import TranscriptWidget


def _transcript(turns: int = 6, wrong: int | None = 4) -> TranscriptView:
    views = []
    for number in range(1, turns + 1):
        role = "user" if number % 2 else "assistant"
        problem = "switched from vous to tu" if number == wrong else None
        badges = (TurnBadge("vous", "pass"),) if role == "assistant" and problem is None else ()
        if problem:
            badges = (TurnBadge("tu", "fail"),)
        views.append(
            TurnView(number, role, f"message {number} " * 8, badges=badges, problem=problem)  # type: ignore[arg-type]
        )
    return TranscriptView(
        title="late-parcel · pressed-commuter",
        subtitle="order-tracking@v3 · conseiller-vous · smollm2",
        outcome="resolved",
        outcome_tone="pass",
        badges=(TurnBadge("register drift", "fail"),),
        turns=tuple(views),
        wrong_turn=wrong,
        notes=("Goal: know when the parcel arrives.",),
    )


def test_transcript_shows_bubbles_badges_and_highlights_the_wrong_turn(qtbot: QtBot) -> None:
    widget = TranscriptWidget()
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    widget.set_transcript(_transcript())

    assert [b.turn.number for b in widget.bubbles] == [1, 2, 3, 4, 5, 6]
    assert widget.header_badge_texts() == ["resolved", "register drift"]
    flagged = widget.bubble(4)
    assert flagged is not None and flagged.highlighted
    assert flagged.problem.isVisible() and "vous to tu" in flagged.problem.text()
    assert flagged.badge_texts() == ["tu"]
    assert not any(b.highlighted for b in widget.bubbles if b.turn.number != 4)
    assert widget.jump_button.isVisible() and "turn 4" in widget.jump_button.text()
    assert widget.jump_to_problem()


def test_transcript_updates_in_place_while_a_conversation_streams(qtbot: QtBot) -> None:
    widget = TranscriptWidget()
    qtbot.addWidget(widget)
    first = _transcript(turns=2, wrong=None)
    widget.set_transcript(first)
    bubble_one = widget.bubble(1)
    streaming = first.with_turn(TurnView(3, "user", "je", streaming=True))
    widget.set_transcript(streaming)
    assert widget.bubble(1) is bubble_one, "bubbles of unchanged turns are reused"
    third = widget.bubble(3)
    assert third is not None and third.text.text().startswith("je")
    widget.set_transcript(streaming.with_turn(TurnView(3, "user", "je veux mon colis")))
    assert widget.bubble(3) is third
    assert third.text.text() == "je veux mon colis"
    assert not widget.jump_button.isVisible()


def test_transcript_without_a_flagged_turn_cannot_jump(qtbot: QtBot) -> None:
    widget = TranscriptWidget()
    qtbot.addWidget(widget)
    assert not widget.jump_to_problem()
    widget.set_transcript(_transcript(wrong=None))
    assert not widget.jump_to_problem()
    widget.clear("nothing")
    assert widget.bubbles == [] and widget.empty.text() == "nothing"


def test_pair_follows_the_same_turn_on_both_sides(qtbot: QtBot) -> None:
    pair = TranscriptPair()
    qtbot.addWidget(pair)
    pair.resize(1000, 300)
    pair.show()
    left = _transcript(turns=12, wrong=4)
    right = replace(_transcript(turns=12, wrong=None), outcome="turn limit", outcome_tone="fail")
    pair.set_transcripts(left, right)
    assert "went wrong at turn 4" in pair.verdict.text()
    with qtbot.waitSignal(pair.right.turn_focused) as focused:
        pair.left.scroll_to_turn(11)
    assert focused.args == [11]
    pair.set_transcripts(left, None)
    assert pair.right.bubbles == []


def _grid() -> ConversationGrid:
    rows = [
        GridRow(("late-parcel", "commuter", r), "late-parcel", "commuter", r) for r in range(2)
    ] + [GridRow(("refund", "tourist", 0), "refund", "tourist")]
    columns = [GridColumn(0, "order-tracking@v2 · vous · smollm2"), GridColumn(1, "v3 · tu · m")]
    return ConversationGrid(rows, columns)


def test_conversation_model_passes_the_model_tester(qtbot: QtBot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = ConversationTableModel(_grid())
    model.update_cells(
        [
            (
                ("late-parcel", "commuter", 0),
                0,
                ConversationCell("done", "resolved", "pass", 4, 6, 0.9, True, "merci"),
            ),
            (("refund", "tourist", 0), 1, ConversationCell("error", error="HTTP 500")),
        ]
    )
    qtmodeltester.check(model)


def test_conversation_model_signals_only_changed_cells_never_resets(qtbot: QtBot) -> None:
    model = ConversationTableModel(_grid())
    resets: list[bool] = []
    changes: list[tuple[int, int, int, int]] = []
    headers: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(
        lambda a, b, _roles=(): changes.append((a.row(), b.row(), a.column(), b.column()))
    )
    model.headerDataChanged.connect(lambda _o, first, last: headers.append((first, last)))
    running = ConversationCell("running", turns=1, max_turns=6, preview="bonjour")
    model.update_cells([(("late-parcel", "commuter", 1), 1, running)])
    model.update_cells([(("late-parcel", "commuter", 1), 1, running)])  # unchanged: no signal
    model.update_cells([(("unknown", "x", 0), 0, running)])  # not in the grid: ignored
    assert changes == [(1, 1, 1, 1)] and headers == [(1, 1)] and not resets
    index = model.index(1, 1)
    assert index.data(ConversationRole.CELL) == running
    assert index.data() == "bonjour"
    assert "turns: 1 of 6" in index.data(Qt.ItemDataRole.ToolTipRole)
    done = ConversationCell("done", "turn limit", "fail", 6, 6, 0.3, False, "au revoir")
    model.update_cells([(("late-parcel", "commuter", 1), 1, done)])
    header = model.headerData(1, Qt.Orientation.Horizontal)
    assert "resolved 0/1" in header and "6.0 turns" in header and "score 0.30" in header
    assert model.headerData(0, Qt.Orientation.Vertical) == "late-parcel · commuter"
    assert model.headerData(1, Qt.Orientation.Vertical) == "late-parcel · commuter #2"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (ConversationCell(), []),
        (ConversationCell("running", turns=2, max_turns=6), ["live", "2/6 turns"]),
        (
            ConversationCell("done", "resolved", "pass", 4, 6, 0.92, True),
            ["resolved", "4/6 turns", "✓ 0.92"],
        ),
        (ConversationCell("error", error="boom"), ["error"]),
        (ConversationCell("cancelled", turns=3), ["cancelled · 3 turns"]),
    ],
)
def test_cell_badges_say_outcome_turns_and_score(
    cell: ConversationCell, expected: list[str]
) -> None:
    assert [text for text, _ in conversation_badges(cell)] == expected


def test_grid_view_paints_every_kind_of_cell(qtbot: QtBot) -> None:
    model = ConversationTableModel(_grid())
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setItemDelegate(ConversationCellDelegate(view))
    model.update_cells(
        [
            (
                ("late-parcel", "commuter", 0),
                0,
                ConversationCell("done", "resolved", "pass", 4, 6, 0.9, True, "merci"),
            ),
            (("late-parcel", "commuter", 1), 0, ConversationCell("running", turns=2, max_turns=6)),
            (("refund", "tourist", 0), 1, ConversationCell("error", error="HTTP 500")),
        ]
    )
    view.resize(900, 300)
    view.show()
    assert not view.grab().isNull()
