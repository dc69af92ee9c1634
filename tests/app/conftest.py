"""Runs whose cells are written straight into a real store, so scoring needs no model."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench.core.models import (
    CriterionSpec,
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PersonaContent,
    PromptContent,
    RubricContent,
    Version,
)
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunInfo, RunSpec
from workbench.store import Store


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    with Store.open(tmp_path / "home" / "workbench.sqlite") as opened:
        yield opened


VOUS = PersonaContent(
    display_name="Claire", role="conseillère", address_form="vous", avoid=("malheureusement",)
)
TU = PersonaContent(display_name="Léo", role="conseiller", address_form="tu")


@dataclass(frozen=True)
class StoredRun:
    """A run and the names used to build it."""

    run: RunInfo
    rows: tuple[DatasetRow, ...]

    @property
    def id(self) -> int:
        return self.run.id


def rows(count: int, *, tags: Mapping[int, tuple[str, ...]] | None = None) -> list[DatasetRow]:
    """`count` rows ``r00``…, each with one fact; `tags` by position."""
    return [
        DatasetRow(
            id=f"r{index:02d}",
            vars={"message": f"Où en est ma commande {index} ?"},
            facts=("expédiée",),
            tags=(tags or {}).get(index, ("fr",)),
        )
        for index in range(count)
    ]


def build_run(
    store: Store,
    dataset_rows: Sequence[DatasetRow],
    personas: Sequence[PersonaContent | None] = (VOUS, TU),
    *,
    repeats: int = 1,
    rubric: Version | None = None,
) -> StoredRun:
    """A pending run with one column per persona (same prompt and model)."""
    prompt = store.save_version(
        Kind.PROMPT, "suivi", PromptContent(system="{{ persona }}", user="{{ message }}")
    ).version
    model = store.save_version(
        Kind.MODEL, "small", ModelConfigContent(provider="local", model="smollm2")
    ).version
    data = store.save_version(
        Kind.DATASET, "cases", DatasetContent(rows=tuple(dataset_rows))
    ).version
    persona_ids: list[str | None] = []
    names: list[str] = []
    for number, persona in enumerate(personas):
        if persona is None:
            persona_ids.append(None)
            names.append("no persona")
            continue
        name = f"persona-{number}"
        persona_ids.append(store.save_version(Kind.PERSONA, name, persona).version.id)
        names.append(name)
    spec = RunSpec(
        prompt_ids=(prompt.id,),
        persona_ids=tuple(dict.fromkeys(persona_ids)),
        model_ids=(model.id,),
        dataset_id=data.id,
        repeats=repeats,
        rubric_id=None if rubric is None else rubric.id,
    )
    columns = [
        Column(
            index=index,
            prompt_id=prompt.id,
            persona_id=persona_id,
            model_id=model.id,
            label=f"suivi@v1 · {name} · small",
        )
        for index, (persona_id, name) in enumerate(zip(persona_ids, names, strict=True))
    ]
    run = store.create_run(spec, columns, name="test run")
    return StoredRun(run, tuple(dataset_rows))


def ok(
    row: str, column: int, output: str, *, repeat: int = 0, latency_ms: float = 100.0
) -> CellResult:
    """A successful cell with a few tokens and a cost."""
    return CellResult(
        key=CellKey(row, column, repeat),
        status=CellStatus.OK,
        output=output,
        input_tokens=50,
        output_tokens=20,
        latency_ms=latency_ms,
        cost_usd=0.001,
    )


def failed(row: str, column: int, *, repeat: int = 0) -> CellResult:
    """A cell whose call failed (infrastructure error)."""
    return CellResult(
        key=CellKey(row, column, repeat),
        status=CellStatus.ERROR,
        error_kind="timeout",
        error_message="no answer after 30 s",
    )


def rubric(
    store: Store, *criteria: CriterionSpec, name: str = "quality", **fields: object
) -> Version:
    """Save a rubric version and return it."""
    content = RubricContent(criteria=criteria, **fields)  # type: ignore[arg-type]
    return store.save_version(Kind.RUBRIC, name, content).version
