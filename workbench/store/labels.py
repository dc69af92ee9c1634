"""Labels (``production``, ``staging``, custom) and their append-only audit trail.

Every move, creation or removal of a label appends a `LabelEvent`; nothing in the store updates
or deletes events, and triggers in the file refuse it too.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Connection, delete, insert
from sqlmodel import col, select

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import NAME_PATTERN, Kind
from workbench.store.connection import Database
from workbench.store.lookup import HEX_REF, NUMBER_REF, FamilyRecord, require_family
from workbench.store.tables import LabelEventRow, LabelRow, VersionRow, now_utc, to_db_time
from workbench.store.types import LabelEvent

_UPSERT_LABEL = """INSERT INTO labels (family_id, name, version_id, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (family_id, name) DO UPDATE SET
    version_id = excluded.version_id, updated_at = excluded.updated_at"""


def validate_label(label: str) -> str:
    """A label is a name that cannot be mistaken for ``vN`` or a hash prefix."""
    if not NAME_PATTERN.match(label):
        raise ValidationError(
            f"'{label}' is not a valid label: use lower-case letters, digits, '.', '_' and '-'"
        )
    if NUMBER_REF.match(label) or HEX_REF.match(label):
        raise ValidationError(
            f"'{label}' cannot be a label: it reads as a version number or a version id prefix"
        )
    return label


class LabelsMixin:
    """Labels on versions; mixed into `workbench.store.Store`."""

    _db: Database

    def set_label(
        self, kind: Kind, name: str, label: str, version_id: str, *, actor: str
    ) -> LabelEvent:
        """Point `label` at a version of family `name`, creating or moving it.

        Returns the event recorded; when the label already points there nothing is recorded and
        the label's latest event is returned.

        Raises:
            ValidationError: a malformed label or a blank actor.
            NotFoundError: unknown family, or `version_id` is not a version of this family.
        """
        kind = Kind(kind)
        validate_label(label)
        _require_actor(actor)
        with self._db.write() as connection:
            family = require_family(connection, kind, name)
            belongs = connection.scalar(
                select(VersionRow.pk).where(
                    col(VersionRow.family_id) == family.id,
                    col(VersionRow.version_id) == version_id,
                )
            )
            if belongs is None:
                raise NotFoundError(
                    f"cannot label {version_id[:12]}: it is not a version of {kind.value} '{name}'"
                )
            current = _label_target(connection, family.id, label)
            if current == version_id:
                latest = _events(connection, family, label=label)
                if latest:
                    return latest[-1]
            connection.exec_driver_sql(
                _UPSERT_LABEL, (family.id, label, version_id, to_db_time(now_utc()))
            )
            return _append_event(connection, family, label, current, version_id, actor)

    def remove_label(self, kind: Kind, name: str, label: str, *, actor: str) -> LabelEvent:
        """Remove `label` from family `name`, recording who did it."""
        kind = Kind(kind)
        _require_actor(actor)
        with self._db.write() as connection:
            family = require_family(connection, kind, name)
            current = _label_target(connection, family.id, label)
            if current is None:
                names = connection.scalars(
                    select(LabelRow.name)
                    .where(col(LabelRow.family_id) == family.id)
                    .order_by(col(LabelRow.name))
                ).all()
                raise NotFoundError(
                    f"{kind.value} '{name}' has no label '{label}'"
                    f" (labels: {', '.join(names) or 'none'})"
                )
            connection.execute(
                delete(LabelRow).where(
                    col(LabelRow.family_id) == family.id, col(LabelRow.name) == label
                )
            )
            return _append_event(connection, family, label, current, None, actor)

    def label_events(self, kind: Kind, name: str) -> list[LabelEvent]:
        """The family's label history, oldest first."""
        kind = Kind(kind)
        with self._db.read() as connection:
            family = require_family(connection, kind, name)
            return _events(connection, family)


def _require_actor(actor: str) -> None:
    if not actor.strip():
        raise ValidationError("a label change needs an actor: who is making it")


def _label_target(connection: Connection, family_id: int, label: str) -> str | None:
    return connection.scalar(
        select(LabelRow.version_id).where(
            col(LabelRow.family_id) == family_id, col(LabelRow.name) == label
        )
    )


def _append_event(
    connection: Connection,
    family: FamilyRecord,
    label: str,
    from_version_id: str | None,
    to_version_id: str | None,
    actor: str,
) -> LabelEvent:
    at = now_utc()
    event_id = cast(
        int,
        connection.execute(
            insert(LabelEventRow)
            .values(
                family_id=family.id,
                label=label,
                from_version_id=from_version_id,
                to_version_id=to_version_id,
                actor=actor,
                at=at,
            )
            .returning(col(LabelEventRow.id))
        ).scalar_one(),
    )
    return LabelEvent(
        id=event_id,
        kind=family.kind,
        family=family.name,
        label=label,
        from_version_id=from_version_id,
        to_version_id=to_version_id,
        actor=actor,
        at=at,
    )


def _events(
    connection: Connection, family: FamilyRecord, *, label: str | None = None
) -> list[LabelEvent]:
    query = (
        select(LabelEventRow)
        .where(col(LabelEventRow.family_id) == family.id)
        .order_by(col(LabelEventRow.id))
    )
    if label is not None:
        query = query.where(col(LabelEventRow.label) == label)
    return [
        LabelEvent(
            id=row.id,
            kind=family.kind,
            family=family.name,
            label=row.label,
            from_version_id=row.from_version_id,
            to_version_id=row.to_version_id,
            actor=row.actor,
            at=row.at,
        )
        for row in connection.execute(query)
    ]
