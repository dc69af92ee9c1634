"""Jinja highlighting of delimiters, names, filters, strings, comments and raw blocks; theme."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workbench.gui.theme import ThemeFollower, dark_palette, is_dark, light_palette
from workbench.gui.widgets.jinja_highlighter import JinjaHighlighter


def kinds_at(text: str, dark: bool = False) -> dict[int, str]:
    """The highlighter's format name at each character of a (possibly multi-line) text."""
    document = QTextDocument(text)
    highlighter = JinjaHighlighter(document, dark=dark)
    by_color = {fmt.foreground().color().name(): name for name, fmt in highlighter.formats.items()}
    found: dict[int, str] = {}
    block = document.firstBlock()
    while block.isValid():
        for fmt_range in block.layout().formats():
            name = by_color.get(fmt_range.format.foreground().color().name())
            for offset in range(fmt_range.start, fmt_range.start + fmt_range.length):
                found[block.position() + offset] = name or "?"
        block = block.next()
    return found


def test_expression_parts_get_their_own_colours(qtbot: QtBot) -> None:
    text = "Bonjour {{ customer.name | upper }} : {{ 'merci' }}"
    kinds = kinds_at(text)
    assert kinds[text.index("{{")] == "delimiter"
    assert kinds[text.index("customer")] == "name"
    assert kinds[text.index("| upper")] == "filter"
    assert kinds[text.index("'merci'")] == "string"
    assert text.index("Bonjour") not in kinds


def test_statements_comments_and_multiline_constructs(qtbot: QtBot) -> None:
    text = "{% if order_status %}ok{% endif %}\n{# note\nsur deux lignes #}\nfin"
    kinds = kinds_at(text)
    assert kinds[text.index("if")] == "keyword"
    assert kinds[text.index("order_status")] == "name"
    assert kinds[text.index("sur deux")] == "comment"
    assert text.index("fin") not in kinds
    assert text.index("ok") not in kinds


def test_raw_blocks_stay_plain(qtbot: QtBot) -> None:
    text = '{% raw %}\n{"exemple": "{{ pas une variable }}"}\n{% endraw %}{{ vraie }}'
    kinds = kinds_at(text)
    assert text.index("pas une") not in kinds
    assert kinds[text.index("vraie")] == "name"
    assert kinds[text.index("endraw")] == "keyword"


def test_palettes_contrast_and_a_forced_dark_scheme_applies(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    for palette in (dark_palette(), light_palette()):
        text = palette.color(QPalette.ColorRole.Text).lightness()
        base = palette.color(QPalette.ColorRole.Base).lightness()
        assert abs(text - base) > 150
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saved_palette = app.palette()
    monkeypatch.setenv("WORKBENCH_THEME", "dark")
    follower = ThemeFollower(app)
    try:
        assert is_dark(app)
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 60
    finally:
        app.styleHints().unsetColorScheme()
        app.setProperty("workbench_dark_scheme", None)
        app.setPalette(saved_palette)
        follower.deleteLater()
