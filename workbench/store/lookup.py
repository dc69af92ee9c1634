"""Finding families and versions inside an open transaction, with errors that help.

A missing family lists the names that do exist; a missing version lists the family's labels and
versions, so the person at the keyboard can correct the address without another command.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection
from sqlalchemy import select as select_columns
from sqlmodel import col, func, select

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import Content, Kind, Version
from workbench.store.codec import content_from_json, rows_from_json
from workbench.store.tables import (
    DatasetRowRow,
    FamilyRow,
    LabelRow,
    VersionContentRow,
    VersionRow,
)

NUMBER_REF = re.compile(r"^v(\d+)$")
HEX_REF = re.compile(r"^[0-9a-f]{4,64}$")
_LISTED = 12


@dataclass(frozen=True)
class FamilyRecord:
    """A family row as the store code uses it."""

    id: int
    kind: Kind
    name: str
    head_id: str | None
    description: str
    created_at: datetime


def plural(kind: Kind) -> str:
    """``prompts``, ``personas``, ... for messages."""
    return f"{kind.value}s"


def find_family(connection: Connection, kind: Kind, name: str) -> FamilyRecord | None:
    """The family, or None."""
    row = connection.execute(
        select(FamilyRow).where(col(FamilyRow.kind) == kind.value, col(FamilyRow.name) == name)
    ).first()
    if row is None:
        return None
    return FamilyRecord(
        id=row.id,
        kind=Kind(row.kind),
        name=row.name,
        head_id=row.head_id,
        description=row.description,
        created_at=row.created_at,
    )


def require_family(connection: Connection, kind: Kind, name: str) -> FamilyRecord:
    """The family, or a `NotFoundError` listing the existing names of that kind."""
    family = find_family(connection, kind, name)
    if family is not None:
        return family
    names = list(
        connection.scalars(
            select(FamilyRow.name)
            .where(col(FamilyRow.kind) == kind.value)
            .order_by(col(FamilyRow.name))
        )
    )
    if not names:
        raise NotFoundError(f"no {kind.value} named '{name}': there are no {plural(kind)} yet")
    message = f"no {kind.value} named '{name}'"
    close = difflib.get_close_matches(name, names, n=3)
    if close:
        message += f" (did you mean {', '.join(repr(c) for c in close)}?)"
    shown = ", ".join(names[:_LISTED]) + (
        f", … ({len(names)} in all)" if len(names) > _LISTED else ""
    )
    raise NotFoundError(f"{message}; {plural(kind)} here: {shown}")


def _describe_family(connection: Connection, family: FamilyRecord) -> str:
    labels = connection.execute(
        select(LabelRow.name, VersionRow.number)
        .join(
            VersionRow,
            (col(VersionRow.family_id) == col(LabelRow.family_id))
            & (col(VersionRow.version_id) == col(LabelRow.version_id)),
        )
        .where(col(LabelRow.family_id) == family.id)
        .order_by(col(LabelRow.name))
    ).all()
    versions = connection.execute(
        select(VersionRow.number, VersionRow.version_id)
        .where(col(VersionRow.family_id) == family.id)
        .order_by(col(VersionRow.number).desc())
        .limit(_LISTED)
    ).all()
    count = connection.scalar(
        select(func.count()).select_from(VersionRow).where(col(VersionRow.family_id) == family.id)
    )
    label_text = ", ".join(f"{name} → v{number}" for name, number in labels) or "none"
    listed = ", ".join(f"v{number} ({vid[:8]})" for number, vid in reversed(versions))
    if count and count > len(versions):
        listed = f"… ({count} in all), " + listed
    return f"labels: {label_text}; versions: {listed or 'none'}"


def find_version_id(connection: Connection, family: FamilyRecord, ref: str | None) -> str:
    """Resolve head (None), ``vN``, a label, or a hash prefix of at least 4 hex digits."""
    address = f"{family.kind.value} '{family.name}'"
    if ref is None:
        if family.head_id is None:
            raise NotFoundError(f"{address} has no versions yet")
        return family.head_id
    number = NUMBER_REF.match(ref)
    if number:
        found = connection.scalar(
            select(VersionRow.version_id).where(
                col(VersionRow.family_id) == family.id,
                col(VersionRow.number) == int(number.group(1)),
            )
        )
        if found is not None:
            return found
    else:
        found = connection.scalar(
            select(LabelRow.version_id).where(
                col(LabelRow.family_id) == family.id, col(LabelRow.name) == ref
            )
        )
        if found is not None:
            return found
        prefix = ref.lower()
        if HEX_REF.match(prefix):
            # A range on the (family_id, version_id) index rather than LIKE, which cannot use it.
            matches = connection.execute(
                select(VersionRow.version_id, VersionRow.number)
                .where(
                    col(VersionRow.family_id) == family.id,
                    col(VersionRow.version_id) >= prefix,
                    col(VersionRow.version_id) < prefix + "g",
                )
                .order_by(col(VersionRow.number))
            ).all()
            if len(matches) == 1:
                return str(matches[0][0])
            if len(matches) > 1:
                candidates = ", ".join(f"v{number} ({vid[:12]})" for vid, number in matches)
                raise ValidationError(
                    f"'{ref}' matches {len(matches)} versions of {address}: {candidates};"
                    " give more hex digits"
                )
    raise NotFoundError(
        f"{address} has no version or label '{ref}' ({_describe_family(connection, family)});"
        " use vN, a label, or at least 4 hex digits of a version id"
    )


def family_labels(connection: Connection, family_id: int) -> dict[str, list[str]]:
    """version id → its labels, sorted, for one family."""
    labels: dict[str, list[str]] = {}
    for name, version_id in connection.execute(
        select(LabelRow.name, LabelRow.version_id)
        .where(col(LabelRow.family_id) == family_id)
        .order_by(col(LabelRow.name))
    ):
        labels.setdefault(version_id, []).append(name)
    return labels


def load_content(connection: Connection, kind: Kind, version_id: str, text: str) -> Content:
    """Rebuild the content of a version whose stored JSON is `text`."""
    if kind is not Kind.DATASET:
        return content_from_json(kind, text)
    texts = list(
        connection.scalars(
            select(DatasetRowRow.row_json)
            .where(col(DatasetRowRow.version_id) == version_id)
            .order_by(col(DatasetRowRow.position))
        )
    )
    return content_from_json(kind, text, rows_from_json(texts))


# More columns than the typed `select` overloads accept, hence a tuple passed with `*`.
_VERSION_COLUMNS: tuple[Any, ...] = (
    VersionRow.version_id,
    VersionRow.number,
    VersionRow.parent_id,
    VersionRow.author,
    VersionRow.note,
    VersionRow.created_at,
    FamilyRow.id,
    FamilyRow.kind,
    FamilyRow.name,
    VersionContentRow.content_json,
)


def load_versions(
    connection: Connection,
    *conditions: ColumnElement[bool],
    content: Content | None = None,
    limit: int | None = None,
) -> list[Version]:
    """Versions matching `conditions`, by family then number, with content and labels.

    `content`, when given, is used instead of reading it back (the caller just hashed it).
    """
    query = (
        select_columns(*_VERSION_COLUMNS)
        .join_from(VersionRow, FamilyRow, col(FamilyRow.id) == col(VersionRow.family_id))
        .join(VersionContentRow, col(VersionContentRow.version_id) == col(VersionRow.version_id))
        .where(*conditions)
        .order_by(col(VersionRow.pk))
        .limit(limit)
    )
    labels_by_family: dict[int, dict[str, list[str]]] = {}
    versions = []
    for row in connection.execute(query):
        kind = Kind(row.kind)
        family_id = row.id
        if family_id not in labels_by_family:
            labels_by_family[family_id] = family_labels(connection, family_id)
        versions.append(
            Version(
                id=row.version_id,
                kind=kind,
                family=row.name,
                number=row.number,
                content=content
                if content is not None
                else load_content(connection, kind, row.version_id, row.content_json),
                parent_id=row.parent_id,
                author=row.author,
                note=row.note,
                created_at=row.created_at,
                labels=tuple(labels_by_family[family_id].get(row.version_id, ())),
            )
        )
    return versions


def load_version(
    connection: Connection, family: FamilyRecord, version_id: str, content: Content | None = None
) -> Version:
    """One version of `family`; it must exist."""
    found = load_versions(
        connection,
        col(VersionRow.family_id) == family.id,
        col(VersionRow.version_id) == version_id,
        content=content,
    )
    if not found:
        raise NotFoundError(
            f"{version_id[:12]} is not a version of {family.kind.value} '{family.name}'"
        )
    return found[0]
