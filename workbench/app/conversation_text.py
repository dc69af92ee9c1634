"""A conversation set as editable text: its canonical JSONL, one case per line.

The scenario editor shows the text the workspace files hold (`datasets/NAME.conversations.jsonl`)
and saves what is typed as a new version after the same checks an import makes, so an error names
the line and the reason and nothing is saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.app import conversations as app_conversations
from workbench.core.errors import NotFoundError
from workbench.core.models import Kind, Version
from workbench.interop.conversations import read_conversations_jsonl, write_conversations_jsonl

if TYPE_CHECKING:
    from workbench.app.conversations import ConversationSetContent
    from workbench.store import SaveResult, Store

SCENARIO_TEMPLATE = (
    '{"id": "new-scenario", "vars": {"order_status": ""}, "scenario": {"goal": "What the'
    ' customer wants", "knows": {"order number": "ML-000000"}, "reveal_when_asked": {},'
    ' "expected": {"facts": ["what the assistant must say"]}}, "max_turns": 4, "tags": []}'
)


def file_name(name: str) -> str:
    """The file a set is written to, as errors name it."""
    return f"{name}.conversations.jsonl"


def conversation_set_text(store: Store, name: str) -> tuple[str, Version | None]:
    """The head's canonical JSONL and the head (empty text and None for a new set)."""
    try:
        head = store.resolve(Kind.CONVERSATIONS, name)
    except NotFoundError:
        return "", None
    content = head.content
    assert isinstance(content, app_conversations.ConversationSetContent)
    return write_conversations_jsonl(content), head


def parse_conversation_set_text(name: str, text: str) -> ConversationSetContent:
    """The set the text describes.

    Raises:
        FileFormatError: a bad line (the file name, the line and the reason).
    """
    return read_conversations_jsonl(text, path=file_name(name))


def save_conversation_set_text(
    store: Store, name: str, text: str, *, author: str, note: str = ""
) -> SaveResult:
    """Check the text and save it as a new version (unchanged content creates none).

    Raises:
        FileFormatError: a bad line; nothing is saved.
    """
    content = parse_conversation_set_text(name, text)
    return app_conversations.save_conversation_set(store, name, content, author=author, note=note)
