"""Plain-text-to-HTML rendering of one cell's details for the results detail pane.

Kept free of widgets so it is easy to test: the pane shows whatever `cell_detail_html` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from types import SimpleNamespace
from typing import Any

from workbench.gui.models.result_frame import CellState


def cell_detail_html(
    *,
    row_id: str,
    column_label: str,
    state: CellState | None,
    rendered_prompt: str | None,
    other: tuple[str, str] | None = None,
) -> str:
    """Everything known about one cell, most useful first.

    Args:
        row_id: the dataset row.
        column_label: the column's human label.
        state: the cell's state, None when it has not run.
        rendered_prompt: the messages sent, already formatted, when available.
        other: (label, unified diff) against the same row in another column, when chosen.
    """
    parts = [f"<h3>{escape(row_id)} <small>— {escape(column_label)}</small></h3>"]
    if state is None:
        parts.append("<p><i>Not run yet.</i></p>")
    else:
        parts.append(f"<p>{_facts(state)}</p>")
        result = state.result
        if result is not None and result.error_message:
            parts.append(f"<h4>Error</h4><p>{escape(result.error_message)}</p>")
        if state.score_error:
            parts.append(f"<h4>Not scored</h4><p>{escape(state.score_error)}</p>")
        if state.text:
            parts.append(f"<h4>Output</h4>{_pre(state.text)}")
    if other is not None:
        label, diff = other
        parts.append(f"<h4>Diff against {escape(label)}</h4>")
        parts.append(_pre(diff) if diff else "<p><i>Same output.</i></p>")
    if state is not None and state.criteria:
        parts.append(f"<h4>Criteria</h4>{_criteria(state.criteria)}")
    if rendered_prompt:
        parts.append(f"<h4>Prompt sent</h4>{_pre(rendered_prompt)}")
    return "\n".join(parts)


def _facts(state: CellState) -> str:
    facts = [f"<b>{escape(state.status.value)}</b>"]
    if state.score is not None:
        verdict = "pass" if state.passed else "fail"
        facts.append(f"score {state.score:.2f} ({verdict})")
    if state.rating:
        facts.append(f"your rating {escape(state.rating)}")
    result = state.result
    if result is not None:
        if result.latency_ms is not None:
            facts.append(f"{result.latency_ms:.0f} ms")
        if result.input_tokens is not None or result.output_tokens is not None:
            estimated = " (estimated)" if result.tokens_estimated else ""
            facts.append(f"tokens {result.input_tokens} in / {result.output_tokens} out{estimated}")
        if result.cost_usd is not None:
            facts.append(f"${result.cost_usd:.5f}")
        if result.cache_hit:
            facts.append("from cache")
        if result.attempts > 1:
            facts.append(f"{result.attempts} attempts")
    return " · ".join(facts)


def _criteria(criteria: Sequence[Any]) -> str:
    items = []
    for item in criteria:
        # Stored results arrive as plain dicts, live ones as objects: read both alike.
        criterion = SimpleNamespace(**item) if isinstance(item, dict) else item
        name = getattr(criterion, "name", None) or getattr(criterion, "kind", None) or "criterion"
        passed = getattr(criterion, "passed", None)
        score = getattr(criterion, "score", None)
        error = getattr(criterion, "error", None)
        reason = getattr(criterion, "detail", None) or ""
        mark = {True: "✓", False: "✗"}.get(passed, "•")
        figure = f" {score:.2f}" if isinstance(score, int | float) else ""
        if error:
            text = f"<i>could not be judged: {escape(str(error))}</i>"
        elif passed is None and score is None and not reason:
            text = "<i>does not apply</i>"
        else:
            text = escape(str(reason))
        parts = [
            SimpleNamespace(**part) if isinstance(part, dict) else part
            for part in getattr(criterion, "parts", ()) or ()
        ]
        checks = "".join(
            f"<li>{'✓' if part.passed else '✗'} {escape(part.name)}: {escape(part.detail)}</li>"
            for part in parts
        )
        nested = f"<ul>{checks}</ul>" if checks else ""
        items.append(f"<li>{mark} <b>{escape(str(name))}</b>{figure} — {text}{nested}</li>")
    return f"<ul>{''.join(items)}</ul>"


def _pre(text: str) -> str:
    return f"<pre style='white-space: pre-wrap'>{escape(text)}</pre>"
