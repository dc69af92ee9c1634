"""Checks on a prompt version before it is saved or chosen for a run.

* A template that does not parse is refused at save time (`save_prompt` raises the
  `TemplateError`, which names the template and line): run setup must never offer a version that
  can only fail.
* Variables that no dataset of the workspace provides are worth a warning (a typo, or a dataset
  still to extend), not a refusal: `unprovided_variables`.
* `version_warnings` describes, for run setup, the prompt versions that do not parse or read
  variables the chosen dataset (or, without one, any dataset) does not provide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workbench.core.compose import prompt_variables
from workbench.core.errors import KnownError, TemplateError
from workbench.core.models import DatasetRow, Kind, PromptContent, Version
from workbench.store import SaveResult, Store

SAMPLED_ROWS = 500
"""Rows read per dataset to learn its variables (datasets are uniform in practice)."""


@dataclass(frozen=True)
class PromptSaveOutcome:
    """What a checked save did, and the variables no dataset provides (a warning)."""

    result: SaveResult
    unprovided: tuple[str, ...]


def template_problem(content: PromptContent, *, name: str = "prompt") -> TemplateError | None:
    """The syntax error of the prompt's templates, or None when they all parse."""
    try:
        prompt_variables(content, prompt_name=name)
    except TemplateError as error:
        return error
    return None


def _row_variables(rows: Iterable[DatasetRow]) -> set[str]:
    names: set[str] = set()
    for row in rows:
        names.update(row.vars)
    return names


def dataset_variables(store: Store, dataset: str | None = None) -> set[str] | None:
    """Variables provided by the head of `dataset`, or by any dataset's head; None when the
    workspace has no dataset (nothing to compare with)."""
    names = [dataset] if dataset else [f.name for f in store.list_families(Kind.DATASET)]
    if not names:
        return None
    provided: set[str] = set()
    for name in names:
        version = store.resolve(Kind.DATASET, name)
        provided |= _row_variables(store.dataset_rows(version.id, 0, SAMPLED_ROWS))
    return provided


def unprovided_variables(
    content: PromptContent, provided: set[str] | None, *, name: str = "prompt"
) -> tuple[str, ...]:
    """Variables the templates read that `provided` lacks (empty when unknown or unparseable)."""
    if provided is None:
        return ()
    try:
        used = prompt_variables(content, prompt_name=name).used
    except TemplateError:
        return ()
    return tuple(sorted(set(used) - provided))


def save_prompt(
    store: Store, name: str, content: PromptContent, *, author: str, note: str = ""
) -> PromptSaveOutcome:
    """Save a prompt version after checking its templates parse.

    Raises:
        TemplateError: a template does not parse; nothing is saved.
    """
    problem = template_problem(content, name=f"{name}@draft")
    if problem is not None:
        raise problem
    result = store.save_version(Kind.PROMPT, name, content, author=author, note=note)
    unprovided = unprovided_variables(content, dataset_variables(store), name=name)
    return PromptSaveOutcome(result, unprovided)


def version_warnings(
    store: Store, versions: Iterable[Version], dataset: str | None = None
) -> dict[str, str]:
    """Version ref → why it is risky to run (does not parse, or reads unprovided variables)."""
    try:
        provided = dataset_variables(store, dataset)
    except KnownError:
        provided = None
    warnings: dict[str, str] = {}
    for version in versions:
        content = version.content
        if not isinstance(content, PromptContent):
            continue
        problem = template_problem(content, name=version.ref)
        if problem is not None:
            warnings[version.ref] = f"does not parse: {problem}"
            continue
        missing = unprovided_variables(content, provided, name=version.ref)
        if missing:
            where = f"dataset {dataset} does not provide" if dataset else "no dataset provides"
            warnings[version.ref] = f"reads {', '.join(missing)}, which {where}"
    return warnings
