"""Dataset files in and out: CSV/TSV, JSONL, JSON and promptfoo-style YAML.

Pure functions: nothing here touches the store. The format comes from the file extension (or an
explicit ``format``). Readers parse the whole file before returning, so a bad line anywhere means
no dataset at all, and every error names the file and line (and column where it helps).
Writers produce one canonical text per dataset: reading a written file and writing it again
gives the same bytes, in every format.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetContent
from workbench.interop.csv_datasets import read_csv, write_csv
from workbench.interop.json_datasets import read_json, read_jsonl, write_json, write_jsonl
from workbench.interop.text import read_text, write_text
from workbench.interop.yaml_datasets import read_yaml_dataset, write_yaml_dataset

FORMATS = ("jsonl", "csv", "tsv", "json", "yaml")
EXTENSIONS = {
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
}


def dataset_format(path: str | Path, format: str | None = None) -> str:
    """The format name for `path` (or the explicit `format`), checked against `FORMATS`."""
    name = (format or EXTENSIONS.get(Path(path).suffix.lower(), "")).lower().lstrip(".")
    name = EXTENSIONS.get(f".{name}", name)
    if name not in FORMATS:
        raise FileFormatError(
            f"unknown dataset format{f' {format!r}' if format else ''}: use a"
            f" {', '.join(sorted(EXTENSIONS))} file",
            path=str(path),
        )
    return name


def read_dataset(path: Path, format: str | None = None) -> DatasetContent:
    """Read a dataset file; the format comes from its extension unless `format` is given.

    Raises:
        FileFormatError: naming the file and the line (and column) of the first problem.
    """
    fmt = dataset_format(path, format)
    return read_dataset_text(read_text(path), filename=str(path), format=fmt)


def read_dataset_text(text: str, *, filename: str, format: str | None = None) -> DatasetContent:
    """Parse dataset text; `filename` names it in errors and, without `format`, picks the format."""
    fmt = dataset_format(filename, format)
    text = text.removeprefix("\ufeff")
    if fmt in ("csv", "tsv"):
        return read_csv(text, path=filename, delimiter="\t" if fmt == "tsv" else None)
    readers: dict[str, Callable[..., DatasetContent]] = {
        "jsonl": read_jsonl,
        "json": read_json,
        "yaml": read_yaml_dataset,
    }
    return readers[fmt](text, path=filename)


def dataset_text(content: DatasetContent, format: str, *, filename: str = "<dataset>") -> str:
    """The canonical text of `content` in `format` (one of `FORMATS`).

    Raises:
        FileFormatError: the format cannot hold the dataset unchanged (CSV holds text variables
            only and no assertions; only YAML holds a dataset description).
    """
    fmt = dataset_format(filename, format)
    if fmt in ("csv", "tsv"):
        return write_csv(content, path=filename, delimiter="\t" if fmt == "tsv" else ",")
    if fmt == "yaml":
        return write_yaml_dataset(content)
    if content.description:
        raise FileFormatError(
            f"{fmt.upper()} has no place for the dataset description: use YAML", path=filename
        )
    return write_jsonl(content) if fmt == "jsonl" else write_json(content)


def write_dataset(content: DatasetContent, path: Path, format: str | None = None) -> None:
    """Write `content` to `path` in its canonical form (format from the extension by default)."""
    fmt = dataset_format(path, format)
    write_text(path, dataset_text(content, fmt, filename=str(path)))


def can_write(content: DatasetContent, format: str) -> bool:
    """Whether `format` can hold `content` unchanged."""
    try:
        dataset_text(content, format)
    except FileFormatError:
        return False
    return True
