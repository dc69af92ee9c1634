"""`NoisyVariantsDialog`: the dataset action "Add noisy variants".

Choose perturbations (``accents,typos:0.05,sms``), a seed and the fields to keep intact; the
dialog checks the choice as it is typed (an unknown name or an intensity outside 0–1 is named
under the field, with the valid ones), then saves a new version of the dataset with perturbed
copies of its rows tagged ``noise:<kind>`` — on a worker thread. The original rows and the
version they came from are left as they were.

With ``paraphrase``, the model chosen under it rewrites each message through the engine
(cached, within the optional budget); progress shows under the form and Cancel stops the
rewrites (those made stay cached; nothing is saved).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.app.paraphrase import ParaphraseSettings, add_noisy_variants_paraphrased
from workbench.app.robustness import (
    NoisyVariantsResult,
    PerturbOptions,
    parse_perturbations,
    perturbation_help,
    wants_model,
)
from workbench.core.errors import KnownError, ValidationError
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.widgets.field_errors import error_label, with_error

NO_MODEL = "(choose a model)"

DEFAULT_PERTURBATIONS = "accents,typos:0.05,sms"


class NoisyVariantsDialog(QDialog):
    """Add perturbed copies of a dataset's rows as a new version.

    Signals:
        saved(object): the `NoisyVariantsResult` of the save.
    """

    saved = Signal(object)

    def __init__(
        self,
        jobs: BackgroundJobs,
        dataset: str,
        *,
        author: str,
        models: Sequence[str] = (),
        provider_factory: object | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Add noisy variants to {dataset}")
        self.setObjectName("noisy-variants")
        self._jobs = jobs
        self._dataset = dataset
        self._author = author
        self._job: int | None = None
        self._factory = provider_factory
        self._cancel = threading.Event()
        self.perturb = QLineEdit(DEFAULT_PERTURBATIONS)
        self.perturb.setToolTip(perturbation_help())
        self.seed = QSpinBox(minimum=0, maximum=2_147_483_647, value=0)
        self.protect = QLineEdit(placeholderText="e.g. order_id, email (optional)")
        self.protect.setToolTip(
            "Variables whose values must stay intact, even where they appear in the message."
            " Order and tracking numbers, e-mails, amounts and URLs are always kept."
        )
        self.model = QComboBox()
        self.model.addItems([NO_MODEL, *models])
        self.model.setToolTip(
            "The model that rewrites each message for the paraphrase perturbation (any"
            " configured model, the embedded one included). Its answers are cached."
        )
        self.budget = QDoubleSpinBox(minimum=0.0, maximum=10_000.0, decimals=2, value=0.0)
        self.budget.setPrefix("$ ")
        self.budget.setSpecialValueText("no limit")
        self.budget.setToolTip("Stop the rewrites before spending more than this (0: no limit).")
        self.error = error_label()
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save = QPushButton("Save new version")
        self.save.setDefault(True)
        self.buttons.addButton(self.save, QDialogButtonBox.ButtonRole.AcceptRole)

        form = QFormLayout()
        form.addRow("Perturbations", with_error(self.perturb, self.error))
        form.addRow("Seed", self.seed)
        form.addRow("Keep intact", self.protect)
        form.addRow("Paraphrase model", self.model)
        form.addRow("Paraphrase budget", self.budget)
        hint = QLabel(
            "Each row gets one copy per perturbation, tagged noise:KIND and linked to its"
            " original. Runs on this dataset then report the robustness delta."
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)
        # The dialog grows with what it shows (a field's error below it) instead of squeezing
        # the rows; and the perturbation list is readable whole.
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)
        self.perturb.setMinimumWidth(
            self.perturb.fontMetrics().horizontalAdvance(DEFAULT_PERTURBATIONS) * 2
        )

        self.perturb.textChanged.connect(self._on_perturb_text_changed)
        self.model.currentIndexChanged.connect(self._on_model_current_index_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self._on_buttons_rejected)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        jobs.job_progressed.connect(self._on_jobs_job_progressed)
        self._on_perturb_text_changed(self.perturb.text())

    def _show_error(self, text: str) -> None:
        """Show `text` under the perturbations, the dialog growing to fit it."""
        self.error.setText(text)
        self.error.show()
        self.adjustSize()

    def options(self) -> PerturbOptions:
        """The choices as options; raises `KnownError` naming what is wrong."""
        fields = tuple(f.strip() for f in self.protect.text().split(",") if f.strip())
        options = PerturbOptions(
            parse_perturbations(self.perturb.text()),
            seed=self.seed.value(),
            protected_fields=fields,
        )
        if wants_model(options) and self.paraphrase_settings() is None:
            raise ValidationError(
                "the paraphrase perturbation needs a model: choose one under Paraphrase model"
            )
        return options

    def paraphrase_settings(self) -> ParaphraseSettings | None:
        """The chosen paraphrase model and budget, or None without a model."""
        if self.model.currentIndex() <= 0:
            return None
        budget = self.budget.value()
        return ParaphraseSettings(self.model.currentText(), budget_usd=budget or None)

    def _on_model_current_index_changed(self, _index: int) -> None:
        self._on_perturb_text_changed(self.perturb.text())

    def _on_perturb_text_changed(self, _text: str) -> None:
        try:
            choices = parse_perturbations(self.perturb.text())
        except KnownError:
            choices = ()
        wanted = wants_model(PerturbOptions(choices))
        self.model.setEnabled(wanted)
        self.budget.setEnabled(wanted)
        try:
            self.options()
        except KnownError as error:
            self._show_error(str(error))
            self.save.setEnabled(False)
            return
        self.error.hide()
        self.save.setEnabled(self._job is None)

    def _on_buttons_accepted(self) -> None:
        if not self.save.isEnabled():
            return
        options, dataset, author = self.options(), self._dataset, self._author
        settings = self.paraphrase_settings() if wants_model(options) else None
        factory, cancel = self._factory, self._cancel
        if settings is not None and factory is None:
            self._show_error("No model can be called from here: paraphrase is unavailable.")
            return
        cancel.clear()
        self.save.setEnabled(False)
        self.outcome.setText("Saving…" if settings is None else "Paraphrasing…")

        def job(store: object, progress: object) -> NoisyVariantsResult:
            result, paraphrased = add_noisy_variants_paraphrased(
                store,  # type: ignore[arg-type]
                dataset,
                options,
                author=author,
                settings=settings,
                provider_factory=factory,  # type: ignore[arg-type]
                cancel=cancel,
                progress=progress,  # type: ignore[arg-type]
            )
            if paraphrased is None:
                return result
            return dataclasses.replace(result, notes=(*paraphrased.notes(), *result.notes))

        self._job = self._jobs.submit(job)

    def _on_buttons_rejected(self) -> None:
        if self._job is not None:
            # Stop the rewrites; the dialog closes when the job has ended.
            self._cancel.set()
            self.outcome.setText("Cancelling…")
            return
        self.reject()

    def _on_jobs_job_progressed(self, job_id: int, done: int, total: int) -> None:
        if job_id == self._job and total and not self._cancel.is_set():
            self.outcome.setText(f"Paraphrasing… {done} of {total} messages")

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id == self._job and isinstance(result, NoisyVariantsResult):
            self._job = None
            self.saved.emit(result)
            self.accept()

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._job:
            self._job = None
            if self._cancel.is_set():
                self.reject()
                return
            self.outcome.setText("")
            self._show_error(message)
            self.save.setEnabled(True)
