"""Export an approved bundle in one of four formats, checked for secrets before writing.

Formats: ``files`` (manifest and plain files, re-importable), ``promptfoo`` (a config the
promptfoo CLI runs), ``langfuse`` (prompt JSON for Langfuse's create-prompt API) and ``code``
(a standalone Python module calling the provider's SDK).

Every file is rendered in memory first. Before anything is written, each text is searched for
the values of the API-key variables set in the environment (``OPENAI_API_KEY``,
``ANTHROPIC_API_KEY`` and the model config's own variable); a match refuses the whole export.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.errors import KnownError, ValidationError
from workbench.interop.bundle_code import render_code
from workbench.interop.bundle_files import render_files
from workbench.interop.bundle_model import ApprovedBundle, RenderedExport
from workbench.interop.langfuse import render_langfuse
from workbench.interop.promptfoo_export import render_promptfoo
from workbench.interop.text import write_text

RENDERERS: dict[str, Callable[[ApprovedBundle], RenderedExport]] = {
    "files": render_files,
    "promptfoo": render_promptfoo,
    "langfuse": render_langfuse,
    "code": render_code,
}
FORMATS = tuple(RENDERERS)
KEY_VARIABLES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")
_MIN_SECRET_LENGTH = 8  # shorter values would match ordinary words


@dataclass
class ExportResult:
    """What an export wrote and what it could not carry over."""

    format: str
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def secret_values(bundle: ApprovedBundle, environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(variable, value) of the key variables set in `environ` that an export must not hold."""
    names = list(KEY_VARIABLES)
    if bundle.model_content.api_key_env:
        names.append(bundle.model_content.api_key_env)
    return [
        (name, environ[name])
        for name in dict.fromkeys(names)
        if len(environ.get(name, "").strip()) >= _MIN_SECRET_LENGTH
    ]


def check_no_secrets(files: Mapping[str, str], secrets: list[tuple[str, str]]) -> None:
    """Refuse an export whose text contains a secret value (naming the file and variable)."""
    for path, text in files.items():
        for name, value in secrets:
            if value in text:
                raise KnownError(
                    f"refusing to export: {path} would contain the value of {name}."
                    " Keys are referenced by variable name only; remove the key from the"
                    " prompt, persona, dataset or rubric it was pasted into"
                )


def render_bundle(bundle: ApprovedBundle, fmt: str) -> RenderedExport:
    """Render an export in memory.

    Raises:
        ValidationError: an unknown format.
        TemplateExportError: templates the format cannot hold (naming template and line).
    """
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValidationError(f"unknown export format '{fmt}': use {', '.join(FORMATS)}") from None
    return renderer(bundle)


def export_bundle(
    bundle: ApprovedBundle,
    fmt: str,
    out_dir: Path,
    *,
    environ: Mapping[str, str] | None = None,
) -> ExportResult:
    """Render, check for secrets, then write the export into `out_dir`."""
    rendered = render_bundle(bundle, fmt)
    check_no_secrets(
        rendered.files, secret_values(bundle, os.environ if environ is None else environ)
    )
    result = ExportResult(
        format=fmt,
        out_dir=out_dir,
        warnings=list(rendered.warnings),
        unsupported=list(rendered.unsupported),
    )
    for relative, text in rendered.files.items():
        path = out_dir / relative
        write_text(path, text)
        result.files.append(path)
    return result
