"""A prompt longer than its model's context window is refused before any call."""

from __future__ import annotations

from tests.engine.conftest import Workspace
from tests.engine.fakes import FakeProvider, SharedFactory
from tests.engine.helpers import make_engine
from workbench.core.llm import ErrorKind
from workbench.core.models import DatasetContent, DatasetRow, Kind, ModelConfigContent
from workbench.core.runs import CellStatus
from workbench.providers.pricing import context_window


async def test_a_prompt_over_the_context_window_is_not_sent(ws: Workspace) -> None:
    window = context_window("openai", "gpt-4o")
    assert window is not None and window > 1000
    model = ws.store.save_version(
        Kind.MODEL, "gpt", ModelConfigContent(provider="openai", model="gpt-4o")
    ).version
    rows = (
        DatasetRow(id="short", vars={"id": "short", "q": "hello"}),
        DatasetRow(id="huge", vars={"id": "huge", "q": "x" * (window * 4 + 100)}),
    )
    data = ws.store.save_version(Kind.DATASET, "rows", DatasetContent(rows=rows)).version
    provider = FakeProvider()
    engine = make_engine(ws.store, SharedFactory(provider))
    run_id = engine.create_run(ws.spec([ws.prompt()], [model], data), "too long")
    summary = await engine.execute(run_id)
    cells = {c.key.row_id: c for c in ws.store.cells(run_id)}
    assert len(provider.calls) == 1 and summary.calls == 1
    assert cells["short"].status is CellStatus.OK
    huge = cells["huge"]
    assert huge.status is CellStatus.ERROR and huge.attempts == 0
    assert huge.error_kind == ErrorKind.BAD_REQUEST.value
    assert f"{window:,}-token context window of openai:gpt-4o" in (huge.error_message or "")


def test_unknown_models_have_no_window() -> None:
    assert context_window("openai-compatible", "my-model") is None
    assert context_window("openai", "no-such-model-xyz") is None
