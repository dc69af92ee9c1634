"""The compare view's statistics panel as HTML; the data comes from `workbench.app.compare_pairs`.

`CompareData`, `PairRow`, `load_compare_data` and `blind_swapped` moved to the application layer
(the front ends share use cases there); they are re-exported here.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from workbench.app.compare_pairs import CompareData, PairRow, blind_swapped, load_compare_data

if TYPE_CHECKING:
    from workbench.scoring.stats import ColumnStats

__all__ = ["CompareData", "PairRow", "blind_swapped", "comparison_html", "load_compare_data"]


def comparison_html(data: CompareData) -> str:
    """The statistics panel: the verdict first, then the figures behind it."""
    if data.comparison is None:
        return f"<p><i>{escape(data.problem or 'No statistics yet.')}</i></p>"
    result = data.comparison
    # The verdict names the columns by their full labels; A and B read better next to the
    # table and the pickers above, which say what A and B are.
    verdict = result.verdict
    for label, letter in ((result.comparison.label_a, "A"), (result.comparison.label_b, "B")):
        verdict = verdict.replace(label, letter)
    parts = [f"<p><b>{escape(verdict)}</b></p>", "<table cellpadding='3'>"]
    parts.append("<tr><th></th><th align='left'>A</th><th align='left'>B</th></tr>")
    for name, a, b in _figure_rows(result.stats_a, result.stats_b):
        parts.append(f"<tr><td>{name}</td><td>{a}</td><td>{b}</td></tr>")
    parts.append("</table>")
    details = []
    pass_fail = result.comparison.pass_fail
    if pass_fail is not None:
        details.append(
            f"Pass/fail on {pass_fail.pairs} paired cells: both pass {pass_fail.both_pass},"
            f" only A {pass_fail.only_a}, only B {pass_fail.only_b}, both fail"
            f" {pass_fail.both_fail} (exact McNemar p = {pass_fail.p_value:.3f})."
        )
    scores = result.comparison.scores
    if scores is not None:
        interval = (
            f", 95% interval {scores.interval.low:+.3f} to {scores.interval.high:+.3f}"
            if scores.interval is not None
            else ""
        )
        wilcoxon = (
            f", Wilcoxon p = {scores.wilcoxon_p:.3f}" if scores.wilcoxon_p is not None else ""
        )
        details.append(
            f"Score difference B − A over {scores.pairs} pairs: {scores.mean_difference:+.3f}"
            f"{interval}{wilcoxon}."
        )
    if result.preferences is not None:
        details.append(f"Reviewers: {result.preferences.verdict}")
    parts.extend(f"<p>{escape(line)}</p>" for line in details)
    return "\n".join(parts)


def _figure_rows(a: ColumnStats, b: ColumnStats) -> list[tuple[str, str, str]]:
    def rate(stats: ColumnStats) -> str:
        if stats.pass_rate is None:
            return "–"
        interval = stats.pass_interval
        span = f" ({interval.low:.0%}–{interval.high:.0%})" if interval is not None else ""
        return f"{stats.pass_rate:.0%} of {stats.judged}{span}"

    def score(stats: ColumnStats) -> str:
        return "–" if stats.mean_score is None else f"{stats.mean_score:.2f}"

    def latency(stats: ColumnStats) -> str:
        return "–" if stats.latency_p50_ms is None else f"{stats.latency_p50_ms:.0f} ms"

    def cost(stats: ColumnStats) -> str:
        return "–" if stats.cost_usd is None else f"${stats.cost_usd:.4f}"

    return [
        ("Pass rate", rate(a), rate(b)),
        ("Mean score", score(a), score(b)),
        ("Median latency", latency(a), latency(b)),
        ("Cost", cost(a), cost(b)),
        ("Errors", str(a.errors), str(b.errors)),
    ]
