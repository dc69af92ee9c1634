"""Imports and exports, for the CLI and the GUI alike: files in, versions out, and back.

Every use case here returns what it changed or wrote (an import report naming each version saved
and each part left out; an export result listing the files written):

* workspace folders: `import_paths`, `export_workspace`;
* promptfoo configs, Langfuse prompt exports and bundle folders: `import_promptfoo`,
  `import_langfuse`, `import_bundle_files`;
* approved bundles: `export_bundle_ref` (load a bundle by reference and export it in one of
  `BUNDLE_FORMATS`; any export holding a key is refused);
* runs: `write_run_export` (cells as CSV/JSONL), `write_report` (a self-contained HTML report);
* datasets: `read_dataset`, `read_dataset_text`, `write_dataset`, and `read_text` (a text file
  decoded as UTF-8 with a clear error).
"""

from __future__ import annotations

from pathlib import Path

from workbench.interop.bundle_export import FORMATS as BUNDLE_FORMATS
from workbench.interop.bundle_export import ExportResult, export_bundle
from workbench.interop.bundle_files import import_bundle_files
from workbench.interop.bundle_model import load_bundle
from workbench.interop.datasets import read_dataset, read_dataset_text, write_dataset
from workbench.interop.langfuse import import_langfuse
from workbench.interop.promptfoo_import import import_promptfoo
from workbench.interop.report_html import write_report
from workbench.interop.run_export import write_run_export
from workbench.interop.text import read_text
from workbench.interop.workspace import ExportReport, ImportReport, export_workspace, import_paths
from workbench.store import Store


def export_bundle_ref(store: Store, ref: str, fmt: str, out: Path) -> ExportResult:
    """Export the approved bundle `ref` (``name@vN`` or ``name@label``) as `fmt` into `out`.

    Raises:
        KnownError: no such bundle, an unknown format, or an export that would hold a key.
    """
    return export_bundle(load_bundle(store, ref), fmt, out)


__all__ = [
    "BUNDLE_FORMATS",
    "ExportReport",
    "ExportResult",
    "ImportReport",
    "export_bundle",
    "export_bundle_ref",
    "export_workspace",
    "import_bundle_files",
    "import_langfuse",
    "import_paths",
    "import_promptfoo",
    "load_bundle",
    "read_dataset",
    "read_dataset_text",
    "read_text",
    "write_dataset",
    "write_report",
    "write_run_export",
]
