"""What the run and simulation sessions of a window share: one controller per run, kept while
the window lives (a run goes on streaming when its tab is closed and shows its progress again
when reopened), the open view of each, and the view opening once a started run is stored.

Subclasses (`RunSessions`, `SimulationSessions`) build their controllers and views and say how
their tabs are keyed and how they announce a change in the list of runs.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge


class ControllerSessions(QObject):
    """Controllers and open views of one window, one per run.

    Signals:
        view_opened(QWidget, str, str): a view to show: the widget, its title and its tab key.
        message_posted(str): something to tell the user in the status bar.
    """

    view_opened = Signal(QWidget, str, str)
    message_posted = Signal(str)

    def __init__(
        self,
        bridge: EngineBridge,
        jobs: BackgroundJobs,
        provider_factory: Any,
        *,
        reviewer: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._jobs = jobs
        self._factory = provider_factory
        self._reviewer = reviewer
        self._controllers: dict[int, Any] = {}
        self._views: dict[int, Any] = {}

    # -- what a subclass provides --------------------------------------------------------------

    def _build_controller(self) -> Any:
        """A new controller (parented to this object)."""
        raise NotImplementedError

    def _open_view(self, run_id: int) -> tuple[Any, str]:
        """A new view of a stored run, wired to its controller, and its title."""
        raise NotImplementedError

    def _tab_key(self, run_id: int) -> str:
        raise NotImplementedError

    def _announce_changed(self) -> None:
        """Say that a run was created or stopped (the navigator lists them)."""
        raise NotImplementedError

    # -- shared --------------------------------------------------------------------------------

    def controller(self, run_id: int) -> Any:
        """The controller of a run (created on first use)."""
        controller = self._controllers.get(run_id)
        if controller is None:
            controller = self._new_controller()
            controller.attach(run_id)
            self._controllers[run_id] = controller
        return controller

    def shutdown(self) -> None:
        """Ask every running controller to stop (the window is closing)."""
        for controller in self._controllers.values():
            controller.cancel()

    def _new_controller(self) -> Any:
        controller = self._build_controller()
        controller.running_changed.connect(self._on_controller_running_changed)
        return controller

    def _remember_view(self, run_id: int, view: QWidget) -> None:
        self._views[run_id] = view
        view.destroyed.connect(partial(self._views.pop, run_id, None))

    def _on_controller_created(self, controller: Any, run_id: int) -> None:
        self._controllers[run_id] = controller
        view, title = self._open_view(run_id)
        view.set_running(True)
        self._announce_changed()
        self.view_opened.emit(view, title, self._tab_key(run_id))

    def _on_controller_running_changed(self, running: bool) -> None:
        if not running:
            self._announce_changed()
