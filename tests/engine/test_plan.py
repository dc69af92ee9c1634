"""Expanding specs into plans: columns, labels, row order, shared renders, render failures."""

from __future__ import annotations

import pytest

from tests.engine.conftest import Workspace
from workbench.core.errors import NotFoundError
from workbench.core.runs import CellKey
from workbench.engine import cache
from workbench.engine import plan as plan_module
from workbench.engine.plan import RenderFailure, expand


def test_columns_are_prompt_by_persona_by_model_with_readable_labels(ws: Workspace) -> None:
    p1 = ws.prompt("order-tracking")
    p2 = ws.prompt("order-tracking", user="v2 row={{ id }}")
    persona = ws.persona()
    m1, m2 = ws.model("smollm2-local"), ws.model("gpt-mini")
    plan = expand(ws.spec([p1, p2], [m1, m2], ws.dataset(3), personas=[persona]), ws.store)

    labels = [c.column.label for c in plan.columns]
    assert labels == [
        "order-tracking@v1 · conseiller-vous@v1 · smollm2-local@v1",
        "order-tracking@v1 · conseiller-vous@v1 · gpt-mini@v1",
        "order-tracking@v2 · conseiller-vous@v1 · smollm2-local@v1",
        "order-tracking@v2 · conseiller-vous@v1 · gpt-mini@v1",
    ]
    assert [c.column.index for c in plan.columns] == [0, 1, 2, 3]
    assert plan.columns[0].column.persona_id == persona.id


def test_cells_are_row_major_with_repeats_innermost(ws: Workspace) -> None:
    plan = expand(
        ws.spec([ws.prompt()], [ws.model("a"), ws.model("b")], ws.dataset(2), repeats=2), ws.store
    )
    keys = [key for _, key in plan.cells()]
    assert keys[:5] == [
        CellKey("r0000", 0, 0),
        CellKey("r0000", 0, 1),
        CellKey("r0000", 1, 0),
        CellKey("r0000", 1, 1),
        CellKey("r0001", 0, 0),
    ]
    assert len(keys) == plan.total == 8


def test_each_row_is_rendered_once_and_shared_across_models(ws: Workspace) -> None:
    plan = expand(
        ws.spec(
            [ws.prompt(system="Long shared system prompt.")],
            [ws.model("a"), ws.model("b"), ws.model("c")],
            ws.dataset(50),
            personas=[ws.persona()],
        ),
        ws.store,
    )
    assert len(plan.renders) == 1  # one (prompt, persona) group for three models
    assert plan.messages(7, 0) is plan.messages(7, 2)
    first, second = plan.messages(0, 0), plan.messages(1, 0)
    assert isinstance(first, tuple) and isinstance(second, tuple)
    assert first[0] is second[0]  # identical system messages are interned
    assert "Camille" in first[0].content and second[1].content.startswith("row=r0001")


def test_row_subset_keeps_dataset_order_and_unknown_rows_are_named(ws: Workspace) -> None:
    prompt, model, dataset = ws.prompt(), ws.model(), ws.dataset(10)
    plan = expand(ws.spec([prompt], [model], dataset, row_ids=("r0007", "r0002")), ws.store)
    assert set(plan.row_ids) == {"r0002", "r0007"}
    with pytest.raises(NotFoundError, match="r0099"):
        expand(ws.spec([prompt], [model], dataset, row_ids=("r0099",)), ws.store)


def test_params_merge_prompt_defaults_under_model_overrides(ws: Workspace) -> None:
    prompt = ws.prompt(params={"temperature": 0.3, "max_tokens": 300})
    model = ws.model(params={"temperature": 0.0})
    plan = expand(ws.spec([prompt], [model], ws.dataset(1)), ws.store)
    assert plan.columns[0].params == {"temperature": 0.0, "max_tokens": 300}


def test_a_render_error_is_a_failure_naming_template_variable_and_row(ws: Workspace) -> None:
    prompt = ws.prompt("greet", user="row={{ id }} {{ customer_name }}")
    dataset = ws.dataset(2)
    plan = expand(ws.spec([prompt], [ws.model()], dataset), ws.store)
    failure = plan.messages(1, 0)
    assert isinstance(failure, RenderFailure)
    assert "greet@v1:user" in failure.message
    assert "customer_name" in failure.message
    assert "r0001" in failure.message


def test_a_broken_persona_template_fails_its_cells_only(ws: Workspace) -> None:
    good, bad = ws.persona("good"), ws.persona("bad", template="{{ no_such_thing.deeper }}")
    plan = expand(
        ws.spec([ws.prompt()], [ws.model()], ws.dataset(2), personas=[good, bad]), ws.store
    )
    assert isinstance(plan.messages(0, 0), tuple)
    failure = plan.messages(0, 1)
    assert isinstance(failure, RenderFailure) and "bad@v1" in failure.message


def test_a_cells_cache_key_is_the_cache_modules_key_computed_once(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[tuple[int, str]] = []

    def counting(*args: object) -> str:
        key = cache.cache_key(*args)  # type: ignore[arg-type]
        computed.append((args[3], key))  # type: ignore[arg-type]
        return key

    monkeypatch.setattr(plan_module, "cache_key", counting)
    prompt = ws.prompt(user="{{ q }}{% if id == 'r0002' %}{{ missing.attr }}{% endif %}")
    spec = ws.spec([prompt], [ws.model("a"), ws.model("b")], ws.dataset(4), repeats=2)
    plan = expand(spec, ws.store)

    for _ in range(3):
        for row_index, key in plan.cells():
            rendered = plan.messages(row_index, key.column)
            if isinstance(rendered, RenderFailure):
                with pytest.raises(ValueError, match="r0002"):
                    plan.cache_key(row_index, key.column, key.repeat)
                continue
            column = plan.columns[key.column]
            assert plan.cache_key(row_index, key.column, key.repeat) == cache.cache_key(
                column.config, column.params, rendered, key.repeat
            )
    assert len(computed) == 3 * 2 * 2  # rows that rendered × models × repeats, once each
    assert len({key for _, key in computed}) == len(computed)  # models and repeats differ
