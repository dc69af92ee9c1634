"""`JinjaHighlighter`: colours Jinja2 delimiters, variables, filters, strings and comments.

Expressions (``{{ }}``), statements (``{% %}``) and comments (``{# #}``) may span lines, and text
inside ``{% raw %}...{% endraw %}`` stays plain, so the block state remembers where a line ends.
"""

from __future__ import annotations

import re
from enum import IntEnum

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

_OPENERS = re.compile(r"\{\{|\{%|\{#")
_CLOSERS = {1: re.compile(r"-?\}\}"), 2: re.compile(r"-?%\}"), 3: re.compile(r"#\}")}
_ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_RAW_TAG = re.compile(r"^-?\s*raw\s*-?$")
_TOKENS = re.compile(
    r"(?P<string>'[^']*'|\"[^\"]*\")"
    r"|(?P<filter>\|\s*[A-Za-z_]\w*)"
    r"|(?P<number>\b\d+(?:\.\d+)?\b)"
    r"|(?P<name>[A-Za-z_]\w*)"
)
# Words that read as operators inside an expression too (``{{ a if b else c }}``).
EXPRESSION_KEYWORDS = frozenset(
    {"not", "and", "or", "is", "in", "if", "else", "true", "false", "none", "True", "False"}
)
STATEMENT_KEYWORDS = EXPRESSION_KEYWORDS | {
    "elif", "endif", "for", "endfor", "set", "endset", "raw", "endraw", "macro", "endmacro",
    "call", "endcall", "filter", "endfilter", "with", "endwith", "block", "endblock", "None",
    "loop",
}  # fmt: skip


class _State(IntEnum):
    TEXT = 0
    EXPRESSION = 1
    STATEMENT = 2
    COMMENT = 3
    RAW = 4


def _format(color: QColor, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(color)
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class JinjaHighlighter(QSyntaxHighlighter):
    """Syntax highlighting for Jinja2 prompt templates.

    Args:
        document: the text document to highlight.
        dark: use colours for a dark background.
    """

    def __init__(self, document: QTextDocument, *, dark: bool = False) -> None:
        super().__init__(document)
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        """Switch between the light and dark colour sets and re-highlight."""
        if dark:
            colors = ("#e0a050", "#7fb8ff", "#c99cf0", "#9bd58c", "#e8c07a", "#8a8f98", "#ff9d6b")
        else:
            colors = ("#b35900", "#1d5fb8", "#8a3fb8", "#2e7d32", "#a05a00", "#7b8089", "#c2410c")
        delimiter, variable, filter_, string, number, comment, keyword = map(QColor, colors)
        self.formats = {
            "delimiter": _format(delimiter, bold=True),
            "name": _format(variable),
            "filter": _format(filter_),
            "string": _format(string),
            "number": _format(number),
            "comment": _format(comment, italic=True),
            "keyword": _format(keyword, bold=True),
        }
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        """Highlight one line, continuing whatever construct the previous line left open."""
        previous = self.previousBlockState()
        state = _State(previous) if previous >= 0 else _State.TEXT
        position = 0
        while position < len(text):
            if state == _State.RAW:
                end = _ENDRAW.search(text, position)
                if end is None:
                    break
                position, state = end.start(), _State.TEXT
                continue
            if state == _State.TEXT:
                opener = _OPENERS.search(text, position)
                if opener is None:
                    break
                self.setFormat(opener.start(), 2, self.formats["delimiter"])
                state = {"{{": _State.EXPRESSION, "{%": _State.STATEMENT, "{#": _State.COMMENT}[
                    opener.group()
                ]
                position = opener.end()
                continue
            closer = _CLOSERS[state].search(text, position)
            inner_end = closer.start() if closer else len(text)
            if state == _State.COMMENT:
                self.setFormat(position, inner_end - position, self.formats["comment"])
            else:
                self._highlight_code(text, position, inner_end, statement=state == _State.STATEMENT)
            if closer is None:
                break
            self.setFormat(closer.start(), closer.end() - closer.start(), self.formats["delimiter"])
            entering_raw = state == _State.STATEMENT and _RAW_TAG.match(
                text[position:inner_end].strip()
            )
            state = _State.RAW if entering_raw else _State.TEXT
            position = closer.end()
        self.setCurrentBlockState(int(state))

    def _highlight_code(self, text: str, start: int, end: int, *, statement: bool) -> None:
        for token in _TOKENS.finditer(text, start, end):
            kind = token.lastgroup or "name"
            keywords = STATEMENT_KEYWORDS if statement else EXPRESSION_KEYWORDS
            if kind == "name" and token.group() in keywords:
                kind = "keyword"
            self.setFormat(token.start(), token.end() - token.start(), self.formats[kind])
