"""`ModelConfigForm`: edit one model config — provider, model, endpoint, key variable, params.

An OpenAI-compatible endpoint can be filled from the presets of local servers (Ollama, LM Studio,
vLLM, llama.cpp). Problems are shown under the field they concern; `content` raises nothing and
returns None when a field is wrong, so no half-valid config can be saved.
"""

from __future__ import annotations

import pydantic
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.app.models import DEFAULT_KEY_ENV, PRESETS
from workbench.core.errors import KnownError
from workbench.core.models import ModelConfigContent, validate_name
from workbench.gui.models.prompt_form import params_text, parse_params
from workbench.gui.widgets.field_errors import error_label, with_error

PROVIDERS = ("openai", "anthropic", "openai-compatible", "local")
PRESET_NAMES = {
    "ollama": "Ollama",
    "lmstudio": "LM Studio",
    "vllm": "vLLM",
    "llamacpp": "llama.cpp server",
}


class ModelConfigForm(QWidget):
    """The fields of a model config.

    Signals:
        changed(): a field changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit(placeholderText="a name such as gpt-4o-mini or ollama-llama3")
        self.provider = QComboBox()
        self.provider.addItems(PROVIDERS)
        self.model = QLineEdit()
        self.base_url = QLineEdit()
        self.preset = QComboBox()
        self.preset.addItem("Local server presets…", None)
        for key, title in PRESET_NAMES.items():
            self.preset.addItem(f"{title} — {PRESETS[key]}", key)
        self.api_key_env = QLineEdit()
        self.params = QLineEdit(placeholderText='{"temperature": 0.3, "max_tokens": 400}')
        self.input_price = _price_box()
        self.output_price = _price_box()
        self.errors = {
            name: error_label() for name in ("name", "model", "base_url", "params", "general")
        }

        base = QWidget()
        base_layout = QVBoxLayout(base)
        base_layout.setContentsMargins(0, 0, 0, 0)
        base_layout.setSpacing(2)
        base_layout.addWidget(self.base_url)
        base_layout.addWidget(self.preset)
        base_layout.addWidget(self.errors["base_url"])
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Name", with_error(self.name, self.errors["name"]))
        form.addRow("Provider", self.provider)
        form.addRow("Model", with_error(self.model, self.errors["model"]))
        form.addRow("Endpoint (base URL)", base)
        form.addRow("Key variable", self.api_key_env)
        form.addRow("Parameters", with_error(self.params, self.errors["params"]))
        form.addRow("Input $ / M tokens", self.input_price)
        form.addRow("Output $ / M tokens", self.output_price)
        form.addRow("", self.errors["general"])

        for edit in (self.name, self.model, self.base_url, self.api_key_env, self.params):
            edit.textChanged.connect(self.changed)
        self.provider.currentTextChanged.connect(self._on_provider_current_text_changed)
        self.preset.activated.connect(self._on_preset_activated)
        for box in (self.input_price, self.output_price):
            box.valueChanged.connect(self.changed)
        self._on_provider_current_text_changed(self.provider.currentText())

    def set_content(self, name: str, content: ModelConfigContent | None) -> None:
        """Show a stored config (None: an empty new one); the name is fixed for a stored one."""
        self.name.setText(name)
        self.name.setReadOnly(content is not None)
        content = content or ModelConfigContent(provider="openai-compatible", model="")
        self.provider.setCurrentText(content.provider)
        self.model.setText(content.model)
        self.base_url.setText(content.base_url or "")
        self.api_key_env.setText(content.api_key_env or "")
        self.params.setText(params_text(content.params))
        self.input_price.setValue(content.input_usd_per_mtok or 0.0)
        self.output_price.setValue(content.output_usd_per_mtok or 0.0)
        self.show_problems({})

    def key_variable(self) -> str | None:
        """The environment variable (and keyring entry) holding this config's key, if any."""
        explicit = self.api_key_env.text().strip()
        return explicit or DEFAULT_KEY_ENV.get(self.provider.currentText())

    def content(self) -> tuple[str, ModelConfigContent] | None:
        """The name and config typed, or None after showing what is wrong under each field."""
        problems: dict[str, str] = {}
        name = self.name.text().strip()
        try:
            validate_name(name)
        except KnownError as error:
            problems["name"] = str(error)
        provider = self.provider.currentText()
        if not self.model.text().strip():
            problems["model"] = (
                "Give the model name, or 'smollm2' / a .gguf path for the embedded model."
                if provider == "local"
                else "Give the model name the server expects."
            )
        base_url = self.base_url.text().strip() or None
        if provider == "openai-compatible" and base_url is None:
            problems["base_url"] = "An OpenAI-compatible server needs its base URL (…/v1)."
        is_url = base_url is None or base_url.startswith(("http://", "https://"))
        if not is_url and (base_url or "").lower() not in PRESETS:
            problems["base_url"] = "Give a URL starting with http:// or https://, or a preset."
        try:
            params = parse_params(self.params.text())
        except KnownError as error:
            problems["params"] = str(error)
            params = {}
        content = None
        if not problems:
            try:
                content = ModelConfigContent(
                    provider=provider,  # type: ignore[arg-type]
                    model=self.model.text().strip(),
                    base_url=base_url,
                    api_key_env=self.api_key_env.text().strip() or None,
                    params=params,
                    input_usd_per_mtok=self.input_price.value() or None,
                    output_usd_per_mtok=self.output_price.value() or None,
                )
            except pydantic.ValidationError as error:
                problems["general"] = "; ".join(e["msg"] for e in error.errors())
        self.show_problems(problems)
        return None if content is None else (name, content)

    def show_problems(self, problems: dict[str, str]) -> None:
        """Show each problem under its field; clear the others."""
        for field, label in self.errors.items():
            label.setText(problems.get(field, ""))
            label.setVisible(field in problems)

    def _on_provider_current_text_changed(self, provider: str) -> None:
        self.preset.setEnabled(provider == "openai-compatible")
        self.api_key_env.setPlaceholderText(
            DEFAULT_KEY_ENV.get(provider, "none needed (a local server)")
        )
        self.base_url.setPlaceholderText(
            {
                "openai": "default: https://api.openai.com/v1",
                "anthropic": "default: https://api.anthropic.com",
                "openai-compatible": "http://localhost:11434/v1",
                "local": "not used: the embedded server picks its own port",
            }[provider]
        )
        self.changed.emit()

    def _on_preset_activated(self, index: int) -> None:
        key = self.preset.itemData(index)
        if key is not None:
            self.base_url.setText(PRESETS[key])
        self.preset.setCurrentIndex(0)


def _price_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox(minimum=0.0, maximum=1000.0, decimals=3)
    box.setSpecialValueText("from the price table")
    return box
