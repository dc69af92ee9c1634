"""Rubric scores of cells: upserts per (cell, rubric version), re-scoring keeps other versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.store.conftest import dataset, prompt, raw_query
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import CriterionSpec, Kind, ModelConfigContent, RubricContent
from workbench.core.reviews import CellScore
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunInfo, RunSpec
from workbench.store import Store

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def make_run(store: Store, *, rows: int = 3, columns: int = 2) -> RunInfo:
    """A stored run with `columns` prompt versions on one model and its ok cells."""
    prompts = [
        store.save_version(Kind.PROMPT, "greet", prompt(f"Bonjour {n}")).version.id
        for n in range(columns)
    ]
    model = store.save_version(
        Kind.MODEL, "small", ModelConfigContent(provider="local", model="smollm2")
    ).version.id
    data = store.save_version(Kind.DATASET, "cases", dataset(rows)).version.id
    spec = RunSpec(prompt_ids=tuple(prompts), model_ids=(model,), dataset_id=data)
    run = store.create_run(
        spec,
        [
            Column(index=i, prompt_id=p, persona_id=None, model_id=model, label=f"greet@v{i + 1}")
            for i, p in enumerate(prompts)
        ],
        name="scored",
    )
    store.upsert_cells(
        run.id,
        [
            CellResult(CellKey(f"row-{r:04d}", c), CellStatus.OK, output=f"réponse {r}/{c}")
            for r in range(rows)
            for c in range(columns)
        ],
    )
    return run


def rubric(store: Store, word: str) -> str:
    content = RubricContent(criteria=(CriterionSpec(kind="contains", config={"value": word}),))
    return store.save_version(Kind.RUBRIC, "has-word", content).version.id


def score(
    key: CellKey, rubric_id: str, passed: bool | None, value: float | None, **extra: object
) -> CellScore:
    fields: dict[str, object] = {
        "error": None,
        "criteria": ({"kind": "contains", "name": "contains", "passed": passed, "score": value},),
        "scored_at": T0,
    }
    fields.update(extra)
    return CellScore(key, rubric_id, passed, value, **fields)  # type: ignore[arg-type]


def test_scores_round_trip_with_criteria_and_nulls(store: Store) -> None:
    run = make_run(store)
    v1 = rubric(store, "réponse")
    written = [
        score(CellKey("row-0000", 0), v1, True, 1.0),
        score(
            CellKey("row-0001", 1),
            v1,
            None,
            None,
            error="criterion 'judge': judge call failed (timeout): no answer",
            criteria=(
                {
                    "kind": "llm-judge",
                    "name": "judge",
                    "passed": None,
                    "score": None,
                    "detail": "",
                    "error": "judge call failed (timeout): no answer",
                },
            ),
        ),
        score(CellKey("row-0000", 1, repeat=2), v1, False, 0.25),
    ]
    assert store.upsert_scores(run.id, written) == 3
    got = store.scores(run.id, v1)
    assert [s.key for s in got] == [
        CellKey("row-0000", 0),
        CellKey("row-0000", 1, repeat=2),
        CellKey("row-0001", 1),
    ]
    by_key = {s.key: s for s in got}
    assert by_key[CellKey("row-0000", 0)] == written[0]
    errored = by_key[CellKey("row-0001", 1)]
    assert (errored.passed, errored.score) == (None, None)
    assert errored.error is not None and "timeout" in errored.error
    assert errored.criteria[0]["error"] == "judge call failed (timeout): no answer"
    assert by_key[CellKey("row-0000", 1, repeat=2)].passed is False
    assert store.get_score(run.id, CellKey("row-0000", 0), v1) == written[0]
    assert store.get_score(run.id, CellKey("row-0002", 0), v1) is None


def test_upsert_replaces_the_same_rubric_version_and_keeps_others(
    store: Store, db_path: Path
) -> None:
    run = make_run(store)
    v1 = rubric(store, "réponse")
    v2 = rubric(store, "bonjour")
    key = CellKey("row-0000", 0)
    store.upsert_scores(run.id, [score(key, v1, False, 0.0)])
    store.upsert_scores(run.id, [score(key, v1, True, 1.0, scored_at=T0 + timedelta(hours=1))])
    store.upsert_scores(run.id, [score(key, v2, False, 0.0, scored_at=T0 + timedelta(hours=2))])
    [first] = store.scores(run.id, v1)
    [second] = store.scores(run.id, v2)
    assert (first.passed, first.scored_at) == (True, T0 + timedelta(hours=1))
    assert second.passed is False
    assert store.rubric_ids_scored(run.id) == [v1, v2]
    count = raw_query(db_path, "SELECT count(*) FROM scores WHERE run_id = ?", (run.id,))
    assert count == [(2,)]
    assert store.delete_scores(run.id, v1) == 1
    assert store.rubric_ids_scored(run.id) == [v2]


def test_a_large_batch_is_written_in_one_call_and_read_back(store: Store) -> None:
    run = make_run(store, rows=300, columns=2)
    v1 = rubric(store, "réponse")
    batch = [
        score(CellKey(f"row-{r:04d}", c), v1, r % 3 != 0, 1.0 if r % 3 else 0.0)
        for r in range(300)
        for c in range(2)
    ]
    assert store.upsert_scores(run.id, batch) == 600
    got = store.scores(run.id, v1)
    assert len(got) == 600
    assert sum(1 for s in got if s.passed) == 400


def test_scores_survive_reopening_the_file(db_path: Path) -> None:
    with Store.open(db_path) as store:
        run = make_run(store)
        v1 = rubric(store, "réponse")
        store.upsert_scores(run.id, [score(CellKey("row-0002", 1), v1, True, 0.75)])
    with Store.open(db_path) as store:
        [again] = store.scores(run.id, v1)
    assert (again.key, again.score, again.scored_at) == (CellKey("row-0002", 1), 0.75, T0)


def test_bad_scores_are_refused_and_nothing_is_written(store: Store) -> None:
    run = make_run(store)
    v1 = rubric(store, "réponse")
    key = CellKey("row-0000", 0)
    with pytest.raises(NotFoundError, match="no run with id 42"):
        store.upsert_scores(42, [score(key, v1, True, 1.0)])
    with pytest.raises(NotFoundError, match="rubric version ffffffffffff is not stored"):
        store.upsert_scores(run.id, [score(key, v1, True, 1.0), score(key, "f" * 64, True, 1.0)])
    with pytest.raises(ValidationError, match="is a prompt, not a rubric"):
        store.upsert_scores(run.id, [score(key, run.spec.prompt_ids[0], True, 1.0)])
    with pytest.raises(ValidationError, match="row-0000/0/0 are not JSON"):
        store.upsert_scores(run.id, [score(key, v1, True, 1.0, criteria=({"x": object()},))])
    assert store.scores(run.id, v1) == []
    assert store.rubric_ids_scored(run.id) == []
    assert store.upsert_scores(run.id, []) == 0


def test_deleting_a_run_deletes_its_scores(store: Store, db_path: Path) -> None:
    run = make_run(store)
    v1 = rubric(store, "réponse")
    store.upsert_scores(run.id, [score(CellKey("row-0000", 0), v1, True, 1.0)])
    with store._db.write() as connection:
        connection.exec_driver_sql("DELETE FROM runs WHERE id = ?", (run.id,))
    assert raw_query(db_path, "SELECT count(*) FROM scores") == [(0,)]


@pytest.mark.parametrize("batch_size", [1, 4, 5, 100])
def test_iter_scores_pages_exactly_what_scores_returns(store: Store, batch_size: int) -> None:
    run = make_run(store, rows=10, columns=2)
    v1, v2 = rubric(store, "réponse"), rubric(store, "merci")
    keys = [
        CellKey(f"row-{r:04d}", c, repeat) for r in range(10) for c in (0, 1) for repeat in (0, 1)
    ]
    store.upsert_scores(
        run.id, [score(key, v1, n % 3 != 0, n / 40) for n, key in enumerate(reversed(keys))]
    )
    store.upsert_scores(run.id, [score(key, v2, False, 0.0) for key in keys[:7]])
    expected = store.scores(run.id, v1)
    assert len(expected) == 40
    assert [s.key for s in expected] == keys
    batches = list(store.iter_scores(run.id, v1, batch_size=batch_size))
    assert [s for batch in batches for s in batch] == expected
    assert all(0 < len(batch) <= batch_size for batch in batches)
    assert all(len(batch) == batch_size for batch in batches[:-1])
    assert [s for batch in store.iter_scores(run.id, v2, batch_size=batch_size) for s in batch] == (
        store.scores(run.id, v2)
    )


def test_iter_scores_without_criteria_keeps_everything_else(store: Store) -> None:
    run = make_run(store, rows=6)
    v1 = rubric(store, "réponse")
    store.upsert_scores(
        run.id,
        [score(CellKey(f"row-{r:04d}", c), v1, r % 2 == 0, r / 6) for r in range(6) for c in (0, 1)]
        + [score(CellKey("row-0005", 1), v1, None, None, error="judge call failed")],
    )
    full = store.scores(run.id, v1)
    assert all(s.criteria for s in full)
    bare = [
        s
        for batch in store.iter_scores(run.id, v1, batch_size=5, with_criteria=False)
        for s in batch
    ]
    assert bare == [replace(s, criteria=()) for s in full]
    assert bare[-1].error == "judge call failed"


def test_iter_scores_checks_the_run_and_batch_size_when_called(store: Store) -> None:
    run = make_run(store)
    v1 = rubric(store, "réponse")
    with pytest.raises(NotFoundError, match="no run with id 999"):
        store.iter_scores(999, v1)
    with pytest.raises(ValidationError, match="batch_size must be at least 1; got -1"):
        store.iter_scores(run.id, v1, batch_size=-1)
    assert list(store.iter_scores(run.id, v1)) == []
