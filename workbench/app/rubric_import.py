"""Saving a rubric from a file: a rubric YAML file (with its history) or a promptfoo config.

Every criterion is checked before anything is saved, so a bad file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.errors import FileFormatError, ValidationError
from workbench.core.models import (
    Kind,
    RubricContent,
    Version,
)
from workbench.core.runs import CellStatus
from workbench.interop.family_files import parse_family_file
from workbench.interop.text import read_text
from workbench.interop.workspace import import_paths
from workbench.interop.yaml_io import load_yaml
from workbench.scoring.promptfoo_asserts import (
    rubric_from_promptfoo_config,
)
from workbench.scoring.results import (
    CriterionConfigError,
)
from workbench.scoring.rubric import (
    validate_rubric,
)
from workbench.store import Store

Progress = Callable[[int, int], None]
"""Called with (cells scored so far, cells to score)."""

BATCH_SIZE = 200
"""Scores written per transaction: small enough for readers never to wait long."""
JUDGE_CONCURRENCY = 8
"""Cells whose judge criteria run at once (the judge call may add its own limits)."""

_SETTLED = (CellStatus.OK, CellStatus.ERROR, CellStatus.CANCELLED)


_PROMPTFOO_KEYS = frozenset({"defaultTest", "tests", "prompts", "providers", "scenarios"})


@dataclass(frozen=True)
class RubricImport:
    """What `import_rubric_file` saved.

    Attributes:
        version: the rubric version now at the family's head.
        created: whether a new version was saved (False: the content was already stored).
        source: ``rubric`` (a rubric YAML file) or ``promptfoo`` (a promptfoo configuration).
        unsupported: promptfoo assertions left out, by position and type.
        notes: approximations and assertions kept out of the rubric (per-test ones).
    """

    version: Version
    created: bool
    source: str
    unsupported: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def import_rubric_file(
    store: Store,
    path: Path,
    *,
    author: str,
    name: str | None = None,
    test: str | None = None,
) -> RubricImport:
    """Save a rubric from a rubric YAML file (``kind: rubric``, with its history) or from a
    promptfoo configuration (``defaultTest.assert`` plus the assertions all tests share, or
    one test's assertions with `test`). Every criterion is checked before anything is saved.

    Raises:
        FileFormatError: an unreadable file, a file of another kind, or a bad criterion.
        ValidationError: malformed promptfoo assertions, or nothing supported in them.
    """
    data, root = load_yaml(read_text(path), path=path)
    is_promptfoo = (
        isinstance(data, dict) and "kind" not in data and bool(_PROMPTFOO_KEYS & set(data))
    )
    if not is_promptfoo:
        if test is not None:
            raise ValidationError(f"{path}: --test applies to a promptfoo configuration only")
        return _import_rubric_yaml(store, path, data, root, author=author, name=name)
    family = name or path.stem
    rubric, converted = rubric_from_promptfoo_config(data, where=str(path), test=test)
    try:
        validate_rubric(rubric)
    except CriterionConfigError as error:
        raise FileFormatError(str(error), path=str(path)) from error
    saved = store.save_version(
        Kind.RUBRIC, family, rubric, author=author, note=f"Imported from {path.name}"
    )
    return RubricImport(
        version=saved.version,
        created=saved.created,
        source="promptfoo",
        unsupported=converted.unsupported,
        notes=converted.notes,
    )


def _import_rubric_yaml(
    store: Store, path: Path, data: Any, root: Any, *, author: str, name: str | None
) -> RubricImport:
    declared = data.get("kind") if isinstance(data, dict) else None
    if declared not in (None, Kind.RUBRIC.value):
        raise FileFormatError(f"this file holds a {declared}, not a rubric", path=str(path))
    if declared is None:
        raise FileFormatError(
            "cannot tell what this file holds: add 'kind: rubric' to a rubric file, or give a"
            " promptfoo configuration (with defaultTest or tests)",
            path=str(path),
        )
    if name is not None:
        raise ValidationError(
            f"{path}: a rubric file names its family itself (the file name); --name applies"
            " to a promptfoo configuration"
        )
    parsed = parse_family_file(data, root, path=path, kind=Kind.RUBRIC)
    for entry in parsed.entries:
        if not isinstance(entry.content, RubricContent):  # parsed as a rubric: never taken
            raise FileFormatError(f"version {entry.number} is not a rubric", path=str(path))
        try:
            validate_rubric(entry.content)
        except CriterionConfigError as error:
            raise FileFormatError(f"version {entry.number}: {error}", path=str(path)) from error
    report = import_paths(store, [path], author=author)
    [item] = report.items
    return RubricImport(
        version=store.resolve(Kind.RUBRIC, parsed.name),
        created=item.created > 0,
        source="rubric",
    )
