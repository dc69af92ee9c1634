"""Build a `ResultFrame` for a stored run and describe what a cell sent, without any Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.compose import render_messages
from workbench.core.errors import KnownError
from workbench.core.models import PersonaContent, PromptContent
from workbench.core.personas import render_persona
from workbench.core.runs import CellKey, RunInfo
from workbench.gui.models.prompt_form import format_messages
from workbench.gui.models.result_frame import ResultFrame

if TYPE_CHECKING:
    from workbench.store import Store


def load_result_frame(store: Store, run: RunInfo) -> ResultFrame:
    """A frame holding every row of the run and every stored cell result."""
    row_ids = (
        list(run.spec.row_ids)
        if run.spec.row_ids is not None
        else store.dataset_row_ids(run.spec.dataset_id)
    )
    frame = ResultFrame(row_ids, run.columns, run.spec.repeats)
    for result in store.cells(run.id):
        frame.apply_result(result)
    return frame


def cell_prompt_text(store: Store, run: RunInfo, key: CellKey) -> str:
    """The messages a cell sent, rendered again from the versions the run references.

    Runs reference immutable versions, so rendering again gives exactly what was sent.
    """
    column = next((c for c in run.columns if c.index == key.column), None)
    if column is None:
        return f"Column {key.column} is not part of run #{run.id}."
    try:
        prompt = store.get_version(column.prompt_id)
        assert isinstance(prompt.content, PromptContent)
        section = None
        if column.persona_id is not None:
            persona = store.get_version(column.persona_id)
            assert isinstance(persona.content, PersonaContent)
            section = render_persona(persona.content, name=persona.ref)
        row = store.dataset_rows(run.spec.dataset_id, ids=[key.row_id])[0]
        messages = render_messages(
            prompt.content,
            row.vars,
            prompt_name=prompt.ref,
            persona_section=section,
            row=row.id,
        )
    except KnownError as error:
        return f"Could not render this cell's prompt: {error}"
    return format_messages(messages)
