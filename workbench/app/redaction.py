"""``run --redact``: anonymise a dataset's fields before any of it is sent to a model.

The redacted rows are saved as a version of a sibling dataset ``<name>-redacted`` (or the one
given), so the run references exactly what left the machine and stays reproducible, while the
original dataset is untouched. Each row is its own "conversation": placeholders are consistent
within a row (``<PERSON_1>`` in the message and in the expected answer is the same person).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.core.models import DatasetContent, DatasetRow, Kind, Version, validate_name
from workbench.core.versioning import parse_ref
from workbench.privacy.redactor import RedactionItem, Redactor

if TYPE_CHECKING:
    from workbench.store import Store


@dataclass
class RedactedDataset:
    """The redacted version to run on, what was replaced and what the user must know."""

    source: Version
    version: Version
    created: bool
    replacements: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.version.family}@{self.version.short_id}"


def redact_dataset(
    store: Store,
    ref: str,
    *,
    author: str = "",
    target: str | None = None,
    keep_orders: bool = True,
    redactor: Redactor | None = None,
) -> RedactedDataset:
    """Save an anonymised copy of dataset `ref` (every string in vars, expected and facts)."""
    source = store.resolve(Kind.DATASET, ref)
    assert isinstance(source.content, DatasetContent)
    redactor = redactor or Redactor(keep_orders=keep_orders)
    name = target or f"{parse_ref(ref).name}-redacted"[:80]
    validate_name(name)
    rows = []
    for row in source.content.rows:
        texts: list[str] = []
        _collect(row.vars, texts)
        if row.expected is not None:
            texts.append(row.expected)
        texts.extend(row.facts)
        redacted = iter(redactor.redact_batch([RedactionItem(row.id, t) for t in texts]))
        new_vars = _rebuild(row.vars, redacted)
        expected = next(redacted) if row.expected is not None else None
        facts = tuple(next(redacted) for _ in row.facts)
        rows.append(
            DatasetRow(
                id=row.id,
                vars=new_vars,
                expected=expected,
                facts=facts,
                tags=row.tags,
                asserts=row.asserts,
            )
        )
    content = DatasetContent(
        description=f"{source.content.description} (anonymised copy of {source.ref})".strip(),
        rows=tuple(rows),
    )
    saved = store.save_version(
        Kind.DATASET,
        name,
        content,
        author=author,
        note=f"Anonymised copy of {source.ref} ({source.short_id}) for a run",
    )
    return RedactedDataset(
        source=source,
        version=saved.version,
        created=saved.created,
        replacements=redactor.report.as_dict(),
        warnings=list(redactor.report.warnings),
    )


def _collect(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, out)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, out)


def _rebuild(value: Any, redacted: Any) -> Any:
    if isinstance(value, str):
        return next(redacted)
    if isinstance(value, dict):
        return {key: _rebuild(item, redacted) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_rebuild(item, redacted) for item in value)
    return value
