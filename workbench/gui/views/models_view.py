"""`ModelsView`: the Models & keys screen — model configs, their keys, a connection test, and
the embedded model's status.

Configs are versioned like everything else (saving a change makes a new version). API keys never
touch the workspace: they come from the environment or the OS keyring, and a key typed here goes
straight to the keyring through `SecretStore` — on a machine without a keyring (headless Linux)
the screen says so and names the environment variable to set instead. "Test connection" sends one
tiny request on the engine thread and reports the answer or the error in words.
"""

from __future__ import annotations

import os
import time
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.app.services import ProviderHub
from workbench.app.versions import save_version
from workbench.core.errors import KnownError, NotFoundError
from workbench.core.llm import ChatRequest, ChatResult, Message, ProviderError
from workbench.core.models import Kind, ModelConfigContent
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge
from workbench.gui.document_view import DocumentView
from workbench.gui.models.save_outcome import describe_save
from workbench.gui.widgets.model_config_form import ModelConfigForm

if TYPE_CHECKING:
    from workbench.app.models import SecretStore
    from workbench.app.records import Store

TEST_PROMPT = "Reply with the single word: ok"
_NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class ModelsView(DocumentView):
    """Model configs on the left, the selected one's form, key and status on the right.

    Signals:
        version_saved(object): a config was saved as a new `Version`.
        message_posted(str): something for the status bar.
        connection_tested(str): the outcome of "Test connection", in words.
        key_status_shown(str): the key's status line was updated.
    """

    connection_tested = Signal(str)
    key_status_shown = Signal(str)

    def __init__(
        self,
        store: Store,
        jobs: BackgroundJobs,
        bridge: EngineBridge,
        providers: ProviderHub,
        *,
        secrets: SecretStore,
        author: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._jobs = jobs
        self._bridge = bridge
        self._providers = providers
        self._secrets = secrets
        self._author = author
        self._test_task: int | None = None
        self._key_jobs: dict[int, str] = {}
        self._key_lookup: int | None = None

        self.list = QListWidget()
        self.list.setObjectName("model-list")
        self.list.setSpacing(3)
        self.list.setAlternatingRowColors(True)
        self.new_button = QPushButton("New model config")
        self.form = ModelConfigForm()
        self.save_button = QPushButton("Save (new version)")
        self.test_button = QPushButton("Test connection")
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_status = QLabel()
        self.key_status.setWordWrap(True)
        self.key_input = QLineEdit(placeholderText="Paste an API key to store it in the OS keyring")
        self.key_input.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_save = QPushButton("Save key to keyring")
        self.key_message = QLabel()
        self.key_message.setWordWrap(True)
        self.embedded_box = QGroupBox("Embedded model")
        self.embedded_status = QLabel()
        self.embedded_status.setWordWrap(True)
        self.embedded_status.setTextFormat(Qt.TextFormat.RichText)

        self._build_layout()
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(self.test_connection)
        self.key_save.clicked.connect(self._on_key_save_clicked)
        self.form.provider.currentTextChanged.connect(self._on_form_provider_changed)
        self.form.api_key_env.textChanged.connect(self._on_form_provider_changed)
        self.form.model.editingFinished.connect(self._show_embedded_status)
        bridge.task_finished.connect(self._on_bridge_task_finished)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        self.reload()

    @property
    def name(self) -> str:
        """The tab's title."""
        return "Models & keys"

    def reload(self) -> None:
        """List the model configs again, keeping the selection."""
        chosen = self.current_name()
        self.list.blockSignals(True)
        self.list.clear()
        for family in self._store.list_families(Kind.MODEL):
            head = self._store.resolve(Kind.MODEL, family.name)
            config = head.content_as(ModelConfigContent)
            item = QListWidgetItem(
                f"{family.name}\n{config.provider} · {config.model}  (v{head.number})"
            )
            item.setData(_NAME_ROLE, family.name)
            item.setToolTip(family.description)
            self.list.addItem(item)
        self.list.blockSignals(False)
        if not self.select(chosen or "") and self.list.count():
            self.list.setCurrentRow(0)

    def select(self, name: str) -> bool:
        """Select a config by name; False when there is none."""
        for row in range(self.list.count()):
            if self.list.item(row).data(_NAME_ROLE) == name:
                self.list.setCurrentRow(row)
                return True
        return False

    def current_name(self) -> str | None:
        """The selected config's name."""
        item = self.list.currentItem()
        return None if item is None else str(item.data(_NAME_ROLE))

    def can_save(self) -> bool:
        return True

    def save(self) -> None:
        """Save the form as a new version of its config (nothing when unchanged)."""
        typed = self.form.content()
        if typed is None:
            self.message_posted.emit("Not saved: fix the fields marked in red.")
            return
        name, content = typed
        try:
            previous = self._store.get_family(Kind.MODEL, name).head_id
        except NotFoundError:
            previous = None
        try:
            saved = save_version(self._store, Kind.MODEL, name, content, author=self._author)
        except KnownError as error:
            self.form.show_problems({"general": str(error)})
            return
        self.message_posted.emit(describe_save(saved, previous))
        if saved.version.id != previous:
            self.version_saved.emit(saved.version)
        self.reload()
        self.select(name)

    def test_connection(self) -> None:
        """Send one tiny request with the config as typed, on the engine thread."""
        typed = self.form.content()
        if typed is None:
            return
        _name, config = typed
        factory = self._providers.factory
        request = ChatRequest(
            model=config.model,
            messages=(Message("user", TEST_PROMPT),),
            params={**config.params, "max_tokens": 8},
            stream=False,
        )

        async def probe(_sink: Any) -> tuple[ChatResult | ProviderError, float]:
            started = time.perf_counter()
            provider = factory(config)
            try:
                outcome = await provider.complete(request)
            finally:
                await provider.aclose()
            return outcome, (time.perf_counter() - started) * 1000

        waiting = "Starting the embedded model and asking it…" if config.provider == "local" else ""
        self.test_result.setText(waiting or f"Asking {escape(config.model)}…")
        self.test_button.setEnabled(False)
        self._test_task = self._bridge.submit(probe)

    # -- building ------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.new_button)

        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)

        key_box = QGroupBox("API key")
        key_layout = QVBoxLayout(key_box)
        key_layout.addWidget(self.key_status)
        key_line = QHBoxLayout()
        key_line.addWidget(self.key_input, 1)
        key_line.addWidget(self.key_save)
        key_layout.addLayout(key_line)
        key_layout.addWidget(self.key_message)
        key_layout.addWidget(
            QLabel(
                "<small>Keys live in the environment or the OS keyring, never in the"
                " workspace file or its exports.</small>"
            )
        )
        embedded_layout = QVBoxLayout(self.embedded_box)
        embedded_layout.addWidget(self.embedded_status)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(self.form)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.test_result)
        right_layout.addWidget(key_box)
        right_layout.addWidget(self.embedded_box)
        right_layout.addStretch(1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("models-splitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([300, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)

    # -- keys and status -----------------------------------------------------------------------

    def _show_key_status(self) -> None:
        variable = self.form.key_variable()
        self.key_input.setEnabled(variable is not None)
        self.key_save.setEnabled(variable is not None)
        self._key_lookup = None  # a lookup still running is about another config now
        if variable is None:
            self._set_key_status("No key needed: a local server.")
            return
        if os.environ.get(variable):
            self._set_key_status(f"<b>{escape(variable)}</b> is set in the environment ✓")
            return
        self._set_key_status(f"Looking for <b>{escape(variable)}</b> in the OS keyring…")
        secrets = self._secrets
        job = self._jobs.submit_call(lambda _progress: secrets.get(variable) is not None)
        self._key_jobs[job] = variable
        self._key_lookup = job

    def _set_key_status(self, text: str) -> None:
        self.key_status.setText(text)
        self.key_status_shown.emit(text)

    def _show_embedded_status(self) -> None:
        local = self.form.provider.currentText() == "local"
        self.embedded_box.setVisible(local)
        if not local:
            return
        status = self._providers.embedded_status(self.form.model.text().strip() or "smollm2")
        lines = [
            f"llama-cpp-python: {'installed ✓' if status.installed else 'not installed ✗'}",
            "Model file: "
            + (f"{escape(status.model_path)} ✓" if status.model_path else "not found ✗"),
            "Server: "
            + (
                f"running at {escape(status.base_url or '')} ✓"
                if status.running
                else "not running (it starts on the first call and stays up for the session)"
            ),
        ]
        if status.problem:
            lines.append(f"<span style='color:#c83c3c'>{escape(status.problem)}</span>")
        self.embedded_status.setText("<br/>".join(lines))

    # -- slots ---------------------------------------------------------------------------------

    def _on_list_current_item_changed(
        self, current: QListWidgetItem | None, _previous: Any
    ) -> None:
        if current is None:
            return
        version = self._store.resolve(Kind.MODEL, str(current.data(_NAME_ROLE)))
        self.form.set_content(version.family, version.content_as(ModelConfigContent))
        self.test_result.clear()
        self.key_message.clear()
        self._show_key_status()
        self._show_embedded_status()

    def _on_new_button_clicked(self) -> None:
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self.form.set_content("", None)
        self.form.name.setFocus()
        self._show_key_status()
        self._show_embedded_status()

    def _on_form_provider_changed(self, _text: str) -> None:
        self._show_key_status()
        self._show_embedded_status()

    def _on_key_save_clicked(self) -> None:
        variable = self.form.key_variable()
        value = self.key_input.text().strip()
        if variable is None or not value:
            self.key_message.setText("Paste the key first.")
            return
        self.key_input.clear()  # the key does not stay in the widget, whatever happens
        secrets = self._secrets
        job = self._jobs.submit_call(lambda _progress: secrets.set_in_keyring(variable, value))
        self._key_jobs[job] = f"save:{variable}"
        self.key_message.setText("Storing the key…")

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        what = self._key_jobs.pop(job_id, None)
        if what is None:
            return
        if what.startswith("save:"):
            variable = what.removeprefix("save:")
            self.key_message.setText(f"Stored {variable} in the OS keyring ✓")
            self.message_posted.emit(f"Stored {variable} in the OS keyring.")
            self._show_key_status()
            return
        if job_id != self._key_lookup:
            return  # the user has moved on to another config since
        variable = what
        if result:
            self._set_key_status(f"<b>{escape(variable)}</b> is in the OS keyring ✓")
        else:
            self._set_key_status(
                f"<b>{escape(variable)}</b> is not set: set the environment variable, or paste"
                " the key below to keep it in the OS keyring."
            )

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        what = self._key_jobs.pop(job_id, None)
        if what is None:
            return
        if what.startswith("save:"):
            self.key_message.setText(f"<span style='color:#c83c3c'>{escape(message)}</span>")
            self.message_posted.emit(message)
        elif job_id == self._key_lookup:
            self._set_key_status(f"Cannot read the OS keyring: {escape(message)}")

    def _on_bridge_task_finished(self, task_id: int, result: Any, error: Any) -> None:
        if task_id != self._test_task:
            return
        self._test_task = None
        self.test_button.setEnabled(True)
        if error is not None:
            text = f"✗ Cannot connect: {error}"
        else:
            outcome, elapsed_ms = result
            if isinstance(outcome, ChatResult):
                reply = outcome.text.strip()[:80] or "(an empty reply)"
                text = f"✓ Connected: answered “{reply}” in {elapsed_ms:.0f} ms."
            else:
                text = f"✗ {outcome.kind.value.replace('_', ' ')}: {outcome.message}"
        self.test_result.setText(escape(text))
        self.connection_tested.emit(text)
        self._show_embedded_status()
