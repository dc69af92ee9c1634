"""`RunSessions`: the runs open in a window — their grids, controllers, reviews, compare and
charts views.

The main window asks for a run's view or starts a run; this object builds the view over the
stored results, keeps one `RunController` per run (so a run goes on streaming when its tab is
closed and reopened), persists each keyboard rating off the GUI thread, and opens the compare
and charts views the grid asks for. New views are handed to the window through `view_opened`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from workbench.app.defaults import RUN_CONCURRENCY
from workbench.app.run_execution import EngineOptions
from workbench.app.runs import (
    DEMO_DATASET,
    DEMO_MODELS,
    DEMO_PERSONAS,
    DEMO_PROMPTS,
    DEMO_ROW_TAG,
    DEMO_RUBRIC,
    RowSelection,
    build_spec,
)
from workbench.app.services import ProviderFactory
from workbench.core.errors import KnownError
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.reviews import Rating
from workbench.core.runs import CellKey, RunInfo, RunSpec
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge
from workbench.gui.controller_sessions import ControllerSessions
from workbench.gui.models.results_table_model import ResultsTableModel
from workbench.gui.models.run_loading import (
    cell_prompt_text,
    empty_result_frame,
    load_result_frame,
    run_rubric_id,
)
from workbench.gui.results_loading import ResultsLoader
from workbench.gui.run_controller import RunController
from workbench.gui.serial_writes import SerialWrites
from workbench.gui.views.compare_view import CompareView
from workbench.gui.views.results_view import ResultsView

if TYPE_CHECKING:
    from workbench.app.records import Store

StoreOpener = Any
SYNC_LOAD_CELLS = 5_000
"""Runs up to this many cells are read at once when opened (a few milliseconds); bigger ones
are read on a worker thread while the grid already shows their rows."""


def run_tab_key(run_id: int) -> str:
    """The key of a run's results tab."""
    return f"run:{run_id}"


class RunSessions(ControllerSessions):
    """Results views and run controllers of one window.

    Args:
        store: the GUI thread's store (reads for opening views).
        open_store: opens a store connection for another thread.
        bridge: the engine bridge.
        jobs: background store work.
        provider_factory: builds providers on the engine thread.
        reviewer: whose ratings are shown and stored.
        options: engine tuning for the runs started here.

    Signals:
        view_opened(QWidget, str, str): a view to show: the widget, its title and its tab key.
        message_posted(str): something to tell the user in the status bar.
        runs_changed(): a run was created or stopped (the navigator lists runs).
        results_loaded(QWidget): a big run's results, read in the background, are shown.
    """

    results_loaded = Signal(QWidget)
    runs_changed = Signal()

    def __init__(
        self,
        store: Store,
        open_store: StoreOpener,
        bridge: EngineBridge,
        jobs: BackgroundJobs,
        provider_factory: ProviderFactory,
        *,
        reviewer: str,
        options: EngineOptions | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(bridge, jobs, provider_factory, reviewer=reviewer, parent=parent)
        self._store = store
        self._open_store = open_store
        self._options = options
        self._controllers: dict[int, RunController] = {}
        self._views: dict[int, ResultsView] = {}
        self._ratings = SerialWrites(jobs, self)  # a cell's last rating is the one stored
        self._ratings.failed.connect(self._on_ratings_failed)

    # -- public --------------------------------------------------------------------------------

    def results_view(self, run_id: int) -> tuple[ResultsView, str]:
        """A new results view of a stored run, wired to its controller, and its title."""
        run = self._store.get_run(run_id)
        rubric_id = run_rubric_id(self._store, run)
        frame = empty_result_frame(self._store, run)
        big = frame.total_cells > SYNC_LOAD_CELLS
        if not big:
            frame = load_result_frame(
                self._store, run, rubric_id=rubric_id, reviewer=self._reviewer
            )
        model = ResultsTableModel(frame)
        title = f"#{run.id} {run.name}"
        store = self._store
        view = ResultsView(
            model, title=title, prompt_source=lambda key: cell_prompt_text(store, run, key)
        )
        model.setParent(view)
        controller = self.controller(run_id)
        controller.events_received.connect(model.apply_events)
        controller.cells_scored.connect(model.apply_scores)
        controller.running_changed.connect(view.set_running)
        controller.run_failed.connect(view.show_message)
        controller.scoring_failed.connect(view.show_message)
        controller.run_finished.connect(view.show_summary)
        view.cancel_requested.connect(controller.cancel)
        view.resume_requested.connect(partial(self._continue, run_id, "missing"))
        view.retry_errors_requested.connect(partial(self._continue, run_id, "errors"))
        view.rating_given.connect(partial(self._on_view_rating_given, run_id, view))
        view.compare_requested.connect(partial(self._on_view_compare_requested, run_id))
        view.charts_requested.connect(partial(self._on_view_charts_requested, run_id))
        view.set_running(controller.running)
        if rubric_id is None:
            view.set_notice("Not scored: start a run with a rubric to see pass rates live.")
        self._remember_view(run_id, view)
        if big:
            self._load_in_background(view, run, rubric_id)
        return view, title

    def start_run(
        self, spec: RunSpec, name: str, judge: ModelConfigContent | None = None
    ) -> RunController:
        """Create and execute a run; its view opens (`view_opened`) once it is stored."""
        controller = self._new_controller()
        controller.run_created.connect(partial(self._on_controller_created, controller))
        controller.run_failed.connect(self.message_posted)
        controller.start(spec, name, judge_model=judge)
        self.message_posted.emit(f"Starting {name}…")
        return controller

    def demo_spec(self) -> RunSpec:
        """The demo comparison: two prompt versions × two personas on the embedded model.

        Raises:
            KnownError: the demo workspace is not loaded (a name cannot be resolved).
        """
        rubric = DEMO_RUBRIC if self._has(Kind.RUBRIC, DEMO_RUBRIC) else None
        return build_spec(
            self._store,
            prompts=DEMO_PROMPTS,
            personas=DEMO_PERSONAS,
            models=DEMO_MODELS,
            dataset=DEMO_DATASET,
            rows=RowSelection(tag=DEMO_ROW_TAG),
            concurrency=RUN_CONCURRENCY,
            rubric=rubric,
        )

    def run_demo(self) -> RunController | None:
        """Start the demo comparison; None (and a message) when the demo is not loaded."""
        try:
            spec = self.demo_spec()
        except KnownError as error:
            self.message_posted.emit(
                f"The demo comparison needs the demo workspace: {error}"
                " (start the app without --no-demo on an empty workspace)"
            )
            return None
        return self.start_run(spec, "demo: order-tracking v2 vs v3 × vous / tu")

    def open_compare(self, run_id: int, column_a: int, column_b: int) -> CompareView:
        """A compare view of two columns (run indexes) of a run, announced by `view_opened`."""
        run = self._store.get_run(run_id)
        view = CompareView(
            self._jobs,
            run_id=run_id,
            columns=run.columns,
            rubric_id=run_rubric_id(self._store, run),
            reviewer=self._reviewer,
            column_a=column_a,
            column_b=column_b,
        )
        view.message_posted.connect(self.message_posted)
        self.view_opened.emit(view, view.name, f"compare:{run_id}")
        return view

    def open_charts(self, run_id: int) -> QWidget:
        """The charts view of a run, announced by `view_opened`."""
        from workbench.gui.views.charts_view import ChartsView  # pyqtgraph loads on first use

        view = ChartsView(self._jobs, run_id)
        self.view_opened.emit(view, view.name, f"charts:{run_id}")
        return view

    @property
    def ratings_saved(self) -> bool:
        """Whether every rating given so far is stored."""
        return self._ratings.idle

    # -- helpers -------------------------------------------------------------------------------

    def _load_in_background(self, view: ResultsView, run: RunInfo, rubric_id: str | None) -> None:
        """Read a big run's results on a worker thread into the shown grid, part by part: the
        rows on screen first, then the rows scrolled to, then the rest (`ResultsLoader`)."""
        view.show_message(f"Loading {view.model.frame.total_cells:,} results…")
        loader = ResultsLoader(self._jobs, view, run, rubric_id, self._reviewer)
        loader.loaded.connect(partial(self._on_loader_loaded, view))
        loader.failed.connect(partial(self._on_loader_failed, view))

    def _build_controller(self) -> RunController:
        return RunController(
            self._bridge, self._open_store, self._factory, options=self._options, parent=self
        )

    def _open_view(self, run_id: int) -> tuple[ResultsView, str]:
        return self.results_view(run_id)

    def _tab_key(self, run_id: int) -> str:
        return run_tab_key(run_id)

    def _announce_changed(self) -> None:
        self.runs_changed.emit()

    def _has(self, kind: Kind, name: str) -> bool:
        return any(f.name == name for f in self._store.list_families(kind))

    def _continue(self, run_id: int, mode: str) -> None:
        controller = self.controller(run_id)
        if mode == "errors":
            controller.retry_errors()
        else:
            controller.resume()

    # -- slots ---------------------------------------------------------------------------------

    def _on_view_rating_given(
        self, run_id: int, view: ResultsView, key: CellKey, _rating: str
    ) -> None:
        frame = view.model.frame
        position = frame.position(key)
        state = frame.state(*position, key.repeat) if position is not None else None
        if state is None:
            return
        try:
            rating = Rating(
                run_id=run_id,
                row_id=key.row_id,
                column=key.column,
                repeat=key.repeat,
                reviewer=self._reviewer,
                at=datetime.now(UTC),
                passed=state.human_passed,
                score=state.human_score,
            )
        except KnownError as error:
            self.message_posted.emit(f"Rating not saved: {error}")
            return
        self._ratings.write((run_id, key), lambda store: store.save_rating(rating))

    def _on_view_compare_requested(self, run_id: int, first: int, second: int) -> None:
        view = self._views.get(run_id)
        if view is None:
            return
        columns = view.model.frame.columns
        self.open_compare(run_id, columns[first].index, columns[second].index)

    def _on_view_charts_requested(self, run_id: int) -> None:
        self.open_charts(run_id)

    def _on_loader_loaded(self, view: ResultsView) -> None:
        view.show_message("")
        self.results_loaded.emit(view)

    def _on_loader_failed(self, view: ResultsView, message: str) -> None:
        view.show_message(f"Cannot read this run's results: {message}")

    def _on_ratings_failed(self, key: object, message: str) -> None:
        cell = key[1] if isinstance(key, tuple) else None
        where = f" of {cell.row_id}" if isinstance(cell, CellKey) else ""
        self.message_posted.emit(f"Rating{where} not saved: {message}")
