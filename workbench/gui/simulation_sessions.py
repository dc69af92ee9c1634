"""`SimulationSessions`: the simulations open in a window — their views and controllers.

One `SimulationController` per simulation, kept while the window lives, so a simulation goes on
streaming when its tab is closed and shows its progress again when reopened. Views are handed to
the window through `view_opened`; summaries are computed on a worker thread.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from workbench.app import conversations as app_conversations
from workbench.app.conversation_live import LiveConversations, simulation_layout
from workbench.app.conversation_summary import simulation_column_refs, simulation_summary_html
from workbench.app.services import ProviderFactory
from workbench.core.errors import KnownError
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge
from workbench.gui.controller_sessions import ControllerSessions
from workbench.gui.simulation_controller import SimulationController
from workbench.gui.views.simulation_approve_dialog import SimulationApproveDialog
from workbench.gui.views.simulation_view import SimulationView

if TYPE_CHECKING:
    from workbench.app.conversations import SimulationSpec
    from workbench.app.services import Services


def simulation_tab_key(run_id: int) -> str:
    """The key of a simulation's tab."""
    return f"simulation:{run_id}"


class SimulationSessions(ControllerSessions):
    """Simulation views and controllers of one window.

    Args:
        services: the workspace's services (the GUI thread's store is `services.store`).
        bridge: the engine bridge.
        jobs: background store work (summaries).
        provider_factory: builds providers on the engine thread.

    Signals:
        view_opened(QWidget, str, str): a view to show: the widget, its title, its tab key.
        message_posted(str): something to tell the user in the status bar.
        simulations_changed(): a simulation was created or stopped (the navigator lists them).
    """

    simulations_changed = Signal()

    def __init__(
        self,
        services: Services,
        bridge: EngineBridge,
        jobs: BackgroundJobs,
        provider_factory: ProviderFactory | None,
        parent: QObject | None = None,
        *,
        reviewer: str = "",
    ) -> None:
        super().__init__(bridge, jobs, provider_factory, reviewer=reviewer, parent=parent)
        self._services = services
        self._controllers: dict[int, SimulationController] = {}
        self._views: dict[int, SimulationView] = {}
        self._summary_jobs: dict[int, SimulationView] = {}
        self._score_jobs: dict[int, SimulationView] = {}
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)

    def view(self, run_id: int) -> SimulationView | None:
        """The open view of a simulation, if any."""
        return self._views.get(run_id)

    def simulation_view(self, run_id: int) -> tuple[SimulationView, str]:
        """A new view of a stored simulation, wired to its controller, and its title."""
        store = self._services.store
        info = app_conversations.get_simulation(store, run_id)
        live = LiveConversations(simulation_layout(store, info))
        live.load(app_conversations.conversations(store, run_id))
        title = f"sim-{info.id} {info.name}"
        view = SimulationView(live, title=title)
        controller = self.controller(run_id)
        controller.events_received.connect(view.apply_events)
        controller.scores_received.connect(view.apply_scores)
        controller.running_changed.connect(view.set_running)
        controller.simulation_failed.connect(view.show_message)
        controller.scoring_failed.connect(view.show_scoring_failure)
        controller.simulation_finished.connect(view.show_summary)
        view.cancel_requested.connect(controller.cancel)
        view.resume_requested.connect(controller.resume)
        view.retry_errors_requested.connect(controller.retry_errors)
        view.score_requested.connect(controller.score)
        view.summary_requested.connect(partial(self._on_view_summary_requested, run_id, view))
        view.approve_requested.connect(partial(self.open_approve_dialog, run_id, view))
        view.set_running(controller.running)
        if info.spec.rubric_id is None:
            view.show_message("No rubric chosen: outcomes and register are still checked.")
        self._remember_view(run_id, view)
        if not controller.running and live.results:
            self._load_scores(run_id, view)
        return view, title

    def open_approve_dialog(
        self, run_id: int, view: QWidget, column: int
    ) -> SimulationApproveDialog | None:
        """Approve a column's bundle with the simulation as evidence."""
        try:
            refs = simulation_column_refs(self._services.store, run_id, column)
        except KnownError as error:
            self.message_posted.emit(str(error))
            return None
        dialog = SimulationApproveDialog(
            self._services.store,
            self._jobs,
            run_id,
            refs,
            reviewer=self._reviewer,
            parent=view.window(),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.approved.connect(self._on_dialog_approved)
        dialog.open()
        return dialog

    def _on_dialog_approved(self, approval: object) -> None:
        self.message_posted.emit(f"Approved {getattr(approval, 'ref', approval)}.")
        self.simulations_changed.emit()

    def start_simulation(self, spec: SimulationSpec, name: str) -> SimulationController:
        """Create and execute a simulation; its view opens once it is stored."""
        controller = self._new_controller()
        controller.simulation_created.connect(partial(self._on_controller_created, controller))
        controller.simulation_failed.connect(self.message_posted)
        controller.start(spec, name)
        self.message_posted.emit(f"Starting the simulation {name}…")
        return controller

    # -- helpers -------------------------------------------------------------------------------

    def _load_scores(self, run_id: int, view: SimulationView) -> None:
        """Read (or compute, for a finished run never scored) the scores on a worker thread."""
        job = self._jobs.submit(
            lambda store, _progress: list(
                app_conversations.conversation_scores(store, run_id).values()
            )
        )
        self._score_jobs[job] = view
        view.destroyed.connect(partial(self._score_jobs.pop, job, None))

    def _build_controller(self) -> SimulationController:
        return SimulationController(self._bridge, self._services, self._factory, parent=self)

    def _open_view(self, run_id: int) -> tuple[SimulationView, str]:
        return self.simulation_view(run_id)

    def _tab_key(self, run_id: int) -> str:
        return simulation_tab_key(run_id)

    def _announce_changed(self) -> None:
        self.simulations_changed.emit()

    # -- slots ---------------------------------------------------------------------------------

    def _on_view_summary_requested(
        self, run_id: int, view: SimulationView, column_a: int | None, column_b: int | None
    ) -> None:
        job = self._jobs.submit(
            lambda store, _progress: simulation_summary_html(store, run_id, column_a, column_b)
        )
        self._summary_jobs[job] = view
        view.destroyed.connect(partial(self._summary_jobs.pop, job, None))

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        view = self._summary_jobs.pop(job_id, None)
        if view is not None and isinstance(result, str):
            view.show_summary_html(result)
        scored = self._score_jobs.pop(job_id, None)
        if scored is not None and isinstance(result, list):
            scored.apply_scores(result)

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        view = self._summary_jobs.pop(job_id, None)
        if view is not None:
            view.show_summary_html(f"<p>Cannot summarise this simulation: {message}</p>")
        scored = self._score_jobs.pop(job_id, None)
        if scored is not None:
            scored.show_message(f"Not scored: {message}")
