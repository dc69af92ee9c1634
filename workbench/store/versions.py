"""Saving, finding and listing versions of families.

Versions are immutable and addressed by the hash of their content; the store only ever inserts
them. What changes is the family's head pointer (and labels, see `workbench.store.labels`).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, insert, update
from sqlmodel import col, func, select

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import (
    CONTENT_TYPES,
    Content,
    DatasetContent,
    Kind,
    ModelConfigContent,
    Version,
    validate_name,
)
from workbench.core.versioning import VersionRef, content_hash, parse_ref
from workbench.store.codec import content_to_json, dataset_row_records
from workbench.store.connection import Database
from workbench.store.lookup import (
    FamilyRecord,
    find_family,
    find_version_id,
    load_version,
    load_versions,
    require_family,
)
from workbench.store.secret_guard import check_model_config
from workbench.store.tables import (
    FamilyRow,
    LabelRow,
    VersionContentRow,
    VersionRow,
    now_utc,
)
from workbench.store.types import FamilyInfo, SaveResult

_INSERT_ROWS = (
    "INSERT INTO dataset_rows (version_id, position, row_id, row_json) VALUES (?, ?, ?, ?)"
)


class VersionsMixin:
    """Families and their versions; mixed into `workbench.store.Store`."""

    _db: Database

    def save_version(
        self,
        kind: Kind,
        name: str,
        content: Content,
        *,
        author: str = "",
        note: str = "",
        parent_id: str | None = None,
        created_at: datetime | None = None,
    ) -> SaveResult:
        """Store `content` as the new head of family `name`, creating the family if needed.

        Unchanged head content creates nothing (`created` is False). Content equal to an older
        version creates nothing either, and the head moves back to that version. `parent_id`
        defaults to the current head; it may name a version of another family (a fork).

        Raises:
            ValidationError: bad name, content of the wrong kind, or a model config carrying
                what looks like a secret.
            NotFoundError: `parent_id` is not a stored version.
        """
        kind = Kind(kind)
        validate_name(name)
        expected = CONTENT_TYPES[kind]
        if not isinstance(content, expected):
            raise ValidationError(
                f"{kind.value} '{name}': expected {expected.__name__} content,"
                f" got {type(content).__name__}"
            )
        if isinstance(content, ModelConfigContent):
            check_model_config(name, content)
        # Hashing and serialising happen before the write lock is taken: a big dataset should
        # not hold up the run engine's writes.
        version_id = content_hash(kind, content)
        content_json = content_to_json(kind, content)
        row_records = None
        if isinstance(content, DatasetContent) and not self._content_stored(version_id):
            row_records = dataset_row_records(version_id, content)
        with self._db.write() as connection:
            family = find_family(connection, kind, name) or _create_family(connection, kind, name)
            known = connection.scalar(
                select(VersionRow.pk).where(
                    col(VersionRow.family_id) == family.id,
                    col(VersionRow.version_id) == version_id,
                )
            )
            if known is not None:
                if family.head_id != version_id:
                    _move_head(connection, family.id, version_id)
                return SaveResult(
                    version=load_version(connection, family, version_id, content), created=False
                )
            parent = family.head_id if parent_id is None else parent_id
            if parent_id is not None and not _content_exists(connection, parent_id):
                raise NotFoundError(
                    f"{kind.value} '{name}': parent version {parent_id[:12]} is not stored here"
                )
            _insert_content(connection, kind, version_id, content_json, content, row_records)
            number = 1 + (
                connection.scalar(
                    select(func.max(VersionRow.number)).where(
                        col(VersionRow.family_id) == family.id
                    )
                )
                or 0
            )
            connection.execute(
                insert(VersionRow).values(
                    family_id=family.id,
                    version_id=version_id,
                    number=number,
                    parent_id=parent,
                    author=author,
                    note=note,
                    created_at=created_at or now_utc(),
                )
            )
            _move_head(connection, family.id, version_id)
            return SaveResult(
                version=load_version(connection, family, version_id, content), created=True
            )

    def resolve(self, kind: Kind, ref: str | VersionRef) -> Version:
        """The version a ``NAME[@REF]`` address points to.

        REF is absent (the head), ``vN`` (version number), a label, or at least 4 hex digits of
        a version id.

        Raises:
            NotFoundError: unknown family (lists existing names) or unknown REF (lists labels
                and versions).
            ValidationError: a malformed address, or a hash prefix matching several versions.
        """
        kind = Kind(kind)
        address = parse_ref(ref) if isinstance(ref, str) else ref
        with self._db.read() as connection:
            family = require_family(connection, kind, address.name)
            version_id = find_version_id(connection, family, address.ref)
            return load_version(connection, family, version_id)

    def get_version(self, version_id: str, *, family: str | None = None) -> Version:
        """The version with this full id.

        Two families may hold the same content (a fork saved unchanged); the earliest stored
        is returned unless `family` names the one wanted. The content is the same either way.
        """
        conditions = [col(VersionRow.version_id) == version_id]
        if family is not None:
            conditions.append(col(FamilyRow.name) == family)
        with self._db.read() as connection:
            found = load_versions(connection, *conditions, limit=1)
        if not found:
            where = f" in family '{family}'" if family else ""
            raise NotFoundError(f"no version with id {version_id}{where}")
        return found[0]

    def history(self, kind: Kind, name: str) -> list[Version]:
        """Every version of a family, oldest first (by number)."""
        kind = Kind(kind)
        with self._db.read() as connection:
            family = require_family(connection, kind, name)
            return load_versions(connection, col(VersionRow.family_id) == family.id)

    def list_families(self, kind: Kind | None = None) -> list[FamilyInfo]:
        """Families of one kind (or all), by kind then name, without loading any content."""
        with self._db.read() as connection:
            return _family_infos(connection, None if kind is None else Kind(kind))

    def get_family(self, kind: Kind, name: str) -> FamilyInfo:
        """One family's listing entry."""
        kind = Kind(kind)
        with self._db.read() as connection:
            family = require_family(connection, kind, name)
            return _family_infos(connection, kind, family.id)[0]

    def set_family_description(self, kind: Kind, name: str, text: str) -> FamilyInfo:
        """Change a family's description (not versioned)."""
        kind = Kind(kind)
        with self._db.write() as connection:
            family = require_family(connection, kind, name)
            connection.execute(
                update(FamilyRow).where(col(FamilyRow.id) == family.id).values(description=text)
            )
            return _family_infos(connection, kind, family.id)[0]

    def _content_stored(self, version_id: str) -> bool:
        with self._db.read() as connection:
            return _content_exists(connection, version_id)


def _content_exists(connection: Connection, version_id: str) -> bool:
    return (
        connection.scalar(
            select(VersionContentRow.version_id).where(
                col(VersionContentRow.version_id) == version_id
            )
        )
        is not None
    )


def _create_family(connection: Connection, kind: Kind, name: str) -> FamilyRecord:
    created_at = now_utc()
    family_id = cast(
        int,
        connection.execute(
            insert(FamilyRow)
            .values(kind=kind.value, name=name, created_at=created_at)
            .returning(col(FamilyRow.id))
        ).scalar_one(),
    )
    return FamilyRecord(
        id=family_id, kind=kind, name=name, head_id=None, description="", created_at=created_at
    )


def _move_head(connection: Connection, family_id: int, version_id: str) -> None:
    connection.execute(
        update(FamilyRow).where(col(FamilyRow.id) == family_id).values(head_id=version_id)
    )


def _insert_content(
    connection: Connection,
    kind: Kind,
    version_id: str,
    content_json: str,
    content: Content,
    row_records: list[tuple[str, int, str, str]] | None,
) -> None:
    # The same content may already be stored for another family; it is stored once.
    inserted = connection.exec_driver_sql(
        "INSERT INTO version_contents (version_id, kind, content_json) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (version_id, kind.value, content_json),
    ).rowcount
    if inserted and isinstance(content, DatasetContent) and content.rows:
        records = row_records or dataset_row_records(version_id, content)
        connection.exec_driver_sql(_INSERT_ROWS, records)


def _family_infos(
    connection: Connection, kind: Kind | None, family_id: int | None = None
) -> list[FamilyInfo]:
    head = select(VersionRow.number).where(
        col(VersionRow.family_id) == col(FamilyRow.id),
        col(VersionRow.version_id) == col(FamilyRow.head_id),
    )
    count = select(func.count()).where(col(VersionRow.family_id) == col(FamilyRow.id))
    query = select(
        FamilyRow,
        head.scalar_subquery().label("head_number"),
        count.scalar_subquery().label("version_count"),
    ).order_by(col(FamilyRow.kind), col(FamilyRow.name))
    label_query = select(LabelRow.family_id, LabelRow.name, VersionRow.number).join(
        VersionRow,
        (col(VersionRow.family_id) == col(LabelRow.family_id))
        & (col(VersionRow.version_id) == col(LabelRow.version_id)),
    )
    if kind is not None:
        query = query.where(col(FamilyRow.kind) == kind.value)
    if family_id is not None:
        query = query.where(col(FamilyRow.id) == family_id)
        label_query = label_query.where(col(LabelRow.family_id) == family_id)
    labels: dict[int, dict[str, int]] = {}
    for owner, label, number in connection.execute(label_query.order_by(col(LabelRow.name))):
        labels.setdefault(owner, {})[label] = number
    return [
        FamilyInfo(
            kind=Kind(row.kind),
            name=row.name,
            description=row.description,
            head_id=row.head_id,
            head_number=row.head_number,
            version_count=row.version_count,
            labels=labels.get(row.id, {}),
            created_at=row.created_at,
        )
        for row in connection.execute(query)
    ]
