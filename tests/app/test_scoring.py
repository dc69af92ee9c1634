"""Scoring stored runs: results written per rubric version, re-scoring, the cell scorer."""

from __future__ import annotations

import dataclasses

import pytest

from tests.app.conftest import TU, VOUS, build_run, failed, ok, rows, rubric
from workbench.app.scoring import (
    RunScores,
    from_cell_score,
    make_cell_scorer,
    score_run,
    score_run_async,
    to_cell_score,
)
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, ProviderError
from workbench.core.models import CriterionSpec, Version
from workbench.core.runs import CellKey, CellResult, CellStatus
from workbench.scoring.results import CriterionConfigError, CriterionResult, SubCheck
from workbench.store import Store

FACTS = CriterionSpec(kind="facts", name="facts")
REGISTER = CriterionSpec(kind="register", name="register")


def write_mixed_run(store: Store) -> int:
    """Two columns (vous, tu) on four rows with known outcomes under facts + register."""
    stored = build_run(store, rows(4), (VOUS, TU))
    store.upsert_cells(
        stored.id,
        [
            ok("r00", 0, "Bonjour, votre commande a été expédiée hier. Vous la recevrez jeudi."),
            ok("r01", 0, "Votre commande n'est pas encore partie de notre entrepôt."),
            failed("r02", 0),
            CellResult(CellKey("r03", 0), CellStatus.PENDING),
            ok("r00", 1, "Ta commande a été expédiée hier, tu la recevras jeudi."),
            ok("r01", 1, "Votre commande a été expédiée. Vous la recevrez jeudi."),
            ok("r02", 1, "Ta commande a été expédiée ce matin."),
            ok("r03", 1, "Ta commande a été expédiée, elle arrive demain."),
        ],
    )
    return stored.id


class CountingJudge:
    """A judge that answers from the reply's content and counts its calls."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[ChatRequest] = []
        self.fail_on = fail_on

    async def __call__(self, request: ChatRequest) -> ChatResult | ProviderError:
        self.calls.append(request)
        prompt = request.messages[-1].content
        if self.fail_on and self.fail_on in prompt:
            return ProviderError(ErrorKind.TIMEOUT, "the judge did not answer in 30 s")
        polite = "Bonjour" in prompt.split("## Reply to grade")[-1]
        verdict = "pass" if polite else "fail"
        reasoning = "Salue le client." if polite else "Aucune formule de politesse."
        text = f'{{"reasoning": "{reasoning}", "verdict": "{verdict}"}}'
        return ChatResult(text, "stop", 200, 20, 15.0)


def test_score_run_scores_settled_cells_and_stores_every_criterion(store: Store) -> None:
    run_id = write_mixed_run(store)
    version = rubric(store, FACTS, REGISTER)
    scored = score_run(store, run_id, version)
    assert (scored.passed, scored.failed, scored.errors, scored.unsettled) == (4, 2, 1, 1)
    outcome = {key: result.passed for key, result in scored.results.items()}
    assert outcome == {
        CellKey("r00", 0): True,
        CellKey("r01", 0): False,  # the fact is missing
        CellKey("r02", 0): None,  # the call failed: an error, never a fail
        CellKey("r00", 1): True,
        CellKey("r01", 1): False,  # vous in a tu column
        CellKey("r02", 1): True,
        CellKey("r03", 1): True,
    }
    stored = {s.key: s for s in store.scores(run_id, version.id)}
    assert set(stored) == set(scored.results)
    wrong_register = stored[CellKey("r01", 1)]
    # Facts 1, register 2/3 (address fails; emoji and '!' pass): (1 + 2/3) / 2, under 1.0.
    assert wrong_register.passed is False
    assert wrong_register.score == pytest.approx(5 / 6)
    register = next(c for c in wrong_register.criteria if c["name"] == "register")
    assert register["passed"] is False and register["parts"][0]["name"] == "address"
    assert "vous" in register["detail"]
    errored = stored[CellKey("r02", 0)]
    assert errored.passed is None and errored.error is not None and "timeout" in errored.error
    assert from_cell_score(wrong_register) == scored.results[CellKey("r01", 1)]


def test_rescoring_with_another_rubric_version_keeps_both_and_calls_nothing(
    store: Store,
) -> None:
    run_id = write_mixed_run(store)
    first = rubric(store, FACTS, REGISTER)
    second = rubric(store, CriterionSpec(kind="contains", config={"value": "jeudi"}))
    assert (first.number, second.number) == (1, 2)
    judge = CountingJudge()
    score_run(store, run_id, first, judge_call=judge)
    again = score_run(store, run_id, second, judge_call=judge)
    assert judge.calls == []  # a deterministic rubric never calls a model
    assert again.passed == 3  # r00/0, r00/1 and r01/1 mention jeudi
    assert store.rubric_ids_scored(run_id) == [first.id, second.id]
    assert len(store.scores(run_id, first.id)) == len(store.scores(run_id, second.id)) == 7
    # Re-scoring with the same version replaces its scores instead of adding rows.
    score_run(store, run_id, first)
    assert len(store.scores(run_id, first.id)) == 7


def test_progress_is_reported_per_batch(store: Store) -> None:
    run_id = write_mixed_run(store)
    seen: list[tuple[int, int]] = []
    score_run(store, run_id, rubric(store, FACTS), progress=lambda *a: seen.append(a), batch_size=3)
    assert seen == [(3, 7), (6, 7), (7, 7)]


def test_judge_rubric_stores_reasoning_and_a_judge_failure_is_an_error(store: Store) -> None:
    run_id = write_mixed_run(store)
    polite = CriterionSpec(
        kind="llm-judge", name="polite", config={"criterion": "La réponse salue le client."}
    )
    version = rubric(store, polite)
    judge = CountingJudge(fail_on="Ta commande a été expédiée ce matin.")
    scored = score_run(store, run_id, version, judge_call=judge)
    # Six answered cells are judged; the errored cell is never sent to the judge.
    assert len(judge.calls) == 6
    assert scored.results[CellKey("r00", 0)].passed is True
    assert scored.results[CellKey("r01", 0)].passed is False
    judge_failed = scored.results[CellKey("r02", 1)]
    assert judge_failed.passed is None and "did not answer" in str(judge_failed.error)
    stored = store.get_score(run_id, CellKey("r00", 0), version.id)
    assert stored is not None and stored.criteria[0]["detail"] == "Salue le client."


def test_judge_rubric_without_a_judge_is_refused_before_anything_is_written(
    store: Store,
) -> None:
    run_id = write_mixed_run(store)
    version = rubric(store, CriterionSpec(kind="llm-judge", config={"criterion": "poli"}))
    with pytest.raises(CriterionConfigError, match="no judge model is configured"):
        score_run(store, run_id, version)
    assert store.rubric_ids_scored(run_id) == []


def test_a_badly_configured_rubric_is_refused(store: Store) -> None:
    run_id = write_mixed_run(store)
    version = rubric(store, CriterionSpec(kind="regex", config={"pattern": "("}))
    with pytest.raises(CriterionConfigError, match="#1 'regex'"):
        score_run(store, run_id, version)
    prompt_version = store.get_version(store.get_run(run_id).spec.prompt_ids[0])
    with pytest.raises(ValidationError, match="is a prompt, not a rubric"):
        score_run(store, run_id, prompt_version)
    with pytest.raises(NotFoundError, match="no run with id 404"):
        score_run(store, 404, version)


async def test_score_run_async_inside_an_event_loop(store: Store) -> None:
    run_id = write_mixed_run(store)
    polite = CriterionSpec(kind="llm-judge", config={"criterion": "salue"})
    judge = CountingJudge()
    scored = await score_run_async(
        store, run_id, rubric(store, polite), judge_call=judge, concurrency=2
    )
    assert len(scored.results) == 7 and len(judge.calls) == 6


def test_cell_scorer_scores_and_stores_cells_as_they_finish(store: Store) -> None:
    stored_run = build_run(store, rows(2), (VOUS, TU))
    version = rubric(store, FACTS, REGISTER)
    scorer = make_cell_scorer(store, stored_run.id, version)
    # The score is written even before the engine's writer stores the cell itself.
    cell = ok("r00", 1, "Ta commande a été expédiée hier.")
    assert scorer(cell).passed is True
    assert store.get_score(stored_run.id, cell.key, version.id) is not None
    batch = [ok("r01", 0, "Votre commande a été expédiée."), failed("r01", 1)]
    assert [r.passed for r in scorer.score_many(batch)] == [True, None]
    assert len(store.scores(stored_run.id, version.id)) == 3
    with pytest.raises(NotFoundError, match="row 'r99' is not in its dataset"):
        scorer(ok("r99", 0, "x"))
    with pytest.raises(NotFoundError, match="has no column 7"):
        scorer(ok("r00", 7, "x"))


async def test_cell_scorer_with_a_judge(store: Store) -> None:
    stored_run = build_run(store, rows(1), (VOUS,))
    polite = CriterionSpec(kind="llm-judge", config={"criterion": "salue"})
    version = rubric(store, polite)
    with pytest.raises(CriterionConfigError, match="no judge model"):
        make_cell_scorer(store, stored_run.id, version)
    judge = CountingJudge()
    scorer = make_cell_scorer(store, stored_run.id, version, judge_call=judge)
    result = await scorer.score_async(ok("r00", 0, "Bonjour, votre commande est partie."))
    assert result.passed is True and len(judge.calls) == 1
    [saved] = store.scores(stored_run.id, version.id)
    assert saved.criteria[0]["detail"] == "Salue le client."


def mixed_run_scored(store: Store) -> tuple[int, Version, RunScores]:
    """The mixed run, a facts-and-register rubric, and the run scored with it from scratch."""
    run_id = write_mixed_run(store)
    version = rubric(store, FACTS, REGISTER)
    return run_id, version, score_run(store, run_id, version)


def test_stored_form_round_trips(store: Store) -> None:
    _, version, scored = mixed_run_scored(store)
    for key, result in scored.results.items():
        again = from_cell_score(to_cell_score(key, version.id, result))
        assert again == result


def test_stored_criterion_record_is_asdict() -> None:
    # to_record is written out for speed; it must stay what dataclasses.asdict gives.
    result = CriterionResult(
        kind="register",
        name="tutoiement",
        passed=False,
        score=0.5,
        detail="vous attendu",
        error=None,
        value=0.25,
        parts=(SubCheck("address", False, "tu trouvé"), SubCheck("emoji", True, "", False)),
    )
    assert result.to_record() == dataclasses.asdict(result)
    bare = CriterionResult(kind="contains", name="contains", passed=None, score=None)
    assert bare.to_record() == dataclasses.asdict(bare)


def test_keep_stored_takes_the_scores_seen_live_and_the_cells_given(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, version, everything = mixed_run_scored(store)
    stored = store.scores(run_id, version.id)
    cells = store.cells(run_id)
    reads: list[str] = []
    for method in ("scores", "cells"):
        real = getattr(store, method)

        def counting(*args: object, _real: object = real, _name: str = method) -> object:
            reads.append(_name)
            return _real(*args)  # type: ignore[operator]

        monkeypatch.setattr(store, method, counting)
    given = score_run(store, run_id, version, keep_stored=True, cells=cells, live_scores=stored)
    assert given.results == everything.results and given.unsettled == everything.unsettled
    assert reads == []  # neither the cells nor the scores were read again
    # Scores of another rubric, or too few, are not taken: the store is read as before.
    partial = score_run(
        store, run_id, version, keep_stored=True, cells=cells, live_scores=stored[:2]
    )
    assert partial.results == everything.results and reads == ["scores"]


def test_keep_stored_reads_live_scores_back_and_scores_only_the_rest(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, version, everything = mixed_run_scored(store)
    # The live scorer's records are what the CLI's final pass reads back.
    kept = score_run(store, run_id, version, keep_stored=True)
    assert kept.results == everything.results
    assert (kept.passed, kept.failed, kept.errors, kept.unsettled) == (4, 2, 1, 1)

    # With every settled cell already scored, no scorer is built (its set-up prepares every
    # dataset row's assertions); with one cell left, one is, and only that cell is scored.
    from workbench.app import run_scoring

    built: list[int] = []
    real = run_scoring.make_cell_scorer

    def counting(*args: object, **kwargs: object) -> object:
        built.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(run_scoring, "make_cell_scorer", counting)
    assert score_run(store, run_id, version, keep_stored=True).results == everything.results
    assert built == []
    store.upsert_cells(run_id, [ok("r03", 0, "Votre commande a été expédiée hier.")])
    again = score_run(store, run_id, version, keep_stored=True)
    assert built == [1]
    assert set(again.results) == set(everything.results) | {CellKey("r03", 0)}
    assert again.results[CellKey("r03", 0)].passed is True


async def test_live_scoring_stops_gathering_a_batch_once_the_run_finishes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from workbench.app import live_scoring
    from workbench.app.live_scoring import CellsScored, LiveScoring

    # A batch wait far longer than the test may take: `finish` must end it, not outlast it.
    monkeypatch.setattr(live_scoring, "SCORE_BATCH_WAIT_S", 3600.0)
    stored_run = build_run(store, rows(2), (VOUS,))
    version = rubric(store, FACTS)
    seen: list[object] = []
    live = LiveScoring(seen.append, stored_run.id)
    live._scorer = make_cell_scorer(store, stored_run.id, version)
    live.start()
    live.add(ok("r00", 0, "Votre commande a été expédiée."))
    await asyncio.sleep(0)  # the scorer is now gathering more cells
    live.add(ok("r01", 0, "Votre commande est partie hier."))
    await asyncio.wait_for(live.finish(), timeout=60)
    scored = [event for event in seen if isinstance(event, CellsScored)]
    assert [len(event.scores) for event in scored] == [2]
    assert len(store.scores(stored_run.id, version.id)) == 2
