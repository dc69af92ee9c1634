"""A simulation's column summaries and the paired comparison of two columns, as HTML.

Read on a worker thread (`simulation_report` and `compare_simulation` may score the run first);
the simulation view only shows the text it gets.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from workbench.app import conversations as app_conversations
from workbench.app.conversations import ConversationColumnReport
from workbench.core.errors import NotFoundError

if TYPE_CHECKING:
    from workbench.scoring.stats import Interval
    from workbench.store import Store


def _pct(value: float | None, interval: Interval | None = None) -> str:
    if value is None:
        return "–"
    text = f"{value:.0%}"
    if interval is not None:
        text += f" <span style='color:gray'>[{interval.low:.0%}–{interval.high:.0%}]</span>"
    return text


def _num(value: float | None, interval: Interval | None = None) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}"
    if interval is not None:
        text += f" <span style='color:gray'>[{interval.low:.1f}–{interval.high:.1f}]</span>"
    return text


def simulation_summary_html(
    store: Store, run_id: int, column_a: int | None = None, column_b: int | None = None
) -> str:
    """Per-column figures (with 95 % intervals) and, for two columns, the paired comparison."""
    reports = app_conversations.simulation_report(store, run_id)
    rows: list[tuple[str, Callable[[ConversationColumnReport], str]]] = [
        ("Conversations", lambda r: f"{r.conversations} ({r.errors} in error)"),
        ("Passed", lambda r: _pct(r.pass_rate, r.pass_interval)),
        ("Outcome reached", lambda r: _pct(r.outcome_rate, r.outcome_interval)),
        ("Turns to resolution", lambda r: _num(r.mean_turns_to_resolution, r.turns_interval)),
        ("Register drift", lambda r: _pct(r.drift_rate)),
        ("Loops", lambda r: _pct(r.loop_rate)),
        ("Unanswered turns", lambda r: _pct(r.unanswered_rate)),
        ("Hand-off right", lambda r: _pct(r.handoff_accuracy)),
        ("Mean turns", lambda r: _num(r.mean_turns)),
        (
            "Ended by",
            lambda r: (
                ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(r.stop_reasons.items()))
                or "–"
            ),
        ),
        (
            "Final mood",
            lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r.moods.items())) or "–",
        ),
        ("Cost", lambda r: f"${r.cost_usd:.4f}"),
    ]
    head = "".join(f"<th align='left'>{escape(r.column.label)}</th>" for r in reports)
    body = "".join(
        f"<tr><td><b>{escape(name)}</b></td>"
        + "".join(f"<td>{value(r)}</td>" for r in reports)
        + "</tr>"
        for name, value in rows
    )
    html = [
        "<h3>Columns</h3>",
        f"<table cellspacing='0' cellpadding='4'><tr><th></th>{head}</tr>{body}</table>",
        "<p style='color:gray'>Rates leave out conversations in error; brackets are 95 %"
        " intervals (Wilson for rates, bootstrap for means).</p>",
    ]
    if column_a is not None and column_b is not None and column_a != column_b:
        comparison = app_conversations.compare_simulation(
            store, run_id, str(column_a), str(column_b)
        )
        labels = {r.column.index: r.column.label for r in reports}
        html.append(
            f"<h3>{escape(labels.get(column_a, str(column_a)))} vs"
            f" {escape(labels.get(column_b, str(column_b)))}</h3>"
        )
        html.append(f"<p><b>{escape(comparison.verdict)}</b></p>")
        details = [f"{comparison.rows} paired conversation(s)"]
        mcnemar = comparison.pass_fail
        if mcnemar is not None:
            details.append(
                f"verdicts: both pass {mcnemar.both_pass}, only left {mcnemar.only_a},"
                f" only right {mcnemar.only_b}, both fail {mcnemar.both_fail}"
                f" — exact McNemar p = {mcnemar.p_value:.3g}"
            )
        difference = comparison.scores
        if difference is not None:
            text = f"turn pass rate, right − left: {difference.mean_difference:+.2f}"
            if difference.interval is not None:
                text += f" [{difference.interval.low:+.2f}, {difference.interval.high:+.2f}]"
            if difference.wilcoxon_p is not None:
                text += f" — Wilcoxon p = {difference.wilcoxon_p:.3g}"
            details.append(text)
        html.append("<p>" + "<br/>".join(details) + "</p>")
    return "".join(html)


def simulation_html(store: Store, run_id: int) -> str:
    """A simulation's header for the inspector: status, columns, conversations by status."""
    info = app_conversations.get_simulation(store, run_id)
    counts: dict[str, int] = {}
    for result in app_conversations.conversations(store, run_id):
        counts[result.status.value] = counts.get(result.status.value, 0) + 1
    spec = info.spec
    parts = [
        f"<h3>sim-{info.id} {escape(info.name)}</h3>",
        f"<p>{escape(info.status)} · created {info.created_at:%Y-%m-%d %H:%M}"
        f" · {spec.repeats} repeat(s) · turn limit {spec.max_turns or 'per case'}</p>",
    ]
    if info.estimated_cost_usd is not None:
        parts.append(f"<p>At most ${info.estimated_cost_usd:.4f}</p>")
    if counts:
        figures = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        parts.append(f"<p>Conversations: {figures}</p>")
    parts.append("<h4>Assistant columns</h4><ul>")
    parts.extend(f"<li>{escape(column.label)}</li>" for column in info.columns)
    parts.append("</ul>")
    return "\n".join(parts)


def simulation_column_refs(
    store: Store, run_id: int, column: int
) -> tuple[str, str | None, str, str | None]:
    """A simulation column's prompt, persona and model as ``name@vN``, and the run's rubric."""
    info = app_conversations.get_simulation(store, run_id)
    found = next((c for c in info.columns if c.index == column), None)
    if found is None:
        raise NotFoundError(f"sim-{run_id} has no column {column}")
    persona = store.get_version(found.persona_id).ref if found.persona_id else None
    rubric = store.get_version(info.spec.rubric_id).ref if info.spec.rubric_id else None
    return (
        store.get_version(found.prompt_id).ref,
        persona,
        store.get_version(found.model_id).ref,
        rubric,
    )
