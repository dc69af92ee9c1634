"""Noisy variants of dataset rows, linked to their originals by id and tags.

A variant of row ``track-001`` under ``typos`` is the row ``track-001~typos`` tagged
``noise:typos`` and ``variant-of:track-001``; it keeps the original's expected answer, facts,
asserts and other variables, so the same rubric scores both and the pair can be compared. Only
the free-text variables (the customer's message) are perturbed; values of protected fields and
the row's expected facts stay intact wherever they appear in that text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.core.errors import ValidationError
from workbench.core.models import DatasetRow
from workbench.core.perturb.kinds import (
    ALL_PERTURBATIONS,
    MODEL_PERTURBATIONS,
    check_intensity,
    check_kind,
    derive_seed,
    perturb_text,
)
from workbench.core.perturb.language import normalise_language

NOISE_TAG = "noise:"
VARIANT_TAG = "variant-of:"
VARIANT_SEPARATOR = "~"
TEXT_FIELD_NAMES = (
    "message",
    "user_message",
    "customer_message",
    "question",
    "query",
    "input",
    "user_input",
    "request",
    "text",
    "utterance",
    "prompt",
    "body",
    "comment",
    "review",
)
"""Variables taken for the customer's free text when the caller names none (first found wins)."""
CONVERSATION_FIELD_NAMES = ("conversation", "turns", "messages", "history")


@dataclass(frozen=True)
class PerturbationChoice:
    """A perturbation with its intensity, as chosen for a run or a dataset action."""

    kind: str
    intensity: float

    @property
    def label(self) -> str:
        """``typos:0.05`` (the intensity is shown when it is not the kind's default)."""
        default = ALL_PERTURBATIONS[self.kind].default_intensity
        return self.kind if self.intensity == default else f"{self.kind}:{self.intensity:g}"


def parse_perturbations(text: str | Sequence[str]) -> tuple[PerturbationChoice, ...]:
    """Parse ``accents,typos:0.05,sms`` (or a list of such items) into choices.

    Raises:
        ValidationError: an unknown name, an intensity that is not a number in 0–1, or the same
            perturbation twice — the message names the valid perturbations.
    """
    items = [text] if isinstance(text, str) else list(text)
    parts = [p.strip() for item in items for p in item.split(",") if p.strip()]
    if not parts:
        raise ValidationError(f"no perturbation given: choose from {', '.join(ALL_PERTURBATIONS)}")
    choices: list[PerturbationChoice] = []
    for part in parts:
        name, _, level = part.partition(":")
        kind = check_kind(name).name
        if any(c.kind == kind for c in choices):
            raise ValidationError(f"perturbation '{kind}' is given twice")
        if level.strip() and kind in MODEL_PERTURBATIONS:
            raise ValidationError(
                f"perturbation '{kind}' takes no intensity (a model rewrites each message)"
            )
        if level.strip():
            try:
                intensity = float(level)
            except ValueError:
                raise ValidationError(
                    f"intensity '{level}' of perturbation '{kind}' is not a number in 0–1"
                    f" (valid perturbations: {', '.join(ALL_PERTURBATIONS)})"
                ) from None
        else:
            intensity = ALL_PERTURBATIONS[kind].default_intensity
        choices.append(PerturbationChoice(kind, check_intensity(kind, intensity)))
    return tuple(choices)


def format_perturbations(choices: Iterable[PerturbationChoice]) -> str:
    """The inverse of `parse_perturbations`."""
    return ",".join(c.label for c in choices)


def variant_id(row_id: str, kind: str) -> str:
    """The id of the `kind` variant of row `row_id`."""
    return f"{row_id}{VARIANT_SEPARATOR}{kind}"


def original_of(row: DatasetRow) -> str | None:
    """The id of the row `row` is a variant of, or None for an original row."""
    for tag in row.tags:
        if tag.startswith(VARIANT_TAG):
            return tag[len(VARIANT_TAG) :]
    return None


def noise_of(row: DatasetRow) -> str | None:
    """The perturbation that made `row`, or None for an original row."""
    for tag in row.tags:
        if tag.startswith(NOISE_TAG):
            return tag[len(NOISE_TAG) :]
    return None


def row_language(row: DatasetRow) -> str | None:
    """``fr``/``en`` from the row's tags (``fr``, ``lang:en``) or a ``language``/``lang`` var."""
    for tag in row.tags:
        code = normalise_language(tag.removeprefix("lang:").removeprefix("language:"))
        if code and (tag in {"fr", "en"} or tag.startswith(("lang:", "language:"))):
            return code
    for name in ("language", "lang", "locale"):
        value = row.vars.get(name)
        if isinstance(value, str) and normalise_language(value):
            return normalise_language(value)
    return None


def text_fields(row: DatasetRow, wanted: Sequence[str] = ()) -> tuple[str, ...]:
    """The row's free-text variables: `wanted` if given (those present), else the first of
    `TEXT_FIELD_NAMES` and any conversation variable present."""
    if wanted:
        return tuple(name for name in wanted if name in row.vars)
    found = [next((n for n in TEXT_FIELD_NAMES if isinstance(row.vars.get(n), str)), None)]
    found += [n for n in CONVERSATION_FIELD_NAMES if isinstance(row.vars.get(n), list)]
    return tuple(name for name in found if name is not None)


def _perturb_value(
    value: Any, choice: PerturbationChoice, seed: int, language: str | None, keep: tuple[str, ...]
) -> Any:
    """A string perturbed, or the user turns of a conversation (``[{role, content}, ...]``)."""
    if isinstance(value, str):
        return perturb_text(value, choice.kind, choice.intensity, seed, language, keep)
    if isinstance(value, list):
        turns: list[Any] = []
        for index, turn in enumerate(value):
            if (
                isinstance(turn, Mapping)
                and turn.get("role") == "user"
                and isinstance(turn.get("content"), str)
            ):
                content = perturb_text(
                    turn["content"],
                    choice.kind,
                    choice.intensity,
                    derive_seed(seed, "turn", index),
                    language,
                    keep,
                )
                turns.append({**turn, "content": content})
            else:
                turns.append(turn)
        return turns
    return value


@dataclass(frozen=True)
class RowRewrite:
    """A model's rewrite of one row's free text, made before `make_variants` (``paraphrase``).

    Attributes:
        vars: the rewritten free-text variables (a string, or a conversation's turns).
        tags: extra tags of the variant (``paraphrase:fallback`` when the original was kept).
    """

    vars: Mapping[str, Any]
    tags: tuple[str, ...] = ()


Rewrites = Mapping[str, Mapping[str, RowRewrite]]
"""Model-made rewrites: perturbation name → original row id → rewrite."""


@dataclass(frozen=True)
class VariantSet:
    """The variants made from some rows, and what the user should be told once.

    Attributes:
        rows: originals and their variants interleaved (each original followed by its variants).
        variants: the variant rows alone.
        notes: plain sentences (rows with missing protected fields, rows without free text).
    """

    rows: tuple[DatasetRow, ...]
    variants: tuple[DatasetRow, ...]
    notes: tuple[str, ...]


def make_variants(
    rows: Sequence[DatasetRow],
    choices: Sequence[PerturbationChoice],
    *,
    seed: int = 0,
    fields: Sequence[str] = (),
    protected_fields: Sequence[str] = (),
    language: str | None = None,
    reserved_ids: Iterable[str] = (),
    rewrites: Rewrites | None = None,
) -> VariantSet:
    """One variant per row and perturbation; the originals are returned unchanged.

    Args:
        rows: the original rows (variants among them are skipped, never perturbed again).
        choices: the perturbations and intensities.
        seed: the run's perturbation seed; each row gets its own seed derived from it.
        fields: the free-text variables to perturb; default `TEXT_FIELD_NAMES`' first match.
        protected_fields: variables whose values must stay intact inside the free text too.
        language: force ``fr``/``en``; default the row's tag or variable, else detection.
        reserved_ids: ids already used elsewhere (other rows of the dataset): variant ids
            avoid them with a numeric suffix.
        rewrites: the texts of model-made perturbations (``paraphrase``), made beforehand
            through the engine; a row without a rewrite gets no variant of that kind.

    Raises:
        ValidationError: a model-made perturbation is chosen and `rewrites` has none of it.
    """
    for choice in choices:
        if choice.kind in MODEL_PERTURBATIONS and (rewrites is None or choice.kind not in rewrites):
            raise ValidationError(
                f"the '{choice.kind}' perturbation needs a model to rewrite the messages:"
                " choose one (--perturb-model NAME)"
            )
    out: list[DatasetRow] = []
    variants: list[DatasetRow] = []
    missing_protected: list[str] = []
    no_text: list[str] = []
    not_rewritten: dict[str, int] = {}
    taken = {row.id for row in rows} | set(reserved_ids)
    for row in rows:
        out.append(row)
        if original_of(row) is not None:
            continue
        names = text_fields(row, fields)
        if not names:
            no_text.append(row.id)
            continue
        absent = [f for f in protected_fields if f not in row.vars]
        if absent:
            missing_protected.append(row.id)
        keep = tuple(str(row.vars[f]) for f in protected_fields if row.vars.get(f))
        keep += tuple(row.facts)
        lang = normalise_language(language) or row_language(row)
        for choice in choices:
            rewrite = None
            if choice.kind in MODEL_PERTURBATIONS:
                rewrite = (rewrites or {}).get(choice.kind, {}).get(row.id)
                if rewrite is None:
                    not_rewritten[choice.kind] = not_rewritten.get(choice.kind, 0) + 1
                    continue
            new_id = variant_id(row.id, choice.kind)
            suffix = 2
            while new_id in taken:
                new_id = f"{variant_id(row.id, choice.kind)}{suffix}"
                suffix += 1
            taken.add(new_id)
            row_seed = derive_seed(seed, row.id)
            new_vars = dict(row.vars)
            extra: tuple[str, ...] = ()
            if rewrite is not None:
                new_vars.update(rewrite.vars)
                extra = rewrite.tags
            else:
                for name in names:
                    new_vars[name] = _perturb_value(row.vars[name], choice, row_seed, lang, keep)
            tags = tuple(t for t in row.tags if not t.startswith((NOISE_TAG, VARIANT_TAG)))
            variant = row.model_copy(
                update={
                    "id": new_id,
                    "vars": new_vars,
                    "tags": (
                        *tags,
                        f"{NOISE_TAG}{choice.kind}",
                        f"{VARIANT_TAG}{row.id}",
                        *extra,
                    ),
                }
            )
            out.append(variant)
            variants.append(variant)
    notes = []
    if missing_protected:
        notes.append(
            f"{len(missing_protected)} row(s) lack the protected field(s) "
            f"{', '.join(protected_fields)} (first: {missing_protected[0]}): only their free text"
            " was perturbed, keeping detected order numbers, e-mails, amounts and URLs intact"
        )
    if no_text:
        wanted = ", ".join(fields) if fields else "message, question, input, text, …"
        notes.append(
            f"{len(no_text)} row(s) have no free-text field ({wanted}) and got no variant"
            f" (first: {no_text[0]}); choose the field to perturb with --perturb-field"
        )
    for kind, count in not_rewritten.items():
        notes.append(f"{count} row(s) got no {kind} variant: the model made no rewrite of them")
    return VariantSet(tuple(out), tuple(variants), tuple(notes))
