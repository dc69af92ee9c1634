"""Benchmark of the results grid: opening and scrolling a big run, and staying responsive live.

Three measurements, offscreen (``QT_QPA_PLATFORM=offscreen``), printed as figures (no
assertions):

1. **Open**: a stored run of 100,000 dataset rows × 4 columns (400,000 finished cells, scored)
   in a real SQLite store, opened as the window opens a run: time until the grid shows every
   row, then until the results read on a worker thread are shown, with the GUI event loop's
   lateness meanwhile.
2. **Scroll**: programmatic scroll steps through the grid (a page down each, then jumps of
   1,000 rows); each step is timed from setting the scroll bar to the end of a synchronous
   repaint of the viewport plus pending events.
3. **Live**: a simulated run posting cell events (started, streamed text deltas, finished) from
   the engine bridge's thread at a target rate, through a real `RunController` (tagged events,
   coalescing, one batch per tick) into the shown grid; meanwhile a 10 ms `QTimer` heartbeat
   measures how late the GUI event loop serves it (p50 / p99 / max lateness).

Usage: ``python bench/gui_bench.py [--rows 100000] [--rate 600] [--seconds 10]``. Building the
100,000-row store takes a minute the first time; it is kept under ``--cache`` for later runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.core.models import (  # noqa: E402
    CriterionSpec,
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PromptContent,
    RubricContent,
)
from workbench.core.reviews import CellScore  # noqa: E402
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunSpec  # noqa: E402
from workbench.engine.events import CellDelta, CellFinished, CellStarted  # noqa: E402
from workbench.gui.background_jobs import BackgroundJobs  # noqa: E402
from workbench.gui.bridge import EngineBridge  # noqa: E402
from workbench.gui.main import create_application  # noqa: E402
from workbench.gui.models.result_frame import ResultFrame  # noqa: E402
from workbench.gui.models.results_table_model import ResultsTableModel  # noqa: E402
from workbench.gui.run_controller import RunController  # noqa: E402
from workbench.gui.run_events import coalesce_run_events, tag  # noqa: E402
from workbench.gui.run_sessions import RunSessions  # noqa: E402
from workbench.gui.views.results_view import ResultsView  # noqa: E402
from workbench.store import Store  # noqa: E402

COLUMNS = 4
ANSWER = (
    "Bonjour Hélène, votre commande ML-104522 a été expédiée le 4 novembre par Colissimo "
    "(suivi 6A23918475520) ; la livraison est prévue le 6 novembre. Bien cordialement, Camille"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def build_store(path: Path, rows: int) -> tuple[Store, int]:
    """A store holding one run of `rows` × 4 columns, every cell finished and scored."""
    fresh = not path.exists()
    store = Store.open(path)
    if not fresh and store.list_runs():
        return store, store.list_runs()[0].id
    started = time.perf_counter()
    dataset = store.save_version(
        Kind.DATASET,
        "bench",
        DatasetContent(
            rows=tuple(
                DatasetRow(id=f"row-{i:06d}", vars={"message": f"Où en est ma commande {i} ?"})
                for i in range(rows)
            )
        ),
        author="bench",
    ).version
    prompts = [
        store.save_version(
            Kind.PROMPT, "bench-prompt", PromptContent(user=f"v{n} {{{{ message }}}}"), author="b"
        ).version
        for n in (1, 2)
    ]
    personas = (None,)
    models = [
        store.save_version(
            Kind.MODEL,
            f"bench-model-{n}",
            ModelConfigContent(provider="openai-compatible", model="m", base_url="http://x/v1"),
            author="b",
        ).version
        for n in (1, 2)
    ]
    rubric = store.save_version(
        Kind.RUBRIC,
        "bench-rubric",
        RubricContent(criteria=(CriterionSpec(kind="contains", config={"value": "Bonjour"}),)),
        author="b",
    ).version
    spec = RunSpec(
        prompt_ids=tuple(p.id for p in prompts),
        persona_ids=personas,
        model_ids=tuple(m.id for m in models),
        dataset_id=dataset.id,
        rubric_id=rubric.id,
    )
    columns = [
        Column(
            index=index,
            prompt_id=prompt.id,
            persona_id=None,
            model_id=model.id,
            label=f"{prompt.ref} · {model.ref}",
        )
        for index, (prompt, model) in enumerate((p, m) for p in prompts for m in models)
    ]
    run = store.create_run(spec, columns, name="bench 100k × 4")
    now = datetime.now(UTC)
    batch: list[CellResult] = []
    scores: list[CellScore] = []
    for i in range(rows):
        for column in range(COLUMNS):
            key = CellKey(f"row-{i:06d}", column)
            batch.append(
                CellResult(
                    key=key,
                    status=CellStatus.OK,
                    output=ANSWER,
                    latency_ms=200.0 + (i * 7 + column * 13) % 400,
                    cost_usd=0.00002,
                    attempts=1,
                    finished_at=now,
                )
            )
            passed = (i + column) % 5 != 0
            scores.append(CellScore(key, rubric.id, passed, 1.0 if passed else 0.0, None, (), now))
        if len(batch) >= 20_000:
            store.upsert_cells(run.id, batch)
            store.upsert_scores(run.id, scores)
            batch, scores = [], []
    store.upsert_cells(run.id, batch)
    store.upsert_scores(run.id, scores)
    print(f"built the store in {time.perf_counter() - started:.1f} s ({path})")
    return store, run.id


def settle(app: QApplication) -> None:
    app.processEvents()


class Heartbeat:
    """A 10 ms `QTimer` recording how late the GUI event loop serves it."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0

    def start(self) -> None:
        self._clock.start()
        self._last = 0.0
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def summary(self) -> str:
        values = self.lateness or [0.0]
        return (
            f"p50 {statistics.median(values):.1f} ms, p99 {percentile(values, 99):.1f} ms,"
            f" max {max(values):.1f} ms over {len(self.lateness):,} beats"
        )

    def _beat(self) -> None:
        now = self._clock.nsecsElapsed() / 1e6
        if self._last:
            self.lateness.append(max(0.0, now - self._last - 10.0))
        self._last = now


def measure_open(app: QApplication, path: Path, store: Store, run_id: int) -> ResultsView:
    """Open the run the way the window does (`RunSessions.results_view`)."""
    bridge = EngineBridge(coalesce=coalesce_run_events)
    jobs = BackgroundJobs(bridge, lambda: Store.open(path))
    sessions = RunSessions(
        store, lambda: Store.open(path), bridge, jobs, lambda config: None, reviewer="bench"
    )
    loaded: list[object] = []
    sessions.results_loaded.connect(loaded.append)
    heartbeat = Heartbeat()
    started = time.perf_counter()
    cpu = time.process_time()
    view, _title = sessions.results_view(run_id)
    view.resize(1400, 860)
    view.show()
    view.table.viewport().repaint()
    app.processEvents()
    shown = time.perf_counter()
    heartbeat.start()
    page = range(view.table.rowAt(view.table.viewport().height() - 1) + 1 or 30)
    first_shown = None
    while not loaded:
        app.processEvents()
        if first_shown is None and all(
            view.model.frame.state(row, column) is not None
            for row in page
            for column in range(COLUMNS)
        ):
            view.table.viewport().repaint()
            first_shown = time.perf_counter()
        time.sleep(0.001)
    filled = time.perf_counter()
    cpu = time.process_time() - cpu
    heartbeat.stop()
    view.table.viewport().repaint()
    frame = view.model.frame
    print("\n1. Open a 100,000-row × 4-column result set (as the window opens a run)")
    print(
        f"   rows × columns × cells              {frame.row_count:,} × {frame.column_count}"
        f" = {frame.total_cells:,} cells, {frame.done_count():,} finished and scored"
    )
    print(f"   grid shown with every row (ids only) {1000 * (shown - started):8.0f} ms")
    if first_shown is not None:
        print(f"   results of the rows on screen shown  {1000 * (first_shown - shown):8.0f} ms")
    print(f"   every result read on a worker, shown {1000 * (filled - shown):8.0f} ms")
    print(f"   GUI heartbeat meanwhile: {heartbeat.summary()}")
    print(f"   CPU time of the process (worker + GUI) {cpu:8.1f} s")
    view.setProperty("bench_bridge", bridge)  # keep the bridge alive with the view
    return view


def measure_scroll(app: QApplication, view: ResultsView) -> None:
    bar = view.table.verticalScrollBar()
    viewport = view.table.viewport()
    page = max(1, bar.pageStep())
    times: dict[str, list[float]] = {"page": [], "jump": []}
    cpu: dict[str, float] = {}
    for kind, step, count in (("page", page, 300), ("jump", 1000, 95)):
        bar.setValue(0)
        settle(app)
        cpu[kind] = time.thread_time()
        for _ in range(count):
            started = time.perf_counter()
            bar.setValue(min(bar.maximum(), bar.value() + step))
            viewport.repaint()
            settle(app)
            times[kind].append(1000 * (time.perf_counter() - started))
        cpu[kind] = 1000 * (time.thread_time() - cpu[kind]) / count
    print("\n2. Frame time while scrolling (scroll-bar step + synchronous repaint + events)")
    for kind, values in times.items():
        label = f"{len(values)} page-down steps" if kind == "page" else f"{len(values)} jumps"
        print(
            f"   {label:<24} p50 {statistics.median(values):5.1f} ms"
            f"  p95 {percentile(values, 95):5.1f} ms  max {max(values):5.1f} ms"
            f"  (GUI-thread CPU {cpu[kind]:4.1f} ms a step)"
        )
    print(f"   visible rows per page {page}")


def measure_live(app: QApplication, rows: int, rate: float, seconds: float) -> None:
    """Cells per second posted through a real controller into a shown 4-column grid."""
    bridge = EngineBridge(coalesce=coalesce_run_events)
    run_id = 1
    columns = [
        Column(index=c, prompt_id="p", persona_id=None, model_id="m", label=f"column {c}")
        for c in range(COLUMNS)
    ]
    row_ids = [f"row-{i:06d}" for i in range(rows)]
    model = ResultsTableModel(ResultFrame(row_ids, columns))
    view = ResultsView(model, title="live")
    model.setParent(view)
    view.resize(1400, 860)
    view.show()
    controller = RunController(bridge, lambda: None, lambda config: None)  # type: ignore[arg-type,return-value]
    controller.attach(run_id)
    controller.events_received.connect(model.apply_events)
    deltas_per_cell = 8
    words = ANSWER.split(" ")
    chunk = max(1, len(words) // deltas_per_cell)
    pieces = [" ".join(words[i : i + chunk]) + " " for i in range(0, len(words), chunk)]
    posted = {"cells": 0, "events": 0}

    async def simulate(sink: Any) -> None:
        # Cells start in waves; each streams its pieces over ~0.3 s, then finishes.
        interval = 0.02
        per_tick = max(1, round(rate * interval))
        started = time.perf_counter()
        in_flight: list[tuple[CellKey, int]] = []
        position = 0
        while time.perf_counter() - started < seconds:
            for _ in range(per_tick):
                key = CellKey(row_ids[position // COLUMNS % rows], position % COLUMNS)
                position += 1
                sink(tag(run_id, CellStarted(key)))
                in_flight.append((key, 0))
                posted["events"] += 1
            still = []
            for key, sent in in_flight:
                if sent < len(pieces):
                    sink(tag(run_id, CellDelta(key, pieces[sent])))
                    posted["events"] += 1
                    still.append((key, sent + 1))
                else:
                    result = CellResult(key, CellStatus.OK, output=ANSWER, latency_ms=300.0)
                    sink(tag(run_id, CellFinished(result)))
                    posted["events"] += 1
                    posted["cells"] += 1
            in_flight = still
            await asyncio.sleep(interval)

    heartbeat = Heartbeat()
    heartbeat.start()
    task = bridge.submit(simulate)
    done = {"finished": False}
    bridge.task_finished.connect(
        lambda task_id, *_: done.update(finished=done["finished"] or task_id == task)
    )
    wall = time.perf_counter()
    cpu = time.process_time()
    while not done["finished"]:
        app.processEvents()
        time.sleep(0.001)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    heartbeat.stop()
    bridge.shutdown()
    print(f"\n3. GUI event-loop latency during a simulated live run ({seconds:g} s)")
    print(
        f"   posted {posted['cells']:,} finished cells ({posted['cells'] / wall:,.0f} cells/s),"
        f" {posted['events']:,} events ({posted['events'] / wall:,.0f} events/s)"
    )
    print(f"   grid cells done when the run ended  {model.frame.done_count():,}")
    print(f"   10 ms heartbeat lateness: {heartbeat.summary()}")
    print(f"   CPU time of the process (engine side + GUI) {cpu:.1f} s over {wall:.1f} s")
    view.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=600.0, help="cells started per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "workbench-gui-bench"
    )
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    app = create_application(sys.argv[:1])  # as the app starts: theme, None guard
    args.cache.mkdir(parents=True, exist_ok=True)
    store, run_id = build_store(args.cache / f"bench-{args.rows}.sqlite", args.rows)
    view = measure_open(app, args.cache / f"bench-{args.rows}.sqlite", store, run_id)
    measure_scroll(app, view)
    view.close()
    store.close()
    measure_live(app, args.rows, args.rate, args.seconds)
    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
