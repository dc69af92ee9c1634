"""Content models for every versioned thing: prompts, personas, datasets, model configs, rubrics.

A *family* (for example the prompt ``order-tracking``) has immutable *versions*. A version's
identity is the hash of its canonical content (see `workbench.core.versioning`); metadata such as
author, note and time is kept beside the content and does not change the hash.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.core.content import Content as Content

# Re-exported: Kind and the name rule live in a light module (see `workbench.core.kinds`).
from workbench.core.kinds import NAME_PATTERN as NAME_PATTERN
from workbench.core.kinds import Kind as Kind
from workbench.core.kinds import validate_name as validate_name


class ChatMessage(Content):
    """One message of a chat template; `content` is a Jinja2 template."""

    role: Literal["system", "user", "assistant"]
    content: str


class PromptContent(Content):
    """A prompt template: either `system`/`user` templates or a list of chat `messages`.

    `variables` maps each declared variable to its description. `params` are default model
    parameters (temperature, max_tokens, ...) that a run may override per model config.
    A prompt that does not use ``{{ persona }}`` gets the persona section prepended to its
    system message when run with a persona.
    """

    system: str | None = None
    user: str | None = None
    messages: tuple[ChatMessage, ...] | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_shape(self) -> PromptContent:
        if self.messages is not None and (self.system is not None or self.user is not None):
            raise ValueError("give either system/user templates or a messages list, not both")
        if self.messages is None and self.system is None and self.user is None:
            raise ValueError("a prompt needs a system or user template, or a messages list")
        return self


class ToneTraits(Content):
    """How a persona sounds; the 1–5 scales go from little to much."""

    warmth: int = Field(3, ge=1, le=5)
    concision: int = Field(3, ge=1, le=5)
    humour: int = Field(1, ge=1, le=5)
    emoji: Literal["never", "sparingly", "free"] = "never"
    exclamations: Literal["never", "sparingly", "free"] = "sparingly"


class ExampleReply(Content):
    """A sample exchange showing the persona's voice."""

    customer: str
    reply: str


AddressForm = Literal["vous", "tu", "formal", "first_name"]


# `register` is the psydesigner's word for the field; pydantic warns that it shadows
# ABCMeta.register on the class, which no code here uses, so the warning is silenced.
warnings.filterwarnings(
    "ignore", message='Field name "register" in "PersonaContent"', category=UserWarning
)


class PersonaContent(Content):
    """The psydesigner's object: who the assistant is and how it addresses people.

    `address_form` is French *vous* / *tu*, or English ``formal`` / ``first_name``.
    `template` is the persona's own Jinja2 template rendering it to a system-prompt section;
    None means the built-in default (`workbench.core.personas.DEFAULT_PERSONA_TEMPLATE`), whose
    text never changes so old versions stay reproducible.
    """

    display_name: str
    role: str
    languages: tuple[str, ...] = ("fr",)
    formality: int = Field(3, ge=1, le=5)
    register: Literal["institutional", "neutral", "casual"] = "neutral"
    address_form: AddressForm = "vous"
    tone: ToneTraits = Field(default_factory=ToneTraits)
    prefer: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    sign_off: str | None = None
    max_sentence_words: int | None = Field(None, ge=3)
    examples: tuple[ExampleReply, ...] = ()
    template: str | None = None


class DatasetRow(Content):
    """One test case: input variables, optional expected answer and facts, tags.

    `asserts` keeps promptfoo ``assert:`` entries verbatim for the rubric layer.
    """

    id: str
    vars: dict[str, Any]
    expected: str | None = None
    facts: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    asserts: tuple[dict[str, Any], ...] = ()

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("row id is blank")
        return value


class DatasetContent(Content):
    """A dataset version: its rows, in order, with unique ids."""

    description: str = ""
    rows: tuple[DatasetRow, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> DatasetContent:
        seen: set[str] = set()
        for row in self.rows:
            if row.id in seen:
                raise ValueError(f"row id '{row.id}' appears twice")
            seen.add(row.id)
        return self

ProviderName = Literal["openai", "anthropic", "openai-compatible", "local"]


class ModelConfigContent(Content):
    """A model to run: provider, model name, endpoint and parameters.

    `api_key_env` names the environment variable (or keyring entry) that holds the key; the key
    itself is never part of any content. Prices per million tokens may be given for models the
    price table does not know (local servers are free by default).
    """

    provider: ProviderName
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    input_usd_per_mtok: float | None = None
    output_usd_per_mtok: float | None = None


class CriterionSpec(Content):
    """One weighted criterion of a rubric; `config` depends on `kind`."""

    kind: str
    name: str | None = None
    weight: float = Field(1.0, ge=0)
    config: dict[str, Any] = Field(default_factory=dict)


class RubricContent(Content):
    """A set of weighted criteria; a cell passes when its weighted score reaches `threshold`."""

    description: str = ""
    threshold: float = Field(1.0, ge=0, le=1)
    criteria: tuple[CriterionSpec, ...]


class LogImportContent(Content):
    """One append-only import into a conversation log family (``Kind.LOG``).

    The messages themselves live row-wise in the store (anonymised); a version records which
    file was added (by its SHA-256), how it was read and anonymised, and what it added.
    `previous` chains each import to the one before, so a version id names the whole log as
    it stood after this import.
    """

    previous: str | None = None
    source_name: str
    source_sha256: str
    format: str
    options: dict[str, Any] = Field(default_factory=dict)
    messages: int
    conversations: int
    skipped_lines: tuple[int, ...] = ()
    replacements: dict[str, int] = Field(default_factory=dict)


C = TypeVar("C", bound=Content)
"""A content type, for `Version.content_as`."""



class _ContentTypes(Mapping[Kind, type[Content]]):
    """Every kind's content model. Conversation sets and customer personas live in their own
    modules (issue 12), which build a dozen more models: they load when first asked for, so a
    run or a listing that never meets those kinds does not build them."""

    def __init__(self, types: dict[Kind, type[Content]]) -> None:
        self._types = types

    def _load_conversation_kinds(self) -> None:
        from workbench.core.conversations import ConversationSetContent
        from workbench.core.customers import CustomerContent

        self._types.setdefault(Kind.CUSTOMER, CustomerContent)
        self._types.setdefault(Kind.CONVERSATIONS, ConversationSetContent)

    def __getitem__(self, kind: Kind) -> type[Content]:
        found = self._types.get(kind)
        if found is None:
            self._load_conversation_kinds()
            found = self._types[kind]
        return found

    def __iter__(self) -> Iterator[Kind]:
        self._load_conversation_kinds()
        return iter(self._types)

    def __len__(self) -> int:
        self._load_conversation_kinds()
        return len(self._types)


CONTENT_TYPES: Mapping[Kind, type[Content]] = _ContentTypes(
    {
        Kind.PROMPT: PromptContent,
        Kind.PERSONA: PersonaContent,
        Kind.DATASET: DatasetContent,
        Kind.MODEL: ModelConfigContent,
        Kind.RUBRIC: RubricContent,
        Kind.LOG: LogImportContent,
    }
)


class Version(BaseModel):
    """A stored, immutable version of a family together with its metadata."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Kind
    family: str
    number: int
    content: Content
    parent_id: str | None = None
    author: str = ""
    note: str = ""
    created_at: datetime
    labels: tuple[str, ...] = ()

    @property
    def short_id(self) -> str:
        """The 8-character prefix used in listings and ``NAME@REF`` addresses."""
        return self.id[:8]

    @property
    def ref(self) -> str:
        """A human address such as ``order-tracking@v2``."""
        return f"{self.family}@v{self.number}"

    def content_as(self, content_type: type[C]) -> C:
        """The content, typed: ``version.content_as(PromptContent)`` is a `PromptContent`.

        Raises:
            ValidationError: the version holds another kind ("x@v2 is a persona, not a prompt");
                unlike an ``assert``, the check survives ``python -O``.
        """
        if isinstance(self.content, content_type):
            return self.content
        from workbench.core.errors import ValidationError

        wanted = next(
            (kind.value for kind, known in CONTENT_TYPES.items() if known is content_type),
            content_type.__name__,
        )
        raise ValidationError(f"{self.ref} is a {self.kind.value}, not a {wanted}")
