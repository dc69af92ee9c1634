"""A run as one self-contained HTML file a colleague can open in any browser, with no install.

Everything is inline: CSS, a few lines of JavaScript (filter rows, show failures only) and SVG
charts drawn here: pass rate per column with its Wilson 95% interval as whiskers, and the latency
distribution per column (box from p25 to p75, median line, whiskers to p5 and p95, every cell as
a dot). The page holds the grid of outputs with pass/fail badges, per-column statistics with
intervals, and each column's prompt, persona and model versions with the templates themselves.
No external URL is referenced; model outputs are escaped, so they cannot inject markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import jinja2
import numpy as np
from markupsafe import Markup

from workbench.core.compose import prompt_templates
from workbench.core.models import PersonaContent, PromptContent, RubricContent, Version
from workbench.core.personas import render_persona
from workbench.core.runs import CellStatus, Column
from workbench.interop.run_export import ExportedCell, RunCells, column_cells, load_run_cells
from workbench.interop.text import write_text
from workbench.scoring.results import ScoreResult
from workbench.scoring.stats import ColumnStats, cell_record, column_stats
from workbench.store import Store

PALETTE = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d")
MAX_DOTS = 400  # latency dots per column; beyond this the box says enough


@dataclass(frozen=True)
class ColumnView:
    """What the report shows about one column."""

    column: Column
    short: str
    color: str
    stats: ColumnStats
    latencies: tuple[float, ...]
    prompt: Version
    persona: Version | None
    model: Version
    templates: tuple[tuple[str, str], ...]
    persona_section: str | None


@dataclass(frozen=True)
class GridCell:
    """One cell of the grid: badge, score and output."""

    badge: str
    label: str
    score: str
    output: str
    detail: str
    latency: str


@dataclass(frozen=True)
class GridRow:
    """One dataset row of the grid."""

    row_id: str
    variables: str
    expected: str
    cells: tuple[GridCell, ...]
    failed: bool


def _record(item: ExportedCell):  # type: ignore[no-untyped-def]
    score = item.score
    result = (
        None
        if score is None
        else ScoreResult(passed=score.passed, score=score.score, criteria=[], error=score.error)
    )
    return cell_record(item.cell, result)


def _views(store: Store, cells: RunCells) -> list[ColumnView]:
    grouped = column_cells(cells)
    views = []
    for column in cells.run.columns:
        items = grouped[column.index]
        prompt = store.get_version(column.prompt_id)
        persona = store.get_version(column.persona_id) if column.persona_id else None
        section = None
        if persona is not None:
            section = render_persona(persona.content_as(PersonaContent), name=persona.ref)
        latencies = tuple(
            item.cell.latency_ms
            for item in items
            if item.cell.latency_ms is not None and item.cell.status is CellStatus.OK
        )
        views.append(
            ColumnView(
                column=column,
                short=f"C{column.index + 1}",
                color=PALETTE[column.index % len(PALETTE)],
                stats=column_stats([_record(item) for item in items]),
                latencies=latencies,
                prompt=prompt,
                persona=persona,
                model=store.get_version(column.model_id),
                templates=tuple(
                    (name.rsplit(":", 1)[-1], source)
                    for name, _role, source in prompt_templates(
                        prompt.content_as(PromptContent), prompt.ref
                    )
                ),
                persona_section=section,
            )
        )
    return views


def _criterion_line(result: dict[str, object]) -> str:
    passed = result.get("passed")
    mark = "✓" if passed is True else "✗" if passed is False else "–"
    reason = result.get("detail") or result.get("error") or ""
    return f"{result.get('name')}: {mark} {reason}".strip()


def _grid(cells: RunCells) -> list[GridRow]:
    by_row: dict[str, list[ExportedCell]] = {}
    for item in cells.cells:
        by_row.setdefault(item.cell.key.row_id, []).append(item)
    rows = []
    for row_id, items in by_row.items():
        row = items[0].row
        grid_cells = []
        failed = False
        for item in items:
            cell, score = item.cell, item.score
            if cell.status is not CellStatus.OK:
                badge, label = "error", cell.error_kind or cell.status.value
                failed = True
            elif score is None:
                badge, label = "none", "not scored"
            elif score.error is not None:
                badge, label = "error", "score error"
                failed = True
            elif score.passed is None:
                badge, label = "none", "n/a"
            else:
                badge, label = ("pass", "PASS") if score.passed else ("fail", "FAIL")
                failed = failed or not score.passed
            detail = "; ".join(_criterion_line(c) for c in (score.criteria if score else ()))
            grid_cells.append(
                GridCell(
                    badge=badge,
                    label=label + (f" r{cell.key.repeat}" if cell.key.repeat else ""),
                    score="" if score is None or score.score is None else f"{score.score:.2f}",
                    output=cell.output or (cell.error_message or ""),
                    detail=detail or (score.error or "" if score else ""),
                    latency="" if cell.latency_ms is None else f"{cell.latency_ms:.0f} ms",
                )
            )
        variables = "" if row is None else "\n".join(f"{k}: {v}" for k, v in row.vars.items())
        rows.append(
            GridRow(
                row_id=row_id,
                variables=variables,
                expected=(row.expected or " | ".join(row.facts)) if row else "",
                cells=tuple(grid_cells),
                failed=failed,
            )
        )
    return rows


def pass_rate_svg(views: Sequence[ColumnView], *, width: int = 680) -> str:
    """Horizontal bars of each column's pass rate with its 95% interval as whiskers."""
    left, right, bar = 56, 70, 26
    height = 30 + bar * len(views) + 10 * len(views)
    span = width - left - right
    parts = [_svg_open(width, height, "Pass rate per column with 95% interval")]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * span
        parts.append(f'<line x1="{x:.1f}" y1="8" x2="{x:.1f}" y2="{height - 18}" class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" class="tick">{tick:.0%}</text>')
    for index, view in enumerate(views):
        y = 10 + index * (bar + 10)
        stats = view.stats
        parts.append(
            f'<text x="{left - 8}" y="{y + bar * 0.68:.1f}" class="lbl">{view.short}</text>'
        )
        if stats.pass_rate is None:
            parts.append(
                f'<text x="{left + 4}" y="{y + bar * 0.68:.1f}" class="na">not scored</text>'
            )
            continue
        parts.append(
            f'<rect x="{left}" y="{y}" width="{stats.pass_rate * span:.1f}" height="{bar}"'
            f' fill="{view.color}" rx="3"><title>{escape(view.column.label)}:'
            f" {stats.passed}/{stats.judged} passed</title></rect>"
        )
        if stats.pass_interval is not None:
            low = left + stats.pass_interval.low * span
            high = left + stats.pass_interval.high * span
            mid = y + bar / 2
            parts.append(
                f'<path d="M{low:.1f} {mid}H{high:.1f}M{low:.1f} {mid - 7}V{mid + 7}'
                f'M{high:.1f} {mid - 7}V{mid + 7}" class="whisker"/>'
            )
        parts.append(
            f'<text x="{width - right + 8}" y="{y + bar * 0.68:.1f}" class="val">'
            f"{stats.pass_rate:.0%}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def latency_svg(views: Sequence[ColumnView], *, width: int = 680) -> str:
    """Per column: the latency box (p25–p75, median), whiskers p5–p95, every cell as a dot."""
    left, right, lane = 56, 70, 34
    height = 34 + lane * len(views)
    values = [v for view in views for v in view.latencies]
    top = max(values) if values else 1.0
    scale = _nice(top)
    span = width - left - right
    parts = [_svg_open(width, height, "Latency per column (ms)")]
    for step in range(5):
        tick = scale * step / 4
        x = left + span * step / 4
        parts.append(f'<line x1="{x:.1f}" y1="6" x2="{x:.1f}" y2="{height - 20}" class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" class="tick">{tick:,.0f} ms</text>')
    for index, view in enumerate(views):
        mid = 8 + index * lane + lane / 2
        parts.append(f'<text x="{left - 8}" y="{mid + 4:.1f}" class="lbl">{view.short}</text>')
        if not view.latencies:
            parts.append(f'<text x="{left + 4}" y="{mid + 4:.1f}" class="na">no answers</text>')
            continue
        p5, p25, p50, p75, p95 = (
            float(v) for v in np.percentile(view.latencies, [5, 25, 50, 75, 95])
        )

        def to_x(value: float) -> float:
            return left + span * min(value, scale) / scale

        step_dots = max(1, math.ceil(len(view.latencies) / MAX_DOTS))
        for number, value in enumerate(view.latencies[::step_dots]):
            jitter = ((number * 37) % 17 - 8) * 0.9  # spread dots without randomness
            parts.append(
                f'<circle cx="{to_x(value):.1f}" cy="{mid + jitter:.1f}" r="2"'
                f' fill="{view.color}" opacity="0.35"/>'
            )
        parts.append(
            f'<path d="M{to_x(p5):.1f} {mid}H{to_x(p25):.1f}M{to_x(p75):.1f} {mid}H{to_x(p95):.1f}'
            f'M{to_x(p5):.1f} {mid - 5}V{mid + 5}M{to_x(p95):.1f} {mid - 5}V{mid + 5}"'
            ' class="whisker"/>'
        )
        parts.append(
            f'<rect x="{to_x(p25):.1f}" y="{mid - 9}" width="{max(to_x(p75) - to_x(p25), 1):.1f}"'
            f' height="18" fill="{view.color}" fill-opacity="0.25" stroke="{view.color}">'
            f"<title>p5 {p5:.0f} · p25 {p25:.0f} · median {p50:.0f} · p75 {p75:.0f} ·"
            f" p95 {p95:.0f} ms</title></rect>"
        )
        parts.append(
            f'<line x1="{to_x(p50):.1f}" y1="{mid - 9}" x2="{to_x(p50):.1f}" y2="{mid + 9}"'
            f' stroke="{view.color}" stroke-width="3"/>'
        )
        parts.append(
            f'<text x="{width - right + 8}" y="{mid + 4:.1f}" class="val">{p50:,.0f} ms</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(width: int, height: int, title: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )


def _nice(value: float) -> float:
    """A round axis end at or above `value` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 5, 10):
        if factor * power >= value:
            return float(factor * power)
    return float(10 * power)


def _fmt_rate(stats: ColumnStats) -> str:
    if stats.pass_rate is None:
        return "–"
    text = f"{stats.pass_rate:.1%} ({stats.passed}/{stats.judged})"
    if stats.pass_interval is not None:
        text += f" [{stats.pass_interval.low:.0%}–{stats.pass_interval.high:.0%}]"
    return text


def _fmt_score(stats: ColumnStats) -> str:
    if stats.mean_score is None:
        return "–"
    text = f"{stats.mean_score:.2f}"
    if stats.score_interval is not None:
        text += f" [{stats.score_interval.low:.2f}–{stats.score_interval.high:.2f}]"
    return text


def _fmt_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


_CSS = """
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f9fafb;
  --pass:#15803d;--fail:#b91c1c;--err:#a16207}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
  margin:0;background:#fff}
header{padding:20px 28px;background:var(--bg);border-bottom:1px solid var(--line)}
h1{font-size:21px;margin:0 0 4px}h2{font-size:16px;margin:26px 0 10px}
main{padding:0 28px 40px}.meta{color:var(--muted)}.meta b{color:var(--fg);font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid var(--line);padding:6px 8px;vertical-align:top;text-align:left}
th{background:var(--bg);font-weight:600}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:24px}
.chart{border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.chart h3{font-size:13px;margin:0 0 6px;color:var(--muted);font-weight:600}
svg .grid{stroke:#e5e7eb}svg .tick{font-size:10px;fill:#6b7280;text-anchor:middle}
svg .lbl{font-size:12px;font-weight:600;fill:#374151;text-anchor:end}
svg .val{font-size:12px;fill:#111827}svg .na{font-size:11px;fill:#9ca3af}
svg .whisker{stroke:#111827;stroke-width:1.6;fill:none}
.key{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;
  vertical-align:-1px}
.badge{display:inline-block;font-size:11px;font-weight:700;border-radius:3px;padding:1px 6px;
  color:#fff;margin-right:6px}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}
.badge.error{background:var(--err)}.badge.none{background:#9ca3af}
.out{white-space:pre-wrap;word-break:break-word;max-height:11em;overflow:auto;margin-top:4px}
.vars{white-space:pre-wrap;color:var(--muted);font-size:12px}
.small{font-size:12px;color:var(--muted)}details summary{cursor:pointer;color:#1d4ed8}
pre{white-space:pre-wrap;background:var(--bg);border:1px solid var(--line);padding:8px;
  border-radius:4px;font-size:12px}
.controls{margin:8px 0 12px;display:flex;gap:16px;align-items:center}
input[type=search]{padding:5px 8px;width:260px;border:1px solid #d1d5db;border-radius:4px}
code{font-size:12px}
"""

_SCRIPT = """
(function () {
  var filter = document.getElementById('filter');
  var failures = document.getElementById('failures');
  var count = document.getElementById('count');
  var rows = [].slice.call(document.querySelectorAll('#grid tbody tr'));
  function apply() {
    var query = filter.value.toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var ok = (!query || row.textContent.toLowerCase().indexOf(query) >= 0) &&
        (!failures.checked || row.getAttribute('data-failed') === '1');
      row.style.display = ok ? '' : 'none';
      if (ok) { shown++; }
    });
    count.textContent = shown + ' of ' + rows.length + ' rows';
  }
  filter.addEventListener('input', apply);
  failures.addEventListener('change', apply);
  apply();
})();
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Run {{ run.id }} · {{ run.name }} — Prompt Workbench report</title>
<style>{{ css }}</style></head><body>
<header>
<h1>{{ run.name }} <span class="meta">run {{ run.id }}</span></h1>
<div class="meta">Status <b>{{ run.status.value }}</b>
 · created {{ run.created_at.strftime("%Y-%m-%d %H:%M UTC") }}
{%- if run.finished_at %} · finished {{ run.finished_at.strftime("%Y-%m-%d %H:%M UTC") }}
{%- endif %} · dataset <b>{{ dataset_ref }}</b> · {{ row_count }} rows × {{ views|length }}
 columns{% if run.spec.repeats > 1 %} × {{ run.spec.repeats }} repeats{% endif %}
{%- if rubric_ref %} · rubric <b>{{ rubric_ref }}</b> (a cell passes at a weighted score ≥
 {{ "%.2f"|format(rubric_threshold) }}){% else %} · not scored{% endif %}</div>
{% if note %}<div class="meta">{{ note }}</div>{% endif %}
</header><main>
<h2>Statistics per column</h2>
<table><thead><tr><th>Column</th><th>Pass rate [95% CI]</th><th>Mean score [95% CI]</th>
<th>Latency p50 / p95</th><th>Tokens in / out</th><th>Cost</th><th>Errors</th>
<th>Unanswered</th></tr></thead><tbody>
{% for v in views %}<tr>
<td><span class="key" style="background:{{ v.color }}"></span><b>{{ v.short }}</b>
 {{ v.column.label }}</td>
<td class="num">{{ fmt_rate(v.stats) }}</td><td class="num">{{ fmt_score(v.stats) }}</td>
<td class="num">{{ fmt_ms(v.stats.latency_p50_ms) }} / {{ fmt_ms(v.stats.latency_p95_ms) }}</td>
<td class="num">{{ "{:,}".format(v.stats.input_tokens) }} /
 {{ "{:,}".format(v.stats.output_tokens) }}</td>
<td class="num">{% if v.stats.cost_usd is not none %}${{ "%.4f"|format(v.stats.cost_usd) }}
{%- else %}–{% endif %}</td>
<td class="num">{{ v.stats.errors }}{% if v.stats.error_rate %}
 ({{ "%.0f"|format(v.stats.error_rate * 100) }}%){% endif %}</td>
<td class="num">{{ v.stats.unanswered }}</td></tr>
{% endfor %}</tbody></table>
<p class="small">Intervals: Wilson 95% for pass rates, bootstrap 95% for mean scores.
Errored cells are infrastructure failures and never count as fails.</p>
<div class="charts">
<div class="chart"><h3>Pass rate (bars) with 95% interval (whiskers)</h3>
{{ pass_chart|safe }}</div>
<div class="chart"><h3>Latency: box p25–p75, line median, whiskers p5–p95, dots cells</h3>
{{ latency_chart|safe }}</div>
</div>
<h2>Results</h2>
<div class="controls">
<input type="search" id="filter" placeholder="Filter rows by any text…" aria-label="Filter rows">
<label><input type="checkbox" id="failures"> Only rows with a failure or error</label>
<span class="small" id="count"></span></div>
<table id="grid"><thead><tr><th>Row</th>
{%- for v in views %}<th><span class="key" style="background:{{ v.color }}"></span>
{{- v.short }}</th>{% endfor %}</tr></thead><tbody>
{% for r in grid %}<tr data-failed="{{ 1 if r.failed else 0 }}">
<td><b>{{ r.row_id }}</b><div class="vars">{{ r.variables }}</div>
{%- if r.expected %}<div class="small">expected: {{ r.expected }}</div>{% endif %}</td>
{% for c in r.cells %}<td><span class="badge {{ c.badge }}">{{ c.label }}</span>
{%- if c.score %}<span class="small">{{ c.score }}</span>{% endif %}
 <span class="small">{{ c.latency }}</span>
<div class="out">{{ c.output }}</div>
{%- if c.detail %}<details><summary>criteria</summary>
<div class="small">{{ c.detail }}</div></details>{% endif %}</td>
{% endfor %}</tr>
{% endfor %}</tbody></table>
<h2>Versions and templates</h2>
{% for v in views %}<details{% if loop.first %} open{% endif %}>
<summary><b>{{ v.short }}</b> {{ v.column.label }}</summary>
<p class="small">prompt <code>{{ v.prompt.ref }} {{ v.prompt.id }}</code><br>
{%- if v.persona %}persona <code>{{ v.persona.ref }} {{ v.persona.id }}</code><br>{% endif %}
model <code>{{ v.model.ref }} {{ v.model.id }}</code>
 ({{ v.model.content.provider }} · {{ v.model.content.model }})</p>
{% for name, source in v.templates %}<div class="small">{{ name }} template</div>
<pre>{{ source }}</pre>{% endfor %}
{% if v.persona_section %}<div class="small">persona section ({{ v.persona.ref }})</div>
<pre>{{ v.persona_section }}</pre>{% endif %}
</details>{% endfor %}
<p class="small">Generated by Prompt Workbench on {{ generated }}.</p>
</main>
<script>{{ script }}</script>
</body></html>
"""


def render_report(
    store: Store, run_id: int, *, rubric_id: str | None = None, note: str = ""
) -> str:
    """The HTML text of a run's report (scores of `rubric_id`, or the first rubric scored)."""
    cells = load_run_cells(store, run_id, rubric_id)
    views = _views(store, cells)
    grid = _grid(cells)
    rubric = store.get_version(cells.rubric_id) if cells.rubric_id else None
    threshold = None
    if rubric is not None and isinstance(rubric.content, RubricContent):
        threshold = rubric.content.threshold
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(_TEMPLATE)
    return template.render(
        run=cells.run,
        views=views,
        grid=grid,
        row_count=len(grid),
        dataset_ref=store.get_version(cells.run.spec.dataset_id).ref,
        rubric_ref=rubric.ref if rubric else None,
        rubric_threshold=threshold,
        note=note,
        pass_chart=pass_rate_svg(views),
        latency_chart=latency_svg(views),
        fmt_rate=_fmt_rate,
        fmt_score=_fmt_score,
        fmt_ms=_fmt_ms,
        css=Markup(_CSS),
        script=Markup(_SCRIPT),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_report(
    store: Store, run_id: int, path: Path, *, rubric_id: str | None = None, note: str = ""
) -> Path:
    """Write the report to `path` (UTF-8, one file)."""
    write_text(path, render_report(store, run_id, rubric_id=rubric_id, note=note))
    return path
