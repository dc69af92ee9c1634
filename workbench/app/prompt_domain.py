"""The wording of each run column's prompt, which tells relevance checks the assistant's domain.

A reply declining an off-topic request ("I only help with orders, returns and our products")
shares no words with the customer's message, but it does with the prompt that set the
assistant's job; the relevance criterion accepts either.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.core.compose import prompt_templates
from workbench.core.models import PromptContent
from workbench.core.runs import Column
from workbench.store import Store


def prompt_texts(store: Store, columns: Sequence[Column]) -> dict[int, str]:
    """Column index → its prompt templates' text (Jinja markup included; it is harmless here)."""
    loaded: dict[str, str] = {}
    texts: dict[int, str] = {}
    for column in columns:
        if column.prompt_id not in loaded:
            content = store.get_version(column.prompt_id).content
            loaded[column.prompt_id] = (
                "\n".join(source for _, _, source in prompt_templates(content, "prompt"))
                if isinstance(content, PromptContent)
                else ""
            )
        texts[column.index] = loaded[column.prompt_id]
    return texts
