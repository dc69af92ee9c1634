"""`SimulationSetupDialog` (Ctrl+Shift+R): scenarios × customers × assistant columns, and the cost.

Assistant columns are prompt versions × personas × models ticked in trees, as in the run setup;
the scenarios come from a conversation set (all cases, a tag, or a seeded sample), played by the
ticked customer personas on the simulator model. Every change is checked and estimated on a
worker thread; each problem appears under its field, and Start stays disabled until the latest
check passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.app.conversation_choices import family_names, version_choices
from workbench.app.simulation_setup import (
    SIMULATION_FIELDS,
    CaseMode,
    SimulationCheck,
    SimulationChoices,
    check_simulation_choices,
    conversation_tags,
    describe_simulation_estimate,
)
from workbench.core.models import Kind
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.timers import debounce_timer
from workbench.gui.widgets.field_errors import error_label, with_error
from workbench.gui.widgets.version_picker import VersionChoice, VersionPicker

if TYPE_CHECKING:
    from workbench.app.services import Services

NO_CHOICE = "(none)"


class SimulationSetupDialog(QDialog):
    """Choose what to simulate and see how many conversations and calls it costs at most.

    Args:
        services: the workspace's services (the GUI thread's store lists the choices; checks
            run on a worker thread with their own store).
        jobs: runs the checks off the GUI thread.

    Signals:
        simulation_requested(object, str): Start was pressed: the `SimulationSpec` and a name.
        checked(object): a check finished; the `SimulationCheck` (tests wait on it).
    """

    simulation_requested = Signal(object, str)
    checked = Signal(object)

    def __init__(
        self, services: Services, jobs: BackgroundJobs, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Simulation setup")
        self.setObjectName("simulation-setup")
        self._services = services
        self._jobs = jobs
        self._check_job: int | None = None
        self._tags_job: int | None = None
        self.last_check: SimulationCheck | None = None

        self.prompts = VersionPicker()
        self.personas = VersionPicker()
        self.models = VersionPicker()
        self.customers = VersionPicker()
        self.conversations = QComboBox()
        self.case_all = QRadioButton("All cases")
        self.case_tag = QRadioButton("Cases tagged")
        self.case_sample = QRadioButton("A random sample of")
        self.tag = QComboBox()
        self.sample = QSpinBox(minimum=1, maximum=100_000, value=5, suffix=" cases")
        self.simulator = QComboBox()
        self.max_turns = QSpinBox(minimum=0, maximum=50, value=4)
        self.max_turns.setSpecialValueText("each case's own")
        self.repeats = QSpinBox(minimum=1, maximum=100, value=1)
        self.concurrency = QSpinBox(minimum=1, maximum=512, value=4)
        self.budget = QDoubleSpinBox(minimum=0.0, maximum=100_000.0, decimals=2, prefix="$ ")
        self.budget.setSpecialValueText("no budget")
        self.rubric = QComboBox()
        self.seed = QSpinBox(minimum=0, maximum=2_147_483_647, value=0)
        self.use_cache = QCheckBox("Reuse cached answers (a re-run replays byte for byte)")
        self.use_cache.setChecked(True)
        self.name = QLineEdit(placeholderText="A name for the simulation (optional)")
        self.estimate = QLabel("Choose what to simulate.")
        self.estimate.setWordWrap(True)
        self.estimate.setTextFormat(Qt.TextFormat.RichText)
        self.estimate.setObjectName("simulation-estimate")
        self.warning = error_label()
        self.errors = {name: error_label() for name in SIMULATION_FIELDS}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start = QPushButton("Start simulation")
        self.start.setDefault(True)
        self.start.setEnabled(False)
        self.buttons.addButton(self.start, QDialogButtonBox.ButtonRole.AcceptRole)
        self._case_modes = QButtonGroup(self)
        for button in (self.case_all, self.case_tag, self.case_sample):
            self._case_modes.addButton(button)
        self.case_all.setChecked(True)

        self._build_layout()
        self.reload()
        self._check_timer = debounce_timer(self, 250, self._submit_check)
        self._connect()
        self.resize(1100, 760)

    # -- public --------------------------------------------------------------------------------

    def reload(self) -> None:
        """List the families and versions of the store again."""
        store = self._services.store
        self.prompts.set_families(_choices(store, Kind.PROMPT))
        self.personas.set_families(_choices(store, Kind.PERSONA))
        self.models.set_families(_choices(store, Kind.MODEL))
        self.customers.set_families(_choices(store, Kind.CUSTOMER))
        _fill(self.conversations, family_names(store, Kind.CONVERSATIONS))
        models = family_names(store, Kind.MODEL)
        _fill(self.simulator, [NO_CHOICE, *models])
        _fill(self.rubric, [NO_CHOICE, *family_names(store, Kind.RUBRIC)])

    def preselect(
        self,
        *,
        prompts: list[str] | None = None,
        personas: list[str] | None = None,
        models: list[str] | None = None,
        customers: list[str] | None = None,
        conversations: str | None = None,
        simulator: str | None = None,
        rubric: str | None = None,
        max_turns: int | None = None,
    ) -> None:
        """Tick and choose these (bare family names mean their head)."""
        for picker, refs in (
            (self.prompts, prompts),
            (self.personas, personas),
            (self.models, models),
            (self.customers, customers),
        ):
            if refs is not None:
                picker.set_checked(refs)
        for combo, text in (
            (self.conversations, conversations),
            (self.simulator, simulator),
            (self.rubric, rubric),
        ):
            if text is not None:
                combo.setCurrentText(text)
        if max_turns is not None:
            self.max_turns.setValue(max_turns)
        self._schedule_check()

    def choices(self) -> SimulationChoices:
        """What the dialog currently says."""
        mode: CaseMode = (
            "tag"
            if self.case_tag.isChecked()
            else "sample"
            if self.case_sample.isChecked()
            else "all"
        )
        return SimulationChoices(
            prompts=tuple(self.prompts.checked_refs()),
            personas=tuple(self.personas.checked_refs()),
            models=tuple(self.models.checked_refs()),
            conversations=self.conversations.currentText() or None,
            case_mode=mode,
            tag=self.tag.currentText() or None,
            sample=self.sample.value(),
            customers=tuple(self.customers.checked_refs()),
            simulator=_chosen(self.simulator),
            max_turns=self.max_turns.value() or None,
            repeats=self.repeats.value(),
            concurrency=self.concurrency.value(),
            budget_usd=self.budget.value() or None,
            use_cache=self.use_cache.isChecked(),
            rubric=_chosen(self.rubric),
            seed=self.seed.value(),
            name=self.name.text().strip(),
        )

    def check_now(self) -> None:
        """Check the current choices at once instead of after the typing pause."""
        self._check_timer.stop()
        self._submit_check()

    # -- building ------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        assistant = QGroupBox("Assistant columns (prompt × persona × model)")
        assistant_layout = QHBoxLayout(assistant)
        for title, picker, error in (
            ("Prompt versions", self.prompts, "prompts"),
            ("Personas", self.personas, "personas"),
            ("Models", self.models, "models"),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(title))
            column.addWidget(picker, 1)
            column.addWidget(self.errors[error])
            assistant_layout.addLayout(column)
        self.personas.setToolTip("None ticked: the assistant runs without a persona.")

        cases = QWidget()
        case_layout = QVBoxLayout(cases)
        case_layout.setContentsMargins(0, 0, 0, 0)
        case_layout.addWidget(self.case_all)
        tag_line = QHBoxLayout()
        tag_line.addWidget(self.case_tag)
        tag_line.addWidget(self.tag, 1)
        case_layout.addLayout(tag_line)
        sample_line = QHBoxLayout()
        sample_line.addWidget(self.case_sample)
        sample_line.addWidget(self.sample)
        case_layout.addLayout(sample_line)
        case_layout.addWidget(self.errors["cases"])

        customers = QGroupBox("Customers (who plays the scenarios)")
        customer_layout = QVBoxLayout(customers)
        customer_layout.addWidget(self.customers, 1)
        customer_layout.addWidget(self.errors["customers"])
        self.customers.setToolTip("Each customer persona plays every scenario case once.")

        form = QFormLayout()
        form.addRow("Scenarios", with_error(self.conversations, self.errors["conversations"]))
        form.addRow("Cases", cases)
        form.addRow("Simulator model", with_error(self.simulator, self.errors["simulator"]))
        form.addRow("Turn limit", self.max_turns)
        form.addRow("Repeats", self.repeats)
        form.addRow("Rubric (per turn)", with_error(self.rubric, self.errors["rubric"]))
        form.addRow("Conversations at once", self.concurrency)
        form.addRow("Budget", self.budget)
        form.addRow("Seed", self.seed)
        form.addRow("", self.use_cache)
        form.addRow("Name", self.name)
        self.simulator.setToolTip("The model that writes the customer's messages.")
        self.max_turns.setToolTip("A turn is one customer message and the assistant's answer.")
        self.concurrency.setToolTip(
            "Conversations run side by side; turns inside one stay in order."
            " The embedded model answers one call at a time."
        )

        estimate_box = QGroupBox("Before you start")
        estimate_layout = QVBoxLayout(estimate_box)
        estimate_layout.addWidget(self.estimate)
        estimate_layout.addWidget(self.warning)
        estimate_layout.addWidget(self.errors["general"])

        left = QVBoxLayout()
        left.addWidget(assistant, 3)
        left.addWidget(customers, 2)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addStretch(1)
        right.addWidget(estimate_box)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        for picker in (self.prompts, self.personas, self.models, self.customers):
            picker.selection_changed.connect(self._schedule_check)
        for combo in (self.tag, self.simulator, self.rubric):
            combo.currentTextChanged.connect(self._schedule_check)
        self.conversations.currentTextChanged.connect(self._on_conversations_changed)
        for spin in (
            self.sample, self.max_turns, self.repeats, self.concurrency, self.seed
        ):  # fmt: skip
            spin.valueChanged.connect(self._schedule_check)
        self.budget.valueChanged.connect(self._schedule_check)
        self.use_cache.toggled.connect(self._schedule_check)
        self._case_modes.buttonToggled.connect(self._on_case_modes_toggled)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self._jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        self._jobs.job_failed.connect(self._on_jobs_job_failed)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._on_buttons_accepted)
        self._on_conversations_changed(self.conversations.currentText())
        self._on_case_modes_toggled(None, True)

    # -- checking ------------------------------------------------------------------------------

    def _schedule_check(self, *_args: Any) -> None:
        self.start.setEnabled(False)
        self.estimate.setText("<i>Estimating…</i>")
        self._check_timer.start()

    def _submit_check(self) -> None:
        choices, services = self.choices(), self._services
        self._check_job = self._jobs.submit(
            lambda store, _progress: check_simulation_choices(services, store, choices)
        )

    def _show_check(self, check: SimulationCheck) -> None:
        self.last_check = check
        for name, label in self.errors.items():
            message = check.problems.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        self.warning.setText(check.warning)
        self.warning.setVisible(bool(check.warning))
        self.estimate.setText(describe_simulation_estimate(check) or "Nothing to estimate yet.")
        self.start.setEnabled(check.ok)
        self.checked.emit(check)

    # -- slots ---------------------------------------------------------------------------------

    def _on_conversations_changed(self, text: str) -> None:
        self.tag.clear()
        if text:
            self._tags_job = self._jobs.submit(
                lambda store, _progress: conversation_tags(store, text)
            )
        self._schedule_check()

    def _on_case_modes_toggled(self, _button: object, _checked: bool) -> None:
        self.tag.setEnabled(self.case_tag.isChecked())
        self.sample.setEnabled(self.case_sample.isChecked())
        self._schedule_check()

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id == self._check_job and isinstance(result, SimulationCheck):
            self._check_job = None
            self._show_check(result)
        elif job_id == self._tags_job and isinstance(result, list):
            self._tags_job = None
            chosen = self.tag.currentText()
            _fill(self.tag, [str(tag) for tag in result])
            if chosen:
                self.tag.setCurrentText(chosen)

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._check_job:
            self._check_job = None
            self._show_check(SimulationCheck(problems={"general": message}))
        elif job_id == self._tags_job:
            self._tags_job = None
            self.errors["cases"].setText(f"Cannot read the cases' tags: {message}")
            self.errors["cases"].show()

    def _on_buttons_accepted(self) -> None:
        check = self.last_check
        if check is None or not check.ok or not self.start.isEnabled():
            return
        assert check.spec is not None
        choices = self.choices()
        self.simulation_requested.emit(check.spec, choices.name or choices.default_name())
        self.accept()


def _choices(store: Any, kind: Kind) -> list[tuple[str, list[VersionChoice]]]:
    return [
        (name, [VersionChoice(**fields) for fields in versions])
        for name, versions in version_choices(store, kind)
    ]


def _fill(combo: QComboBox, items: list[str]) -> None:
    chosen = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(items)
    if chosen and combo.findText(chosen) >= 0:
        combo.setCurrentText(chosen)
    combo.blockSignals(False)


def _chosen(combo: QComboBox) -> str | None:
    text = combo.currentText()
    return None if not text or text == NO_CHOICE else text
