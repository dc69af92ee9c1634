"""An approved bundle with its versions loaded: what every export format starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.core.errors import ValidationError
from workbench.core.models import (
    DatasetContent,
    Kind,
    ModelConfigContent,
    PersonaContent,
    PromptContent,
    RubricContent,
    Version,
)
from workbench.core.personas import render_persona
from workbench.interop.bundle_templates import PortableTemplate, portable_messages
from workbench.store import Store
from workbench.store.approvals import Approval


@dataclass
class RenderedExport:
    """An export rendered in memory, checked before anything is written.

    Attributes:
        files: relative path → text.
        warnings: caveats to show (approximations, manual steps).
        unsupported: parts that could not be carried over, each named.
    """

    files: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ApprovedBundle:
    """An approval and the versions it names (the dataset is the evidence's, when there is one).

    Attributes:
        persona_section: the persona rendered to its system-prompt section, or None.
    """

    approval: Approval
    prompt: Version
    persona: Version | None
    model: Version
    rubric: Version
    dataset: Version | None
    persona_section: str | None

    @property
    def prompt_content(self) -> PromptContent:
        """The prompt version's content."""
        return self.prompt.content_as(PromptContent)

    @property
    def persona_content(self) -> PersonaContent | None:
        """The persona version's content, if the bundle has a persona."""
        if self.persona is None:
            return None
        return self.persona.content_as(PersonaContent)

    @property
    def model_content(self) -> ModelConfigContent:
        """The model config's content."""
        return self.model.content_as(ModelConfigContent)

    @property
    def rubric_content(self) -> RubricContent:
        """The rubric's content."""
        return self.rubric.content_as(RubricContent)

    @property
    def dataset_content(self) -> DatasetContent | None:
        """The evidence dataset's content, if the approval has one."""
        if self.dataset is None:
            return None
        return self.dataset.content_as(DatasetContent)

    @property
    def params(self) -> dict[str, Any]:
        """Model parameters as a run uses them: the prompt's, overridden by the model config's."""
        return {**self.prompt_content.params, **self.model_content.params}

    @property
    def title(self) -> str:
        """``order-support@v2 (order-tracking@v3 · conseiller-vous@v1 · gpt-4o-mini@v1)``."""
        parts = [self.prompt.ref, *([self.persona.ref] if self.persona else []), self.model.ref]
        return f"{self.approval.ref} ({' · '.join(parts)})"

    def messages(self) -> list[PortableTemplate]:
        """The chat templates with the persona composed in (see `bundle_templates`)."""
        return portable_messages(
            self.prompt_content, prompt_name=self.prompt.ref, persona_section=self.persona_section
        )


def load_bundle(store: Store, ref: str, *, allow_revoked: bool = False) -> ApprovedBundle:
    """Load the approval at `ref` and its versions.

    Raises:
        NotFoundError: no such approval.
        ValidationError: the approval was revoked (unless `allow_revoked`).
    """
    approval = store.get_approval(ref)
    if approval.revocation is not None and not allow_revoked:
        revocation = approval.revocation
        raise ValidationError(
            f"{approval.ref} was revoked by {revocation.actor} on {revocation.at:%Y-%m-%d}"
            f" ({revocation.reason}); it cannot be exported"
        )
    if approval.awaiting_review and not allow_revoked:
        raise ValidationError(
            f"{approval.ref} is awaiting review by another person than {approval.reviewer};"
            " it cannot be exported before it is signed off"
        )
    ids = approval.versions
    persona = (
        store.get_version(ids.persona_id, family=ids.persona_family) if ids.persona_id else None
    )
    section = None
    if persona is not None:
        section = render_persona(persona.content_as(PersonaContent), name=persona.ref)
    dataset = store.get_version(approval.dataset_id) if approval.dataset_id else None
    if dataset is not None and dataset.kind is not Kind.DATASET:
        raise ValidationError(f"{approval.ref}: evidence version {dataset.ref} is not a dataset")
    return ApprovedBundle(
        approval=approval,
        prompt=store.get_version(ids.prompt_id, family=ids.prompt_family),
        persona=persona,
        model=store.get_version(ids.model_id, family=ids.model_family),
        rubric=store.get_version(ids.rubric_id, family=ids.rubric_family),
        dataset=dataset,
        persona_section=section,
    )
