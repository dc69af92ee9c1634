"""Figures behind the charts, read from the store without any Qt (run on a worker thread).

* `run_chart_data`: per column of a run, the pass rate with its Wilson interval and the mean
  score with its bootstrap interval (under the run's rubric), every latency, and the cost.
* `prompt_trend`: for a prompt family, the pass rate of each of its versions in every stored,
  scored run that used it, in time order — how the family improved (or not) version by version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.app.scoring import column_report
from workbench.core.errors import NotFoundError
from workbench.core.models import Kind
from workbench.core.runs import CellStatus
from workbench.gui.models.run_loading import run_rubric_id
from workbench.scoring.stats import wilson_interval

if TYPE_CHECKING:
    from workbench.app.records import Store

RUNS_SCANNED = 200
COLUMN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def column_letter(position: int) -> str:
    """A, B, …, Z, then A2, B2, … for charts' axes."""
    letter = COLUMN_LETTERS[position % len(COLUMN_LETTERS)]
    return letter if position < len(COLUMN_LETTERS) else f"{letter}{position // 26 + 1}"


@dataclass(frozen=True)
class ColumnFigures:
    """One column's figures for the charts (rates and scores are None when not scored)."""

    letter: str
    label: str
    judged: int = 0
    pass_rate: float | None = None
    pass_low: float | None = None
    pass_high: float | None = None
    mean_score: float | None = None
    score_low: float | None = None
    score_high: float | None = None
    latencies_ms: tuple[float, ...] = ()
    cost_usd: float = 0.0
    errors: int = 0


@dataclass(frozen=True)
class RunChartData:
    """The charts of one run; `rubric_ref` names the rubric version the rates come from."""

    run_id: int
    run_name: str
    rubric_ref: str | None
    columns: tuple[ColumnFigures, ...]
    prompt_families: tuple[str, ...]


def run_chart_data(store: Store, run_id: int) -> RunChartData:
    """Per-column figures of a run (see the module docstring)."""
    run = store.get_run(run_id)
    latencies: dict[int, list[float]] = defaultdict(list)
    costs: dict[int, float] = defaultdict(float)
    errors: dict[int, int] = defaultdict(int)
    for cell in store.cells(run_id):
        if cell.status is CellStatus.OK and cell.latency_ms is not None:
            latencies[cell.key.column].append(cell.latency_ms)
        if cell.status is CellStatus.ERROR:
            errors[cell.key.column] += 1
        costs[cell.key.column] += cell.cost_usd or 0.0
    rubric_id = run_rubric_id(store, run)
    reports = {}
    rubric_ref = None
    if rubric_id is not None:
        try:
            reports = {r.column.index: r for r in column_report(store, run_id, rubric_id)}
            rubric_ref = store.get_version(rubric_id).ref
        except NotFoundError:
            reports = {}
    figures = []
    for position, column in enumerate(run.columns):
        report = reports.get(column.index)
        stats = report.stats if report is not None else None
        pass_interval = stats.pass_interval if stats is not None else None
        score_interval = stats.score_interval if stats is not None else None
        figures.append(
            ColumnFigures(
                letter=column_letter(position),
                label=column.label,
                judged=stats.judged if stats is not None else 0,
                pass_rate=stats.pass_rate if stats is not None else None,
                pass_low=pass_interval.low if pass_interval is not None else None,
                pass_high=pass_interval.high if pass_interval is not None else None,
                mean_score=stats.mean_score if stats is not None else None,
                score_low=score_interval.low if score_interval is not None else None,
                score_high=score_interval.high if score_interval is not None else None,
                latencies_ms=tuple(latencies.get(column.index, ())),
                cost_usd=costs.get(column.index, 0.0),
                errors=errors.get(column.index, 0),
            )
        )
    families = []
    for column in run.columns:
        family = store.get_version(column.prompt_id).family
        if family not in families:
            families.append(family)
    return RunChartData(run.id, run.name, rubric_ref, tuple(figures), tuple(families))


@dataclass(frozen=True)
class TrendPoint:
    """A prompt version's pass rate in one run, on one model, dataset and rubric.

    `setting` names what else the run held fixed (``dataset · model · rubric``): points of
    different settings are different experiments and are never pooled or joined by a line.
    """

    version: int
    setting: str
    run_id: int
    run_name: str
    when: datetime
    passed: int
    judged: int
    pass_rate: float
    low: float
    high: float


def prompt_trend(store: Store, family: str) -> list[TrendPoint]:
    """Every scored run's pass rate of each version of a prompt family, oldest run first."""
    numbers = {version.id: version.number for version in store.history(Kind.PROMPT, family)}
    points: list[TrendPoint] = []
    names: dict[str, str] = {}

    def ref(version_id: str) -> str:
        if version_id not in names:
            names[version_id] = store.get_version(version_id).ref
        return names[version_id]

    for run in reversed(store.list_runs(limit=RUNS_SCANNED)):
        if not any(column.prompt_id in numbers for column in run.columns):
            continue
        rubric_id = run_rubric_id(store, run)
        if rubric_id is None:
            continue
        try:
            reports = column_report(store, run.id, rubric_id)
        except NotFoundError:
            continue
        # Columns of one version on one model are pooled (its personas); other models are
        # other settings.
        pooled: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
        for report in reports:
            number = numbers.get(report.column.prompt_id)
            if number is not None and report.stats.judged:
                pooled[(number, report.column.model_id)][0] += report.stats.passed
                pooled[(number, report.column.model_id)][1] += report.stats.judged
        for (number, model_id), (passed, judged) in sorted(pooled.items()):
            interval = wilson_interval(passed, judged)
            assert interval is not None
            points.append(
                TrendPoint(
                    version=number,
                    setting=f"{ref(run.spec.dataset_id)} · {ref(model_id)} · {ref(rubric_id)}",
                    run_id=run.id,
                    run_name=run.name,
                    when=run.created_at,
                    passed=passed,
                    judged=judged,
                    pass_rate=passed / judged,
                    low=interval.low,
                    high=interval.high,
                )
            )
    return points
