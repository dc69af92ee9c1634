"""What the run and simulation setups share when they check a person's choices.

`FieldProblems` collects what is wrong under the field it belongs to (so a dialog shows it next
to that field) and resolves the assistant columns every setup has — prompt, persona and model
versions; `selection` turns the all / tag / sample choice into a row or case selection;
`comparison_name` names a comparison when the person gave no name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Literal, TypeVar

from workbench.core.errors import KnownError
from workbench.core.models import Kind

if TYPE_CHECKING:
    from workbench.store import Store

SelectionMode = Literal["all", "tag", "sample"]


S = TypeVar("S")


def selection(
    kind: Callable[..., S], mode: SelectionMode, tag: str | None, sample: int, seed: int
) -> S:
    """`kind` (`RowSelection`, `CaseSelection`) for every item, the items with `tag`, or a
    random `sample` drawn with `seed`."""
    if mode == "tag":
        return kind(tag=tag)
    if mode == "sample":
        return kind(sample=sample, seed=seed)
    return kind()


def comparison_name(
    prompts: Sequence[str], others: Sequence[str], noun: str, target: str | None
) -> str:
    """A name saying what is compared (up to three prompts, how many `noun`s, on `target`)."""
    names = ", ".join(p.replace("@", " ") for p in prompts[:3])
    more = f" +{len(prompts) - 3}" if len(prompts) > 3 else ""
    extra = f" × {len(others)} {noun}(s)" if others else ""
    return f"{names}{more}{extra} on {target or '?'}"


class FieldProblems:
    """What is wrong with a setup's choices, by field name.

    Args:
        first_wins: keep the first problem found for a field (else the last).
    """

    def __init__(self, *, first_wins: bool = True) -> None:
        self.problems: dict[str, str] = {}
        self._first_wins = first_wins

    def attempt(self, name: str, step: Callable[[], object]) -> object | None:
        """`step`'s value, or None with its `KnownError` recorded under `name`."""
        try:
            return step()
        except KnownError as error:
            if self._first_wins:
                self.problems.setdefault(name, str(error))
            else:
                self.problems[name] = str(error)
            return None

    def check_columns(
        self,
        store: Store,
        prompts: Sequence[str],
        personas: Sequence[str],
        models: Sequence[str],
        *,
        no_model: str = "Choose at least one model.",
    ) -> None:
        """Every prompt, persona and model address resolves; at least one prompt and model."""
        if not prompts:
            self.problems["prompts"] = "Choose at least one prompt version."
        for address in prompts:
            self.attempt("prompts", partial(store.resolve, Kind.PROMPT, address))
        for address in personas:
            self.attempt("personas", partial(store.resolve, Kind.PERSONA, address))
        if not models:
            self.problems["models"] = no_model
        for address in models:
            self.attempt("models", partial(store.resolve, Kind.MODEL, address))
