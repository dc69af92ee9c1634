"""The demo workspace's rubrics score its own reference answers as the content author meant."""

from __future__ import annotations

from pathlib import Path

from tests.app.conftest import ok
from workbench.app.scoring import column_report, score_run
from workbench.core.models import DatasetContent, Kind, RubricContent
from workbench.core.runs import Column, RunSpec
from workbench.interop.workspace import import_paths
from workbench.scoring.rubric import validate_rubric
from workbench.store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_demo_rubrics_are_valid_and_one_rubric_scores_the_whole_dataset(store: Store) -> None:
    folders = [ROOT / name for name in ("prompts", "datasets", "models", "rubrics")]
    import_paths(store, folders, author="tester")
    for family in store.list_families(Kind.RUBRIC):
        for version in store.history(Kind.RUBRIC, family.name):
            assert isinstance(version.content, RubricContent)
            validate_rubric(version.content)

    quality = store.resolve(Kind.RUBRIC, "support-quality")
    data = store.resolve(Kind.DATASET, "support-messages")
    assert isinstance(data.content, DatasetContent)
    prompt = store.resolve(Kind.PROMPT, "order-tracking")
    persona = store.resolve(Kind.PERSONA, "conseiller-vous")
    model = store.resolve(Kind.MODEL, "smollm2-local")
    with_answers = [row for row in data.content.rows if row.expected]
    spec = RunSpec(
        prompt_ids=(prompt.id,),
        persona_ids=(persona.id,),
        model_ids=(model.id,),
        dataset_id=data.id,
        row_ids=tuple(row.id for row in with_answers),
    )
    column = Column(
        index=0, prompt_id=prompt.id, persona_id=persona.id, model_id=model.id, label="reference"
    )
    run = store.create_run(spec, [column], name="reference answers")
    # The reference answers stand in for the model: no model is called anywhere.
    store.upsert_cells(run.id, [ok(row.id, 0, row.expected or "") for row in with_answers])
    scored = score_run(store, run.id, quality)

    off_topic = {row.id for row in with_answers if "off-topic" in row.tags}
    assert len(off_topic) == 8
    refusal_verdicts = {
        key.row_id: next(c for c in result.criteria if c.kind == "refusal")
        for key, result in scored.results.items()
    }
    wrong = {row: c.detail for row, c in refusal_verdicts.items() if c.passed is not True}
    assert wrong == {}
    assert all(
        refusal_verdicts[row].detail.startswith("row tagged off-topic: expects a refusal")
        for row in off_topic
    )
    [report] = column_report(store, run.id, quality.id)
    assert report.stats.unanswered == len(off_topic)
