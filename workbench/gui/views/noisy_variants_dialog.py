"""`NoisyVariantsDialog`: the dataset action "Add noisy variants".

Choose perturbations (``accents,typos:0.05,sms``), a seed and the fields to keep intact; the
dialog checks the choice as it is typed (an unknown name or an intensity outside 0–1 is named
under the field, with the valid ones), then saves a new version of the dataset with perturbed
copies of its rows tagged ``noise:<kind>`` — on a worker thread. The original rows and the
version they came from are left as they were.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.app.robustness import (
    NoisyVariantsResult,
    PerturbOptions,
    add_noisy_variants,
    parse_perturbations,
    perturbation_help,
)
from workbench.core.errors import KnownError
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.widgets.field_errors import error_label, with_error

DEFAULT_PERTURBATIONS = "accents,typos:0.05,sms"


class NoisyVariantsDialog(QDialog):
    """Add perturbed copies of a dataset's rows as a new version.

    Signals:
        saved(object): the `NoisyVariantsResult` of the save.
    """

    saved = Signal(object)

    def __init__(
        self, jobs: BackgroundJobs, dataset: str, *, author: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Add noisy variants to {dataset}")
        self.setObjectName("noisy-variants")
        self._jobs = jobs
        self._dataset = dataset
        self._author = author
        self._job: int | None = None
        self.perturb = QLineEdit(DEFAULT_PERTURBATIONS)
        self.perturb.setToolTip(perturbation_help())
        self.seed = QSpinBox(minimum=0, maximum=2_147_483_647, value=0)
        self.protect = QLineEdit(placeholderText="e.g. order_id, email (optional)")
        self.protect.setToolTip(
            "Variables whose values must stay intact, even where they appear in the message."
            " Order and tracking numbers, e-mails, amounts and URLs are always kept."
        )
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

        self.perturb.textChanged.connect(self._on_perturb_text_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        self._on_perturb_text_changed(self.perturb.text())

    def options(self) -> PerturbOptions:
        """The choices as options; raises `KnownError` naming what is wrong."""
        fields = tuple(f.strip() for f in self.protect.text().split(",") if f.strip())
        return PerturbOptions(
            parse_perturbations(self.perturb.text()),
            seed=self.seed.value(),
            protected_fields=fields,
        )

    def _on_perturb_text_changed(self, _text: str) -> None:
        try:
            self.options()
        except KnownError as error:
            self.error.setText(str(error))
            self.error.show()
            self.save.setEnabled(False)
            return
        self.error.hide()
        self.save.setEnabled(self._job is None)

    def _on_buttons_accepted(self) -> None:
        if not self.save.isEnabled():
            return
        options, dataset, author = self.options(), self._dataset, self._author
        self.save.setEnabled(False)
        self.outcome.setText("Saving…")
        self._job = self._jobs.submit(
            lambda store, _p: add_noisy_variants(store, dataset, options, author=author)
        )

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id == self._job and isinstance(result, NoisyVariantsResult):
            self._job = None
            self.saved.emit(result)
            self.accept()

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._job:
            self._job = None
            self.outcome.setText("")
            self.error.setText(message)
            self.error.show()
            self.save.setEnabled(True)
