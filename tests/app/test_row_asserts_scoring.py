"""Rows that carry their own promptfoo assertions are scored with them plus the rubric."""

from __future__ import annotations

import pytest

from tests.app.conftest import build_run, failed, ok, rubric
from tests.app.test_scoring import CountingJudge
from workbench.app.scoring import judge_needed, make_cell_scorer, score_run
from workbench.core.errors import ValidationError
from workbench.core.models import CriterionSpec, DatasetRow
from workbench.core.runs import CellKey
from workbench.store import Store

MENTIONS_ORDER = CriterionSpec(kind="icontains", name="order", config={"value": "commande"})


def row(row_id: str, *asserts: dict, **variables: str) -> DatasetRow:
    return DatasetRow(
        id=row_id, vars={"message": "Où est ma commande ?", **variables}, asserts=asserts
    )


def test_each_cell_gets_the_rubric_plus_its_rows_assertions(store: Store) -> None:
    dataset = [
        row("tracked", {"type": "contains", "value": "{{ order }}"}, order="ML-104522"),
        row("weighted", {"type": "icontains", "value": "demain", "weight": 0}),
        row("plain"),
    ]
    stored = build_run(store, dataset, (None,))
    store.upsert_cells(
        stored.id,
        [
            ok("tracked", 0, "Votre commande ML-104522 est partie."),
            ok("weighted", 0, "Votre commande arrive jeudi."),
            ok("plain", 0, "Votre commande est partie."),
        ],
    )
    version = rubric(store, MENTIONS_ORDER)
    scored = score_run(store, stored.id, version)
    assert {key.row_id: r.passed for key, r in scored.results.items()} == {
        "tracked": True,
        "weighted": True,  # a failing weight-0 assertion reports without failing, as promptfoo
        "plain": True,
    }
    tracked = scored.results[CellKey("tracked", 0)]
    assert [(c.name, c.passed) for c in tracked.criteria] == [("order", True), ("contains", True)]
    weighted = scored.results[CellKey("weighted", 0)]
    assert [c.passed for c in weighted.criteria] == [True, False]

    # The row's value is rendered with its vars: another order number fails that row only.
    store.upsert_cells(stored.id, [ok("tracked", 0, "Votre commande ML-999999 est partie.")])
    rescored = score_run(store, stored.id, version)
    assert rescored.results[CellKey("tracked", 0)].passed is False
    assert rescored.results[CellKey("plain", 0)].passed is True


def test_rows_under_a_rubric_threshold_use_the_weighted_score(store: Store) -> None:
    dataset = [row("r1", {"type": "contains", "value": "ML-1", "weight": 3})]
    stored = build_run(store, dataset, (None,))
    store.upsert_cells(stored.id, [ok("r1", 0, "ML-1 est en route.")])
    # The rubric's criterion fails (score 0, weight 1), the row's passes (weight 3): 0.75.
    version = rubric(store, MENTIONS_ORDER, threshold=0.7)
    result = score_run(store, stored.id, version).results[CellKey("r1", 0)]
    assert result.passed is True and result.score == pytest.approx(0.75)


def test_a_row_with_broken_assertions_is_an_error_and_the_others_are_scored(
    store: Store,
) -> None:
    dataset = [
        row("typo", {"type": "contains", "value": "{{ ordre }}"}, order="ML-1"),
        row("no-value", {"type": "contains"}),
        row("bad-regex", {"type": "regex", "value": "("}),
        row("fine", {"type": "contains", "value": "commande"}),
    ]
    stored = build_run(store, dataset, (None,))
    store.upsert_cells(
        stored.id,
        [
            ok("typo", 0, "commande ML-1"),
            ok("no-value", 0, "commande"),
            ok("bad-regex", 0, "commande"),
            ok("fine", 0, "commande"),
        ],
    )
    scored = score_run(store, stored.id, rubric(store, MENTIONS_ORDER))
    results = {key.row_id: r for key, r in scored.results.items()}
    assert results["fine"].passed is True
    assert (scored.passed, scored.failed, scored.errors) == (1, 0, 3)
    assert "row 'typo'" in str(results["typo"].error) and "ordre" in str(results["typo"].error)
    assert "row 'no-value'" in str(results["no-value"].error)
    assert "'contains' needs a text value" in str(results["no-value"].error)
    assert "row 'bad-regex'" in str(results["bad-regex"].error)
    scorer = make_cell_scorer(store, stored.id, rubric(store, MENTIONS_ORDER))
    with pytest.raises(ValidationError, match="row 'typo'"):
        scorer.rubric_for("typo")


def test_an_unanswered_cell_on_a_broken_row_says_it_has_no_answer(store: Store) -> None:
    stored = build_run(store, [row("typo", {"type": "contains", "value": "{{ x }}"})], (None,))
    store.upsert_cells(stored.id, [failed("typo", 0)])
    result = score_run(store, stored.id, rubric(store, MENTIONS_ORDER)).results[CellKey("typo", 0)]
    assert result.passed is None and "the cell has no answer (timeout)" in str(result.error)


async def test_a_rows_llm_rubric_needs_a_judge(store: Store) -> None:
    dataset = [
        row("judged", {"type": "llm-rubric", "value": "Greets the customer"}),
        row("plain", {"type": "contains", "value": "commande"}),
    ]
    stored = build_run(store, dataset, (None,))
    cells = [ok("judged", 0, "Bonjour, votre commande."), ok("plain", 0, "Votre commande.")]
    store.upsert_cells(stored.id, cells)
    version = rubric(store, MENTIONS_ORDER)
    assert judge_needed(store, stored.id, version) == "row 'judged' of dataset cases@v1"

    without = make_cell_scorer(store, stored.id, version)
    assert without.rows_need_judge and not without.needs_judge
    unjudged = without.evaluate(cells[0])
    assert unjudged.passed is None and "no judge model is configured" in str(unjudged.error)
    assert without.evaluate(cells[1]).passed is True

    judge = CountingJudge()
    scorer = make_cell_scorer(store, stored.id, version, judge_call=judge)
    assert scorer.needs_judge
    judged = await scorer.evaluate_async(cells[0])
    assert judged.passed is True and len(judge.calls) == 1
    assert "Greets the customer" in judge.calls[0].messages[-1].content
    assert (await scorer.evaluate_async(cells[1])).passed is True and len(judge.calls) == 1


def test_nothing_needs_a_judge_without_judge_criteria(store: Store) -> None:
    stored = build_run(store, [row("r1", {"type": "select-best", "value": "x"})], (None,))
    store.upsert_cells(stored.id, [ok("r1", 0, "Votre commande.")])
    version = rubric(store, MENTIONS_ORDER)
    assert judge_needed(store, stored.id, version) is None
    # An assertion with no equivalent here is left out (the import listed it): rubric only.
    result = score_run(store, stored.id, version).results[CellKey("r1", 0)]
    assert result.passed is True and len(result.criteria) == 1
