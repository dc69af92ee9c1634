"""Scoring a run's cells one by one with a rubric version: `CellScorer`, and the stored form of
its results (`to_cell_score` / `from_cell_score`).

Every cell is scored with the rubric's criteria plus its dataset row's own promptfoo assertions
(`DatasetRow.asserts`, ``{{ var }}`` rendered with the row's vars), as promptfoo combines a
test's asserts with ``defaultTest``'s. Used by `workbench.app.run_scoring` (a stored run) and
`workbench.app.live_scoring` (cells as a run produces them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from workbench.app.prompt_domain import prompt_texts
from workbench.core.errors import KnownError, NotFoundError, ValidationError
from workbench.core.models import DatasetRow, Kind, PersonaContent, RubricContent, Version
from workbench.core.reviews import CellScore
from workbench.core.runs import CellKey, CellResult, Column, RunInfo
from workbench.providers.embeddings import embed_texts
from workbench.scoring.criteria.embedding import AsyncEmbedder, needs_embeddings
from workbench.scoring.judge import JudgeCall
from workbench.scoring.promptfoo_asserts import row_rubric
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
from workbench.store import Store

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
        criteria=tuple(criterion.to_record() for criterion in result.criteria),
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
        needs_embeddings: the rubric or some row's assertions have a ``similar`` criterion.
        stored: results stored by `store_results` so far.
        embed_call: the asynchronous embedder the async methods fetch vectors through (an
            `EngineEmbedder`); None makes them call the endpoint synchronously, which only a
            caller outside any event loop may accept.
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
        embed_call: AsyncEmbedder | None = None,
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
        self.embed_call = embed_call
        self.stored = 0
        self._token_counter = token_counter
        self._registry = registry
        self._rows = {row.id: row for row in store.dataset_rows(run.spec.dataset_id)}
        self._personas = _personas(store, run.columns)
        self._prompt_texts = prompt_texts(store, run.columns)
        self._row_rubrics: dict[str, RubricContent] = {}
        self._row_problems: dict[str, str] = {}
        self._judged_rows: set[str] = set()
        for row in self._rows.values():
            if row.asserts:
                self._add_row_rubric(row)
        self.rows_need_judge = bool(self._judged_rows)
        self.needs_embeddings = needs_embeddings(content.criteria) or any(
            needs_embeddings(merged.criteria) for merged in self._row_rubrics.values()
        )
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
            prompt_text=self._prompt_texts.get(cell.key.column, ""),
            embed=embed_texts,
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
            embed_call=self.embed_call,
        )

    @property
    def scores_async(self) -> bool:
        """Whether cells must be scored with the async methods (a judge, or embeddings fetched
        through `embed_call`)."""
        return self.needs_judge or (self.needs_embeddings and self.embed_call is not None)

    def store_results(
        self, results: Iterable[tuple[CellKey, ScoreResult]]
    ) -> tuple[CellScore, ...]:
        """Store results in one transaction; the records stored (for events, without
        converting every result a second time)."""
        stamp = datetime.now(UTC)
        scores = tuple(to_cell_score(k, self.rubric.id, r, at=stamp) for k, r in results)
        self.stored += self.store.upsert_scores(self.run.id, scores)
        return scores

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
            content = store.get_version(column.persona_id).content_as(PersonaContent)
            loaded[column.persona_id] = content
        personas[column.index] = loaded[column.persona_id]
    return personas


