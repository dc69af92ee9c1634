"""Scoring stored runs, for the CLI and the GUI alike.

* `score_run` scores every settled cell of a run with one rubric version and stores the results
  in batches. It reads only what the store holds (outputs, dataset rows, the columns' personas),
  so re-scoring a run with another rubric version never calls the models again; an LLM-judge
  criterion calls only the injected judge.
* `make_cell_scorer` scores cells one by one as a run produces them, storing each result.
* Every cell is scored with the rubric's criteria plus its dataset row's own promptfoo
  assertions (`DatasetRow.asserts`, ``{{ var }}`` rendered with the row's vars), as promptfoo
  combines a test's asserts with ``defaultTest``'s.
* Judge criteria call the judge through `workbench.engine.judge.EngineJudge` (the engine's
  limits, retries, timeout and response cache): `judge_call_from_config` builds one, and
  `score_run` builds one itself from ``judge_model`` and ``provider_factory``.
* `column_report` gives the per-column figures of a run under a rubric version (pass rate with
  its Wilson interval, mean score with a bootstrap interval, latency, tokens, cost, errors,
  unanswered, repeats, and the agreement of the rubric and its judge with human ratings).
* `compare` pairs two columns on the same rows and says in plain words whether they differ,
  adding the win rate of the reviewers' pairwise preferences when there are some.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from workbench.core.errors import KnownError, NotFoundError, ValidationError
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Provider, ProviderError
from workbench.core.models import (
    DatasetRow,
    Kind,
    ModelConfigContent,
    PersonaContent,
    RubricContent,
    Version,
)
from workbench.core.reviews import CellScore
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunInfo
from workbench.engine.execution import ProviderFactoryFn
from workbench.engine.judge import EngineJudge, provider_as_factory
from workbench.engine.runner import EngineOptions
from workbench.scoring.judge import JudgeCall
from workbench.scoring.promptfoo_asserts import (
    criteria_from_promptfoo,
    row_rubric,
)
from workbench.scoring.registry import JUDGE_KIND, CriterionRegistry
from workbench.scoring.results import (
    CriterionConfigError,
    CriterionResult,
    ScoreResult,
    ScoringContext,
    SubCheck,
    TokenCounter,
)
from workbench.scoring.rubric import (
    cell_error,
    needs_judge,
    score_output,
    score_output_sync,
    validate_rubric,
)
from workbench.scoring.stats import (
    Agreement,
    CellRecord,
    ColumnStats,
    Comparison,
    RepeatSummary,
    WinRate,
    cell_record,
    column_stats,
    compare_columns,
    judge_agreement,
    repeat_stats,
    win_rate,
)
from workbench.store import Store

Progress = Callable[[int, int], None]
"""Called with (cells scored so far, cells to score)."""

BATCH_SIZE = 200
"""Scores written per transaction: small enough for readers never to wait long."""
JUDGE_CONCURRENCY = 8
"""Cells whose judge criteria run at once (the judge call may add its own limits)."""

_SETTLED = (CellStatus.OK, CellStatus.ERROR, CellStatus.CANCELLED)


# --- results as stored ----------------------------------------------------------------------


def to_cell_score(
    key: CellKey, rubric_version_id: str, result: ScoreResult, *, at: datetime | None = None
) -> CellScore:
    """The stored form of a rubric result (every criterion result, judge reasoning included)."""
    return CellScore(
        key=key,
        rubric_version_id=rubric_version_id,
        passed=result.passed,
        score=result.score,
        error=result.error,
        criteria=tuple(asdict(criterion) for criterion in result.criteria),
        scored_at=at or datetime.now(UTC),
    )


def from_cell_score(stored: CellScore) -> ScoreResult:
    """The rubric result a stored score holds."""
    criteria = []
    for data in stored.criteria:
        values = dict(data)
        parts = tuple(SubCheck(**part) for part in values.pop("parts", ()) or ())
        criteria.append(CriterionResult(**values, parts=parts))
    return ScoreResult(
        passed=stored.passed, score=stored.score, criteria=criteria, error=stored.error
    )


# --- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunScores:
    """What `score_run` did.

    Attributes:
        run_id: the run.
        rubric: the rubric version used.
        results: the result of every scored cell.
        unsettled: cells left out because they have not finished yet (pending or running).
    """

    run_id: int
    rubric: Version
    results: dict[CellKey, ScoreResult]
    unsettled: int = 0

    @property
    def passed(self) -> int:
        """Cells that passed."""
        return sum(1 for r in self.results.values() if r.passed is True)

    @property
    def failed(self) -> int:
        """Cells that failed."""
        return sum(1 for r in self.results.values() if r.passed is False)

    @property
    def errors(self) -> int:
        """Cells that could not be scored (no answer, or a judge failure): never fails."""
        return sum(1 for r in self.results.values() if r.error is not None)


class CellScorer:
    """Scores cells of one run with one rubric version and stores each result.

    Built by `make_cell_scorer`, which loads the dataset rows and the columns' personas once.
    Each cell is scored with the rubric's criteria plus its row's own promptfoo assertions
    (converted once per row, see `workbench.scoring.promptfoo_asserts.row_rubric`). A row whose
    assertions cannot be converted, or that needs a judge when none is configured, gives its
    cells an *error* result naming the row: never a fail, and the other rows are still scored.

    Calling it scores one cell synchronously (rubrics without a judge); `score_async` also runs
    judge criteria; `score_many` stores a batch in one transaction.

    Attributes:
        needs_judge: scoring calls the judge, so use the async methods (the rubric has a judge
            criterion, or some row's assertions do and a judge is configured).
        rows_need_judge: some row's own assertions have a judge criterion (``llm-rubric``).
    """

    def __init__(
        self,
        store: Store,
        run: RunInfo,
        rubric: Version,
        *,
        judge_call: JudgeCall | None = None,
        token_counter: TokenCounter | None = None,
        registry: CriterionRegistry | None = None,
    ) -> None:
        content = _rubric_content(rubric)
        registry = registry or CriterionRegistry.default()
        validate_rubric(content, registry)
        if needs_judge(content) and judge_call is None:
            raise CriterionConfigError(
                f"rubric {rubric.ref} has an LLM judge but no judge model is configured",
                criterion=f"'{JUDGE_KIND}'",
            )
        self.store = store
        self.run = run
        self.rubric = rubric
        self.content = content
        self._judge_call = judge_call
        self._token_counter = token_counter
        self._registry = registry
        self._rows = {row.id: row for row in store.dataset_rows(run.spec.dataset_id)}
        self._personas = _personas(store, run.columns)
        self._row_rubrics: dict[str, RubricContent] = {}
        self._row_problems: dict[str, str] = {}
        self._judged_rows: set[str] = set()
        for row in self._rows.values():
            if row.asserts:
                self._add_row_rubric(row)
        self.rows_need_judge = bool(self._judged_rows)
        self.needs_judge = needs_judge(content) or (self.rows_need_judge and judge_call is not None)

    def _add_row_rubric(self, row: DatasetRow) -> None:
        try:
            merged = row_rubric(self.content, row)
            own = merged.criteria[len(self.content.criteria) :]
            # The rubric's own criteria were checked once; only the row's need it here.
            validate_rubric(RubricContent(criteria=own), self._registry)
        except KnownError as error:
            self._row_problems[row.id] = f"row '{row.id}': its assertions cannot be scored: {error}"
            return
        if not own:
            return  # only assertions with no equivalent here (listed when it was imported)
        self._row_rubrics[row.id] = merged
        if any(spec.kind == JUDGE_KIND for spec in own):
            self._judged_rows.add(row.id)

    def rubric_for(self, row_id: str) -> RubricContent:
        """The rubric a row's cells are scored with (the rubric plus the row's assertions).

        Raises:
            ValidationError: the row's assertions cannot be converted or are misconfigured.
        """
        problem = self._row_problems.get(row_id)
        if problem is not None:
            raise ValidationError(problem)
        return self._row_rubrics.get(row_id, self.content)

    def context(self, cell: CellResult) -> ScoringContext:
        """What the rubric sees for one cell."""
        row = self._rows.get(cell.key.row_id)
        if row is None:
            raise NotFoundError(f"run {self.run.id}: row '{cell.key.row_id}' is not in its dataset")
        if cell.key.column not in self._personas:
            raise NotFoundError(f"run {self.run.id} has no column {cell.key.column}")
        return ScoringContext(
            output=cell.output,
            row=row,
            persona=self._personas[cell.key.column],
            cell=cell,
            token_counter=self._token_counter,
        )

    def _unscorable(self, ctx: ScoringContext) -> ScoreResult | None:
        """The error result of a cell whose row cannot be scored here, else None."""
        row_id = ctx.row.id
        problem = self._row_problems.get(row_id)
        if problem is None and row_id in self._judged_rows and self._judge_call is None:
            problem = f"row '{row_id}' has an llm-rubric assertion but no judge model is configured"
        if problem is None:
            return None
        # A cell without an answer says so first: that is what needs fixing.
        return ScoreResult(passed=None, score=None, criteria=[], error=cell_error(ctx) or problem)

    def evaluate(self, cell: CellResult) -> ScoreResult:
        """Score one cell without storing it (rubrics and rows without a judge)."""
        ctx = self.context(cell)
        unscorable = self._unscorable(ctx)
        if unscorable is not None:
            return unscorable
        rubric = self._row_rubrics.get(ctx.row.id, self.content)
        return score_output_sync(rubric, ctx, registry=self._registry)

    async def evaluate_async(self, cell: CellResult) -> ScoreResult:
        """Score one cell without storing it; judge criteria go through the judge call."""
        ctx = self.context(cell)
        unscorable = self._unscorable(ctx)
        if unscorable is not None:
            return unscorable
        return await score_output(
            self._row_rubrics.get(ctx.row.id, self.content),
            ctx,
            judge_call=self._judge_call,
            registry=self._registry,
        )

    def store_results(self, results: Iterable[tuple[CellKey, ScoreResult]]) -> int:
        """Store results in one transaction."""
        stamp = datetime.now(UTC)
        return self.store.upsert_scores(
            self.run.id, [to_cell_score(k, self.rubric.id, r, at=stamp) for k, r in results]
        )

    def __call__(self, cell: CellResult) -> ScoreResult:
        """Score one cell and store the result (rubrics without a judge)."""
        result = self.evaluate(cell)
        self.store_results([(cell.key, result)])
        return result

    async def score_async(self, cell: CellResult) -> ScoreResult:
        """Score one cell, judge criteria included, and store the result."""
        result = await self.evaluate_async(cell)
        self.store_results([(cell.key, result)])
        return result

    def score_many(self, cells: Sequence[CellResult]) -> list[ScoreResult]:
        """Score a batch of cells and store them in one transaction (rubrics without a judge)."""
        results = [self.evaluate(cell) for cell in cells]
        self.store_results(zip((c.key for c in cells), results, strict=True))
        return results


def make_cell_scorer(
    store: Store,
    run_id: int,
    rubric_version: Version,
    *,
    judge_call: JudgeCall | None = None,
    token_counter: TokenCounter | None = None,
) -> CellScorer:
    """A scorer to call with each `CellResult` as the run produces it (see `CellScorer`).

    Raises:
        NotFoundError: no such run.
        CriterionConfigError: a badly configured rubric, or a judge rubric without a judge.
    """
    return CellScorer(
        store,
        store.get_run(run_id),
        rubric_version,
        judge_call=judge_call,
        token_counter=token_counter,
    )


async def no_judge_call(request: ChatRequest) -> ChatResult | ProviderError:
    """A judge that is not there: every llm-judge criterion becomes an error, never a fail,
    so the deterministic criteria are still scored."""
    return ProviderError(
        kind=ErrorKind.CONFIG,
        message="no judge model was chosen (--judge NAME); this criterion is not scored",
    )


def score_run(
    store: Store,
    run_id: int,
    rubric_version: Version,
    *,
    judge_call: JudgeCall | None = None,
    progress: Progress | None = None,
    token_counter: TokenCounter | None = None,
    batch_size: int = BATCH_SIZE,
    judge_model: ModelConfigContent | None = None,
    provider_factory: ProviderFactoryFn | None = None,
    engine_options: EngineOptions | None = None,
) -> RunScores:
    """Score every settled cell of a stored run and store the results in batches.

    A rubric without a judge is scored on the fast synchronous path; one with a judge runs an
    event loop (call `score_run_async` from code already inside one). The judge is `judge_call`,
    or an `EngineJudge` built here from `judge_model` and `provider_factory` (the engine's
    limits, retries and response cache; `engine_options` tunes them) and closed at the end.

    Raises:
        NotFoundError: no such run.
        CriterionConfigError: a badly configured rubric, or a judge rubric without a judge.
    """
    if judge_call is None and judge_model is not None:
        return asyncio.run(
            score_run_async(
                store,
                run_id,
                rubric_version,
                progress=progress,
                token_counter=token_counter,
                batch_size=batch_size,
                judge_model=judge_model,
                provider_factory=provider_factory,
                engine_options=engine_options,
            )
        )
    scorer = make_cell_scorer(
        store, run_id, rubric_version, judge_call=judge_call, token_counter=token_counter
    )
    if scorer.needs_judge:
        return asyncio.run(_score_cells_async(scorer, progress, batch_size, JUDGE_CONCURRENCY))
    cells, unsettled = _settled_cells(store, run_id)
    results: dict[CellKey, ScoreResult] = {}
    for start in range(0, len(cells), batch_size):
        batch = cells[start : start + batch_size]
        for cell, result in zip(batch, scorer.score_many(batch), strict=True):
            results[cell.key] = result
        if progress is not None:
            progress(len(results), len(cells))
    return RunScores(run_id, rubric_version, results, unsettled)


async def score_run_async(
    store: Store,
    run_id: int,
    rubric_version: Version,
    *,
    judge_call: JudgeCall | None = None,
    progress: Progress | None = None,
    token_counter: TokenCounter | None = None,
    batch_size: int = BATCH_SIZE,
    concurrency: int = JUDGE_CONCURRENCY,
    judge_model: ModelConfigContent | None = None,
    provider_factory: ProviderFactoryFn | None = None,
    engine_options: EngineOptions | None = None,
) -> RunScores:
    """`score_run` for callers inside an event loop; judge criteria of up to `concurrency`
    cells run at once."""
    if judge_call is None and judge_model is not None:
        if provider_factory is None:
            raise ValueError("a judge model needs a provider factory to build its provider")
        async with judge_call_from_config(
            store, judge_model, provider_factory, options=engine_options, concurrency=concurrency
        ) as judge:
            return await score_run_async(
                store,
                run_id,
                rubric_version,
                judge_call=judge,
                progress=progress,
                token_counter=token_counter,
                batch_size=batch_size,
                concurrency=concurrency,
            )
    scorer = make_cell_scorer(
        store, run_id, rubric_version, judge_call=judge_call, token_counter=token_counter
    )
    return await _score_cells_async(scorer, progress, batch_size, concurrency)


async def _score_cells_async(
    scorer: CellScorer, progress: Progress | None, batch_size: int, concurrency: int
) -> RunScores:
    cells, unsettled = _settled_cells(scorer.store, scorer.run.id)
    gate = asyncio.Semaphore(max(1, concurrency))
    results: dict[CellKey, ScoreResult] = {}

    async def one(cell: CellResult) -> ScoreResult:
        async with gate:
            result = await scorer.evaluate_async(cell)
        if progress is not None:
            progress(len(results) + 1, len(cells))
        results[cell.key] = result
        return result

    for start in range(0, len(cells), batch_size):
        batch = cells[start : start + batch_size]
        outcomes = await asyncio.gather(*(one(cell) for cell in batch))
        # The write happens between awaits, never across one (a store belongs to one thread).
        scorer.store_results(zip((c.key for c in batch), outcomes, strict=True))
    return RunScores(scorer.run.id, scorer.rubric, results, unsettled)


def _settled_cells(store: Store, run_id: int) -> tuple[list[CellResult], int]:
    cells = store.cells(run_id)
    settled = [cell for cell in cells if cell.status in _SETTLED]
    return settled, len(cells) - len(settled)


def _rubric_content(rubric: Version) -> RubricContent:
    if rubric.kind is not Kind.RUBRIC or not isinstance(rubric.content, RubricContent):
        raise ValidationError(f"{rubric.ref} is a {rubric.kind.value}, not a rubric")
    return rubric.content


def _personas(store: Store, columns: Sequence[Column]) -> dict[int, PersonaContent | None]:
    loaded: dict[str, PersonaContent] = {}
    personas: dict[int, PersonaContent | None] = {}
    for column in columns:
        if column.persona_id is None:
            personas[column.index] = None
            continue
        if column.persona_id not in loaded:
            content = store.get_version(column.persona_id).content
            assert isinstance(content, PersonaContent)
            loaded[column.persona_id] = content
        personas[column.index] = loaded[column.persona_id]
    return personas


def judge_needed(store: Store, run_id: int, rubric_version: Version) -> str | None:
    """What makes scoring this run call a judge: ``rubric NAME@vN``, or the first dataset row
    whose own assertions have an llm-judge criterion (``row 'r7' of dataset NAME@vN``); None
    when nothing does."""
    content = _rubric_content(rubric_version)
    if needs_judge(content):
        return f"rubric {rubric_version.ref}"
    dataset_id = store.get_run(run_id).spec.dataset_id
    for row in store.dataset_rows(dataset_id):
        if not row.asserts:
            continue
        try:
            converted = criteria_from_promptfoo(row.asserts, where=f"row '{row.id}' assert")
        except KnownError:
            continue  # scoring reports the row's malformed assertions on its cells
        if any(spec.kind == JUDGE_KIND for spec in converted.criteria):
            return f"row '{row.id}' of dataset {store.get_version(dataset_id).ref}"
    return None


def judge_call_from_config(
    store: Store | None,
    config: ModelConfigContent,
    provider_factory: ProviderFactoryFn,
    *,
    options: EngineOptions | None = None,
    concurrency: int = JUDGE_CONCURRENCY,
    use_cache: bool = True,
) -> EngineJudge:
    """The judge call for a judge model config: an `EngineJudge` (the engine's endpoint limits,
    retries honouring Retry-After, per-call timeout, and `store`'s response cache).

    The config's model fills a request whose criterion names none; its parameters are defaults
    under the criterion's. Build it inside the event loop that uses it and close it
    (``async with``, or ``await judge.aclose()``): it closes the provider it built.
    """
    return EngineJudge(
        config,
        provider_factory,
        cache=store,
        options=options,
        concurrency=concurrency,
        use_cache=use_cache,
    )


def judge_call_from_provider(
    provider: Provider,
    config: ModelConfigContent,
    *,
    store: Store | None = None,
    options: EngineOptions | None = None,
) -> EngineJudge:
    """A judge call over a provider the caller built (and still closes).

    Kept for callers written before `judge_call_from_config`: requests now go through the
    engine's limits, retries and timeout, and through `store`'s response cache when given.
    """
    return EngineJudge(config, provider_as_factory(provider), cache=store, options=options)


# --- reports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnReport:
    """One column's figures under a rubric version.

    Attributes:
        column: the column (its label names the prompt, persona and model versions).
        stats: pass rate and interval, mean score and interval, latency, tokens, cost, error
            and unanswered rates (`ColumnStats`).
        scored: cells with a stored score of this rubric version.
        repeats: pass@k and pass^k with k = the run's repeats, distinct answers and flaky
            rows; None for a run without repeats.
        agreement: agreement with human pass/fail ratings, keyed ``rubric`` (the rubric's
            verdict) and by the name of each LLM-judge criterion; empty without ratings.
    """

    column: Column
    stats: ColumnStats
    scored: int
    repeats: RepeatSummary | None = None
    agreement: dict[str, Agreement] = field(default_factory=dict)


@dataclass(frozen=True)
class RunComparison:
    """Two columns of a run compared on the rows they share.

    Attributes:
        comparison: McNemar on pass/fail, paired bootstrap and Wilcoxon on scores.
        preferences: the win rate of `column_a` from reviewers' pairwise preferences, or
            None when nobody compared the two columns.
        verdict: the plain-words conclusion of both.
    """

    run_id: int
    rubric_id: str
    column_a: Column
    column_b: Column
    stats_a: ColumnStats
    stats_b: ColumnStats
    comparison: Comparison
    preferences: WinRate | None
    verdict: str


def _require_rubric_scores(store: Store, run: RunInfo, rubric_id: str) -> dict[CellKey, CellScore]:
    stored = {score.key: score for score in store.scores(run.id, rubric_id)}
    if not stored:
        version = store.get_version(rubric_id)
        raise NotFoundError(f"run {run.id} has not been scored with rubric {version.ref} yet")
    return stored


def _records(
    store: Store, run: RunInfo, stored: dict[CellKey, CellScore]
) -> dict[int, list[tuple[CellResult, ScoreResult | None]]]:
    by_column: dict[int, list[tuple[CellResult, ScoreResult | None]]] = defaultdict(list)
    for cell in store.cells(run.id, _SETTLED):
        score = stored.get(cell.key)
        by_column[cell.key.column].append((cell, None if score is None else from_cell_score(score)))
    return by_column


def column_report(
    store: Store, run_id: int, rubric_id: str, *, seed: int = 0
) -> list[ColumnReport]:
    """Figures for every column of a run under one rubric version (by version id).

    Cells without a stored score count in latency, tokens, cost and errors but not in pass
    rates. Raises `NotFoundError` when the run has no score of that rubric version.
    """
    run = store.get_run(run_id)
    stored = _require_rubric_scores(store, run, rubric_id)
    by_column = _records(store, run, stored)
    ratings: dict[CellKey, list[bool]] = defaultdict(list)
    for rating in store.ratings(run_id):
        if rating.passed is not None:
            ratings[rating.key].append(rating.passed)
    reports = []
    for column in run.columns:
        pairs = by_column.get(column.index, [])
        records = [cell_record(cell, result) for cell, result in pairs]
        repeats = repeat_stats(records, run.spec.repeats) if run.spec.repeats > 1 else None
        reports.append(
            ColumnReport(
                column=column,
                stats=column_stats(records, seed=seed),
                scored=sum(1 for _, result in pairs if result is not None),
                repeats=repeats,
                agreement=_agreement(pairs, ratings),
            )
        )
    return reports


def _agreement(
    pairs: Sequence[tuple[CellResult, ScoreResult | None]],
    ratings: dict[CellKey, list[bool]],
) -> dict[str, Agreement]:
    """Human pass/fail against the rubric's verdict and each judge criterion's verdict."""
    labels: dict[str, tuple[list[bool], list[bool]]] = defaultdict(lambda: ([], []))
    for cell, result in pairs:
        if result is None or not ratings.get(cell.key):
            continue
        machine: dict[str, bool | None] = {"rubric": result.passed}
        for criterion in result.criteria:
            if criterion.kind == JUDGE_KIND:
                machine[criterion.name] = criterion.passed
        for name, verdict in machine.items():
            if verdict is None:
                continue
            for human in ratings[cell.key]:
                labels[name][0].append(human)
                labels[name][1].append(verdict)
    return {
        name: judge_agreement(human, judged, labels=[True, False])
        for name, (human, judged) in labels.items()
    }


def resolve_column(run: RunInfo, wanted: str) -> Column:
    """A column by index (``0``) or by a piece of its label (``v3``, ``complice``).

    Raises:
        NotFoundError: no column matches, or the piece of label matches several.
    """
    text = wanted.strip()
    if text.isdigit():
        index = int(text)
        if index < len(run.columns):
            return run.columns[index]
        raise NotFoundError(
            f"run {run.id} has no column {index} (columns 0 to {len(run.columns) - 1})"
        )
    matches = [c for c in run.columns if text.casefold() in c.label.casefold()]
    if len(matches) == 1:
        return matches[0]
    listed = "; ".join(f"{c.index}: {c.label}" for c in (matches or run.columns))
    if matches:
        raise NotFoundError(
            f"'{wanted}' matches {len(matches)} columns of run {run.id} ({listed});"
            " give more of the label or the column number"
        )
    raise NotFoundError(f"no column of run {run.id} matches '{wanted}' (columns: {listed})")


def compare(
    store: Store, run_id: int, col_a: int, col_b: int, rubric_id: str, *, seed: int = 0
) -> RunComparison:
    """Compare two columns of a run under one rubric version, with the reviewers' preferences.

    Raises:
        NotFoundError: no such run or column, or no score of that rubric version.
        ValidationError: the same column twice.
    """
    run = store.get_run(run_id)
    if col_a == col_b:
        raise ValidationError("compare two different columns")
    column_a, column_b = (resolve_column(run, str(index)) for index in (col_a, col_b))
    stored = _require_rubric_scores(store, run, rubric_id)
    by_column = _records(store, run, stored)
    records: list[list[CellRecord]] = [
        [cell_record(cell, result) for cell, result in by_column.get(index, [])]
        for index in (col_a, col_b)
    ]
    label_a, label_b = _short_labels(column_a, column_b)
    comparison = compare_columns(
        records[0], records[1], label_a=label_a, label_b=label_b, seed=seed
    )
    winners = [p.winner for p in store.preferences(run_id, col_a, col_b)]
    preferences = win_rate(winners, label_a=label_a, label_b=label_b) if winners else None
    verdict = comparison.verdict
    if preferences is not None:
        verdict += f" Reviewers' preferences: {preferences.verdict}"
    return RunComparison(
        run_id=run_id,
        rubric_id=rubric_id,
        column_a=column_a,
        column_b=column_b,
        stats_a=column_stats(records[0], seed=seed),
        stats_b=column_stats(records[1], seed=seed),
        comparison=comparison,
        preferences=preferences,
        verdict=verdict,
    )


def _short_labels(a: Column, b: Column) -> tuple[str, str]:
    """Labels for a verdict: the columns' labels, with their index when they are equal."""
    if a.label == b.label:
        return f"#{a.index} {a.label}", f"#{b.index} {b.label}"
    return a.label, b.label


__all__ = [
    "BATCH_SIZE",
    "CellScorer",
    "ColumnReport",
    "RunComparison",
    "RunScores",
    "column_report",
    "compare",
    "from_cell_score",
    "judge_call_from_config",
    "judge_call_from_provider",
    "judge_needed",
    "make_cell_scorer",
    "resolve_column",
    "score_run",
    "score_run_async",
    "to_cell_score",
]
