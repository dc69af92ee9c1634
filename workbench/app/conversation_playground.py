""" "Talk to it": chat with an assistant bundle, then keep the chat as a scripted test case.

A bundle is a prompt version × an optional persona version × a model config. Its messages are
built exactly as a simulation builds them (`engine.simulation.assistant_messages`: the first
customer message through the prompt's user template as ``message``, the persona composed in,
later messages verbatim), so a chat saved as a scripted case replays the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from workbench.app import conversations as app_conversations
from workbench.core.conversations import (
    ConversationCase,
    ConversationSetContent,
    ScriptTurn,
    TranscriptMessage,
)
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.llm import ChatRequest, ChatResult, Message, Provider, ProviderError
from workbench.core.models import Kind, ModelConfigContent, PersonaContent, PromptContent
from workbench.core.personas import render_persona
from workbench.core.runs import Column
from workbench.engine.simulation import AssistantColumn, assistant_messages

if TYPE_CHECKING:
    from workbench.store import SaveResult, Store

ChatRole = Literal["customer", "assistant"]
ProviderFactory = Callable[[ModelConfigContent], Provider]
DEFAULT_SET = "playground"


@dataclass(frozen=True)
class Bundle:
    """What the user talks to: ``name@ref`` addresses (a bare name means the head)."""

    prompt: str
    model: str
    persona: str | None = None

    @property
    def label(self) -> str:
        """``prompt · persona · model``."""
        return " · ".join(p for p in (self.prompt, self.persona or "no persona", self.model))


def prepare_bundle(store: Store, bundle: Bundle) -> AssistantColumn:
    """Resolve a bundle to a ready assistant column.

    Raises:
        KnownError: a name does not resolve, or the persona does not render.
    """
    prompt = store.resolve(Kind.PROMPT, bundle.prompt)
    model = store.resolve(Kind.MODEL, bundle.model)
    persona = store.resolve(Kind.PERSONA, bundle.persona) if bundle.persona else None
    assert isinstance(prompt.content, PromptContent)
    assert isinstance(model.content, ModelConfigContent)
    section = None
    persona_content = None
    if persona is not None:
        assert isinstance(persona.content, PersonaContent)
        persona_content = persona.content
        section = render_persona(persona.content, name=persona.ref)
    column = Column(
        index=0,
        prompt_id=prompt.id,
        persona_id=persona.id if persona else None,
        model_id=model.id,
        label=" · ".join([prompt.ref, persona.ref if persona else "no persona", model.ref]),
    )
    return AssistantColumn(
        column=column,
        prompt=prompt,
        persona_section=section,
        persona=persona_content,
        config=model.content,
        params={**prompt.content.params, **model.content.params},
    )


def chat_messages(
    column: AssistantColumn,
    history: Sequence[tuple[ChatRole, str]],
    variables: dict[str, Any] | None = None,
) -> tuple[Message, ...]:
    """What the assistant receives for a chat history ending with the customer's message.

    Raises:
        ValidationError: the history is empty or does not end with a customer message.
        KnownError: the prompt does not render with the variables.
    """
    if not history or history[-1][0] != "customer":
        raise ValidationError("write a customer message first")
    case = ConversationCase(
        id="playground", vars=dict(variables or {}), turns=(ScriptTurn(role="user", content="-"),)
    )
    transcript = [
        TranscriptMessage(index=i, turn=0, role=role, content=text)
        for i, (role, text) in enumerate(history)
    ]
    return assistant_messages(column, case, transcript)


async def assistant_reply(
    column: AssistantColumn,
    messages: tuple[Message, ...],
    provider_factory: ProviderFactory,
    on_delta: Callable[[str], None] | None = None,
) -> ChatResult | ProviderError:
    """One streamed answer of the bundle's model (errors come back as data)."""
    provider = provider_factory(column.config)
    request = ChatRequest(
        model=column.config.model, messages=messages, params=dict(column.params), stream=True
    )
    try:
        return await provider.complete(request, on_delta)
    finally:
        await provider.aclose()


def chat_case(
    case_id: str,
    history: Sequence[tuple[ChatRole, str]],
    variables: dict[str, Any] | None = None,
) -> ConversationCase:
    """A scripted case from a chat: customer turns replayed, assistant turns as references.

    Raises:
        ValidationError: the chat is empty, or two messages of one side follow each other.
    """
    turns: list[tuple[Literal["user", "assistant"], str]] = [
        ("user" if role == "customer" else "assistant", text)
        for role, text in history
        if role != "customer" or text.strip()
    ]
    if not turns:
        raise ValidationError("the chat is empty: write a message first")
    return app_conversations.scripted_case_from_chat(case_id, turns, variables)


def default_case_id(now: datetime | None = None) -> str:
    """A readable, sortable id for a saved chat (``chat-20261203-1415``)."""
    return f"chat-{(now or datetime.now()):%Y%m%d-%H%M%S}"


def add_case(
    store: Store, conversations: str, case: ConversationCase, *, author: str, note: str = ""
) -> SaveResult:
    """Save a new version of a conversation set with `case` appended (the set is created when
    missing); an id already in the set is refused rather than replaced.

    Raises:
        ValidationError: the set already has a case with that id.
    """
    try:
        head = store.resolve(Kind.CONVERSATIONS, conversations)
    except NotFoundError:
        head = None
    if head is not None:
        assert isinstance(head.content, ConversationSetContent)
        if any(existing.id == case.id for existing in head.content.cases):
            raise ValidationError(f"{head.ref} already has a case '{case.id}': choose another id")
    return app_conversations.add_case(store, conversations, case, author=author, note=note)
