"""`RunSetupDialog` (Ctrl+R): choose what to run side by side and see what it will cost first.

Prompt versions, personas and model configs are ticked in trees (any versions of any families);
the dataset can be run whole, by tag, or as a seeded random sample. Every change is checked and
estimated on a worker thread (resolving versions and counting tokens reads the store and may take
a moment on a big dataset), and each problem appears under the field it concerns. Start stays
disabled until the latest check passed.
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

from workbench.app.batch_runs import batch_blocker
from workbench.app.defaults import RUN_CONCURRENCY
from workbench.app.prompt_checks import version_warnings
from workbench.app.robustness import PerturbedSpec, perturb_spec, perturbation_help
from workbench.app.services import Services
from workbench.core.models import Kind
from workbench.core.runs import RunSpec
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.models.run_setup_form import (
    FIELDS,
    RowMode,
    RunChoices,
    SetupCheck,
    check_choices,
    dataset_tags,
    describe_estimate,
)
from workbench.gui.timers import debounce_timer
from workbench.gui.widgets.field_errors import error_label, with_error
from workbench.gui.widgets.version_picker import VersionChoice, VersionPicker

if TYPE_CHECKING:
    from workbench.app.records import Store

NO_CHOICE = "(none)"
current_author = Services.current_author


class RunSetupDialog(QDialog):
    """Choose prompt versions × personas × models × dataset rows, rubric and limits.

    Args:
        store: the GUI thread's store (only read, to list families and versions).
        jobs: runs the checks and estimates off the GUI thread.

    Signals:
        run_requested(object, str, object): the user pressed Start: the `RunSpec`, the run's
            name, and the judge's `ModelConfigContent` (None without an LLM judge).
        batch_requested(object, str, object): as `run_requested`, with "Send as a batch"
            ticked: the run goes to the providers' batch APIs.
        checked(object): a check finished; the `SetupCheck` (tests and tools wait on it).
    """

    run_requested = Signal(object, str, object)
    batch_requested = Signal(object, str, object)
    checked = Signal(object)

    def __init__(self, store: Store, jobs: BackgroundJobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run setup")
        self.setObjectName("run-setup")
        self._store = store
        self._jobs = jobs
        self._check_job: int | None = None
        self._tags_job: int | None = None
        self.last_check: SetupCheck | None = None

        self.prompts = VersionPicker()
        self.personas = VersionPicker()
        self.models = VersionPicker()
        self.dataset = QComboBox()
        self.row_all = QRadioButton("All rows")
        self.row_tag = QRadioButton("Rows tagged")
        self.row_sample = QRadioButton("A random sample of")
        self.tag = QComboBox()
        self.sample = QSpinBox(minimum=1, maximum=1_000_000, value=10, suffix=" rows")
        self.seed = QSpinBox(minimum=0, maximum=2_147_483_647, value=0, prefix="seed ")
        self.rubric = QComboBox()
        self.judge = QComboBox()
        self.repeats = QSpinBox(minimum=1, maximum=100, value=1)
        self.concurrency = QSpinBox(minimum=1, maximum=512, value=RUN_CONCURRENCY)
        self.budget = QDoubleSpinBox(minimum=0.0, maximum=100_000.0, decimals=2, prefix="$ ")
        self.budget.setSpecialValueText("no budget")
        self.use_cache = QCheckBox("Reuse cached answers")
        self.use_cache.setChecked(True)
        self.send_batch = QCheckBox("Send as a batch (half price, within 24 h)")
        self.send_batch.setObjectName("run-batch")
        self.send_batch.setEnabled(False)
        self.name = QLineEdit(placeholderText="A name for the run (optional)")
        self.perturb = QLineEdit(placeholderText="none — e.g. accents,typos:0.05,sms")
        self.perturb.setObjectName("run-perturb")
        self.perturb_seed = QSpinBox(minimum=0, maximum=2_147_483_647, value=0, prefix="seed ")
        self._perturb_job: int | None = None
        self.estimate = QLabel("Choose what to run.")
        self.estimate.setWordWrap(True)
        self.estimate.setTextFormat(Qt.TextFormat.RichText)
        self.estimate.setObjectName("run-estimate")
        self.errors = {name: error_label() for name in FIELDS}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start = QPushButton("Start run")
        self.start.setDefault(True)
        self.start.setEnabled(False)
        self.buttons.addButton(self.start, QDialogButtonBox.ButtonRole.AcceptRole)

        self._row_modes = QButtonGroup(self)
        for button in (self.row_all, self.row_tag, self.row_sample):
            self._row_modes.addButton(button)
        self.row_all.setChecked(True)

        self._build_layout()
        self.reload()
        self._check_timer = debounce_timer(self, 250, self._submit_check)
        self._connect()
        self.resize(980, 680)

    # -- public --------------------------------------------------------------------------------

    def reload(self) -> None:
        """List the families and versions of the store again."""
        self.prompts.set_families(self._choices(Kind.PROMPT))
        self.personas.set_families(self._choices(Kind.PERSONA))
        self.models.set_families(self._choices(Kind.MODEL))
        _fill(self.dataset, [f.name for f in self._store.list_families(Kind.DATASET)])
        rubrics = [f.name for f in self._store.list_families(Kind.RUBRIC)]
        _fill(self.rubric, [NO_CHOICE, *rubrics])
        _fill(self.judge, [NO_CHOICE, *(f.name for f in self._store.list_families(Kind.MODEL))])

    def preselect(
        self,
        *,
        prompts: list[str] | None = None,
        personas: list[str] | None = None,
        models: list[str] | None = None,
        dataset: str | None = None,
        rubric: str | None = None,
    ) -> None:
        """Tick and choose these (bare family names mean their head)."""
        if prompts is not None:
            self.prompts.set_checked(prompts)
        if personas is not None:
            self.personas.set_checked(personas)
        if models is not None:
            self.models.set_checked(models)
        if dataset is not None:
            self.dataset.setCurrentText(dataset)
        if rubric is not None:
            self.rubric.setCurrentText(rubric)
        self._schedule_check()

    def choices(self) -> RunChoices:
        """What the dialog currently says."""
        mode: RowMode = (
            "tag"
            if self.row_tag.isChecked()
            else "sample"
            if self.row_sample.isChecked()
            else "all"
        )
        return RunChoices(
            prompts=tuple(self.prompts.checked_refs()),
            personas=tuple(self.personas.checked_refs()),
            models=tuple(self.models.checked_refs()),
            dataset=self.dataset.currentText() or None,
            row_mode=mode,
            tag=self.tag.currentText() or None,
            sample=self.sample.value(),
            seed=self.seed.value(),
            rubric=_chosen(self.rubric),
            judge_model=_chosen(self.judge),
            repeats=self.repeats.value(),
            concurrency=self.concurrency.value(),
            budget_usd=self.budget.value() or None,
            use_cache=self.use_cache.isChecked(),
            name=self.name.text().strip(),
            perturb=self.perturb.text().strip(),
            perturb_seed=self.perturb_seed.value(),
        )

    def check_now(self) -> None:
        """Check the current choices at once instead of after the typing pause."""
        self._check_timer.stop()
        self._submit_check()

    # -- building ------------------------------------------------------------------------------

    def _choices(self, kind: Kind) -> list[tuple[str, list[VersionChoice]]]:
        families = []
        dataset = self.dataset.currentText() or None if kind == Kind.PROMPT else None
        for family in self._store.list_families(kind):
            by_number: dict[int, list[str]] = {}
            for label, number in family.labels.items():
                by_number.setdefault(number, []).append(label)
            history = self._store.history(kind, family.name)
            warnings = (
                version_warnings(self._store, history, dataset) if kind == Kind.PROMPT else {}
            )
            versions = [
                VersionChoice(
                    ref=version.ref,
                    number=version.number,
                    note=version.note,
                    labels=tuple(sorted(by_number.get(version.number, []))),
                    head=version.id == family.head_id,
                    warning=warnings.get(version.ref, ""),
                )
                for version in history
            ]
            families.append((family.name, versions))
        return families

    def _build_layout(self) -> None:
        pickers = QVBoxLayout()
        for title, picker, error, hint in (
            ("Prompt versions", self.prompts, "prompts", "Tick any versions of any prompts."),
            ("Personas", self.personas, "personas", "None ticked: run without a persona."),
            ("Models", self.models, "models", "Each model is one more column per variant."),
        ):
            box = QGroupBox(title)
            inner = QVBoxLayout(box)
            picker.setToolTip(hint)
            inner.addWidget(picker, 1)
            inner.addWidget(self.errors[error])
            pickers.addWidget(box, 3 if picker is self.prompts else 2)

        rows = QWidget()
        row_layout = QVBoxLayout(rows)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.row_all)
        tag_line = QHBoxLayout()
        tag_line.addWidget(self.row_tag)
        tag_line.addWidget(self.tag, 1)
        row_layout.addLayout(tag_line)
        sample_line = QHBoxLayout()
        sample_line.addWidget(self.row_sample)
        sample_line.addWidget(self.sample)
        sample_line.addWidget(self.seed)
        row_layout.addLayout(sample_line)
        row_layout.addWidget(self.errors["rows"])

        form = QFormLayout()
        form.addRow("Dataset", with_error(self.dataset, self.errors["dataset"]))
        form.addRow("Rows", rows)
        form.addRow("Rubric", with_error(self.rubric, self.errors["rubric"]))
        form.addRow("Judge model", with_error(self.judge, self.errors["judge"]))
        form.addRow("Repeats", self.repeats)
        form.addRow("Calls at once", self.concurrency)
        form.addRow("Budget", self.budget)
        form.addRow("", self.use_cache)
        form.addRow("", self.send_batch)
        form.addRow("Name", self.name)
        perturb_line = QHBoxLayout()
        perturb_line.addWidget(self.perturb, 1)
        perturb_line.addWidget(self.perturb_seed)
        perturb_box = QWidget()
        perturb_box.setLayout(perturb_line)
        perturb_line.setContentsMargins(0, 0, 0, 0)
        form.addRow("Noisy variants", with_error(perturb_box, self.errors["perturb"]))
        self.perturb.setToolTip(
            "Adds, per row, one variant per perturbation written the way customers write"
            " (NAME or NAME:INTENSITY 0–1), linked to its original:\n" + perturbation_help()
        )
        self.rubric.setToolTip("Scores every answer as it arrives; pass rates fill the headers.")
        self.judge.setToolTip("Only needed by rubrics with an LLM-judge criterion.")
        self.concurrency.setToolTip("The embedded model answers one call at a time.")

        estimate_box = QGroupBox("Before you start")
        estimate_layout = QVBoxLayout(estimate_box)
        estimate_layout.addWidget(self.estimate)
        estimate_layout.addWidget(self.errors["general"])

        right = QVBoxLayout()
        right.addLayout(form)
        right.addStretch(1)
        right.addWidget(estimate_box)
        columns = QHBoxLayout()
        columns.addLayout(pickers, 3)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        for picker in (self.prompts, self.personas, self.models):
            picker.selection_changed.connect(self._schedule_check)
        for combo in (self.tag, self.rubric, self.judge):
            combo.currentTextChanged.connect(self._schedule_check)
        self.dataset.currentTextChanged.connect(self._on_dataset_current_text_changed)
        self.perturb.textChanged.connect(self._schedule_check)
        for spin in (self.sample, self.seed, self.repeats, self.concurrency, self.perturb_seed):
            spin.valueChanged.connect(self._schedule_check)
        self.budget.valueChanged.connect(self._schedule_check)
        self.use_cache.toggled.connect(self._schedule_check)
        self.send_batch.toggled.connect(self._schedule_check)
        self._row_modes.buttonToggled.connect(self._on_row_modes_button_toggled)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self._jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        self._jobs.job_failed.connect(self._on_jobs_job_failed)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._on_buttons_accepted)
        self._on_dataset_current_text_changed(self.dataset.currentText())
        self._on_row_modes_button_toggled(None, True)

    # -- checking ------------------------------------------------------------------------------

    def _schedule_check(self, *_args: Any) -> None:
        self.start.setEnabled(False)
        self.estimate.setText("<i>Estimating…</i>")
        self._check_timer.start()

    def _submit_check(self) -> None:
        choices = self.choices()
        self._check_job = self._jobs.submit(lambda store, _progress: check_choices(store, choices))

    def _show_check(self, check: SetupCheck) -> None:
        self.last_check = check
        for name, label in self.errors.items():
            message = check.problems.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        self.estimate.setText(describe_estimate(check) or "Nothing to estimate yet.")
        self._update_batch_choice()
        self.start.setEnabled(check.ok)
        self.checked.emit(check)

    # -- slots ---------------------------------------------------------------------------------

    def _on_dataset_current_text_changed(self, text: str) -> None:
        # Prompt versions reading variables this dataset lacks are marked again.
        self.prompts.set_families(self._choices(Kind.PROMPT))
        self.tag.clear()
        if text:
            self._tags_job = self._jobs.submit(lambda store, _progress: dataset_tags(store, text))
        self._schedule_check()

    def _on_row_modes_button_toggled(self, _button: object, _checked: bool) -> None:
        self.tag.setEnabled(self.row_tag.isChecked())
        self.sample.setEnabled(self.row_sample.isChecked())
        self.seed.setEnabled(self.row_sample.isChecked())
        self._schedule_check()

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id == self._check_job and isinstance(result, SetupCheck):
            self._check_job = None
            self._show_check(result)
        elif job_id == self._perturb_job and isinstance(result, PerturbedSpec):
            self._perturb_job = None
            self._emit_run(result.spec)
        elif job_id == self._tags_job and isinstance(result, list):
            self._tags_job = None
            chosen = self.tag.currentText()
            _fill(self.tag, [str(tag) for tag in result])
            if chosen:
                self.tag.setCurrentText(chosen)

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._check_job:
            self._check_job = None
            self._show_check(SetupCheck(problems={"general": message}))
        elif job_id == self._perturb_job:
            self._perturb_job = None
            self.errors["perturb"].setText(f"Cannot make the noisy variants: {message}")
            self.errors["perturb"].show()
            self.start.setEnabled(True)
        elif job_id == self._tags_job:
            self._tags_job = None
            self.errors["rows"].setText(f"Cannot read the dataset's tags: {message}")
            self.errors["rows"].show()

    def _on_buttons_accepted(self) -> None:
        check = self.last_check
        if check is None or not check.ok or not self.start.isEnabled():
            return
        assert check.spec is not None
        if check.perturb is not None:
            # The variants are saved (a new version of <dataset>.noisy) only now, off this thread.
            spec, options, author = check.spec, check.perturb, current_author()
            self.start.setEnabled(False)
            self._perturb_job = self._jobs.submit(
                lambda store, _progress: perturb_spec(store, spec, options, author=author)
            )
            return
        self._emit_run(check.spec)

    def _emit_run(self, spec: RunSpec) -> None:
        check = self.last_check
        choices = self.choices()
        judge = None if check is None else check.judge
        name = choices.name or choices.default_name()
        if self.send_batch.isEnabled() and self.send_batch.isChecked():
            self.batch_requested.emit(spec, name, judge)
        else:
            self.run_requested.emit(spec, name, judge)
        self.accept()

    def _update_batch_choice(self) -> None:
        """Offer "Send as a batch" only when every chosen model has a batch API."""
        models = self.choices().models
        blocker = batch_blocker(self._store, models) if models else "Choose a model first."
        self.send_batch.setEnabled(blocker is None)
        self.send_batch.setToolTip(
            blocker
            or "OpenAI's Batch API / Anthropic's Message Batches: half the price, results within"
            " 24 hours. The cost and budget then use batch prices; you can close the app and"
            " the results are collected when it starts again."
        )
        batch = blocker is None and self.send_batch.isChecked()
        self.start.setText("Send as a batch" if batch else "Start run")
        if batch:
            self.estimate.setText(
                self.estimate.text() + "<br><i>Sent as a batch: batch prices (about half).</i>"
            )


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
