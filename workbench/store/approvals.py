"""Approved bundles, their labels and their append-only history.

A *bundle* is a prompt version, an optional persona version, a model config version and a rubric
version. An *approval* records one bundle under a name (``order-support``) with a number (1, 2,
…) and the evidence that justified it: the runs, the dataset version, that bundle's pass rate
and mean score, the reviewer, a note and, when the usual evidence was not met, the written
reason for overriding it.

Approvals are never changed or deleted (triggers in the file refuse it). Revoking one adds a
row to ``approval_revocations``, itself append-only. Bundle labels (``production``, ``staging``,
custom) point at approvals of the same bundle name and may move; every approval, label change
and revocation appends a `BundleEvent` to ``bundle_events``, which nobody can edit.

Addresses: ``NAME`` is the newest approval of bundle NAME that is not revoked, ``NAME@vN`` its
approval number N, ``NAME@LABEL`` the approval a label points at.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import Kind, validate_name
from workbench.store.connection import Database
from workbench.store.labels import validate_label
from workbench.store.tables import from_db_time, now_utc, to_db_time

BundleAction = Literal["approved", "label-set", "label-removed", "revoked"]
_NUMBER = re.compile(r"^v?(\d+)$")
_COLUMNS = (
    "id, bundle, number, prompt_id, prompt_family, persona_id, persona_family, model_id,"
    " model_family, rubric_id, rubric_family, dataset_id, run_ids_json, pass_rate, mean_score,"
    " min_pass_rate, evidence_json, override_reason, reviewer, note, approved_at"
)


class RunEvidence(BaseModel):
    """What one run says about the bundle: its column's figures under the rubric version.

    Attributes:
        column: the run column that is exactly this bundle (None when the run has no such
            column, which only an override accepts).
        judged: cells with a pass/fail verdict; errors and unscored cells are not counted.
        pass_interval: Wilson 95% interval of the pass rate, as (low, high).
    """

    model_config = ConfigDict(frozen=True)

    run_id: int
    run_name: str = ""
    status: str = ""
    dataset_id: str | None = None
    column: int | None = None
    column_label: str = ""
    cells: int = 0
    judged: int = 0
    passed: int = 0
    errors: int = 0
    pass_rate: float | None = None
    pass_interval: tuple[float, float] | None = None
    mean_score: float | None = None


class SimulationEvidence(BaseModel):
    """What one simulation run says about the bundle: its column's conversations.

    Attributes:
        outcome_rate: share of conversations (errors left out) that reached their outcome.
        outcome_interval: Wilson 95% interval of the outcome rate, as (low, high).
        pass_rate: share of conversations that passed every conversation check.
        drift_rate: share of conversations where the register drifted (tu/vous).
    """

    model_config = ConfigDict(frozen=True)

    simulation_id: int
    name: str = ""
    status: str = ""
    column: int | None = None
    column_label: str = ""
    conversations: int = 0
    errors: int = 0
    outcome_rate: float | None = None
    outcome_interval: tuple[float, float] | None = None
    pass_rate: float | None = None
    drift_rate: float | None = None
    loop_rate: float | None = None


class ApprovalEvidence(BaseModel):
    """Everything an approval was decided on.

    Attributes:
        runs: per-run figures for the bundle's column.
        pass_rate: passed / judged over all the runs together (None when nothing was judged).
        mean_score: mean rubric score over all judged cells.
        rubric_threshold: the rubric's per-cell pass threshold (a cell passes when its weighted
            score reaches it).
        min_pass_rate: the share of cells that had to pass for the bundle to be approved.
        unmet: the checks that failed and were overridden (empty when none was).
    """

    model_config = ConfigDict(frozen=True)

    runs: tuple[RunEvidence, ...] = ()
    simulations: tuple[SimulationEvidence, ...] = ()
    pass_rate: float | None = None
    mean_score: float | None = None
    judged: int = 0
    passed: int = 0
    rubric_threshold: float = 1.0
    min_pass_rate: float = 0.8
    unmet: tuple[str, ...] = ()


class BundleVersions(BaseModel):
    """The versions a bundle is made of, with the family each was chosen from."""

    model_config = ConfigDict(frozen=True)

    prompt_id: str
    prompt_family: str
    model_id: str
    model_family: str
    rubric_id: str
    rubric_family: str
    persona_id: str | None = None
    persona_family: str | None = None


class Revocation(BaseModel):
    """Why, by whom and when an approval was withdrawn."""

    model_config = ConfigDict(frozen=True)

    reason: str
    actor: str
    at: datetime


class Signoff(BaseModel):
    """A second person's sign-off on a proposed approval's recorded evidence."""

    model_config = ConfigDict(frozen=True)

    reviewer: str
    evidence_sha256: str
    note: str
    at: datetime


class Approval(BaseModel):
    """A stored approval of a bundle (immutable); `labels` and `revocation` are read beside it."""

    model_config = ConfigDict(frozen=True)

    id: int
    bundle: str
    number: int
    versions: BundleVersions
    dataset_id: str | None
    run_ids: tuple[int, ...]
    evidence: ApprovalEvidence
    override_reason: str | None
    reviewer: str
    note: str
    approved_at: datetime
    labels: tuple[str, ...] = ()
    revocation: Revocation | None = None
    requires_reviewer: bool = False
    signoff: Signoff | None = None

    @property
    def awaiting_review(self) -> bool:
        """Proposed for review and not yet signed off by another person: not approved yet."""
        return self.requires_reviewer and self.signoff is None

    @property
    def ref(self) -> str:
        """The approval's address, ``order-support@v2``."""
        return f"{self.bundle}@v{self.number}"

    @property
    def revoked(self) -> bool:
        """Whether the approval has been withdrawn."""
        return self.revocation is not None


class BundleEvent(BaseModel):
    """One entry of the append-only bundle history."""

    model_config = ConfigDict(frozen=True)

    id: int
    bundle: str
    action: BundleAction
    label: str | None = None
    approval_number: int | None = None
    from_approval_number: int | None = None
    reason: str = ""
    actor: str
    at: datetime


class ApprovalDraft(BaseModel):
    """What `ApprovalsMixin.record_approval` stores; the evidence is computed by the caller."""

    model_config = ConfigDict(frozen=True)

    bundle: str
    versions: BundleVersions
    dataset_id: str | None = None
    run_ids: tuple[int, ...] = ()
    evidence: ApprovalEvidence = Field(default_factory=ApprovalEvidence)
    override_reason: str | None = None
    note: str = ""


class ApprovalsMixin:
    """Approvals, bundle labels and the bundle history; mixed into `workbench.store.Store`."""

    _db: Database

    def record_approval(
        self,
        draft: ApprovalDraft,
        *,
        reviewer: str,
        approved_at: datetime | None = None,
        requires_reviewer: bool = False,
    ) -> Approval:
        """Store a new approval of `draft.bundle`, numbered after the bundle's last one.

        With `requires_reviewer` it is a proposal by `reviewer`: it counts (labels, exports)
        only once someone else signs it off (`sign_off_approval`).

        Raises:
            ValidationError: a bad bundle name, a blank reviewer, a version of the wrong kind or
                not in the family named, or an override reason that is blank.
            NotFoundError: a version or run that is not stored.
        """
        validate_name(draft.bundle)
        _require_actor(reviewer, "an approval needs a reviewer")
        if draft.override_reason is not None and not draft.override_reason.strip():
            raise ValidationError("an override needs a written reason; it is blank")
        at = approved_at or now_utc()
        with self._db.write() as connection:
            _check_versions(connection, draft)
            for run_id in draft.run_ids:
                found = connection.exec_driver_sql("SELECT 1 FROM runs WHERE id = ?", (run_id,))
                if found.first() is None:
                    raise NotFoundError(f"no run with id {run_id}")
            number = 1 + int(
                connection.exec_driver_sql(
                    "SELECT coalesce(max(number), 0) FROM approvals WHERE bundle = ?",
                    (draft.bundle,),
                ).scalar_one()
            )
            versions = draft.versions
            evidence = draft.evidence
            approval_id = int(
                connection.exec_driver_sql(
                    f"INSERT INTO approvals ({_COLUMNS.removeprefix('id, ')}, requires_reviewer)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " RETURNING id",
                    (
                        draft.bundle,
                        number,
                        versions.prompt_id,
                        versions.prompt_family,
                        versions.persona_id,
                        versions.persona_family,
                        versions.model_id,
                        versions.model_family,
                        versions.rubric_id,
                        versions.rubric_family,
                        draft.dataset_id,
                        json.dumps(list(draft.run_ids)),
                        evidence.pass_rate,
                        evidence.mean_score,
                        evidence.min_pass_rate,
                        evidence.model_dump_json(),
                        draft.override_reason,
                        reviewer,
                        draft.note,
                        to_db_time(at),
                        1 if requires_reviewer else 0,
                    ),
                ).scalar_one()
            )
            _append_event(
                connection,
                draft.bundle,
                "approved",
                approval_id=approval_id,
                reason=draft.override_reason or "",
                actor=reviewer,
                at=at,
            )
            return _load_approval(connection, approval_id)

    def sign_off_approval(self, ref: str, *, reviewer: str, note: str = "") -> Approval:
        """Sign off a proposed approval on its recorded evidence; it then counts as approved.

        Raises:
            ValidationError: a blank reviewer, the proposer signing their own proposal, an
                approval not proposed for review, already signed off, or revoked.
            NotFoundError: no such approval.
        """
        _require_actor(reviewer, "a sign-off needs a reviewer: who is signing")
        with self._db.write() as connection:
            approval = _load_approval(connection, _resolve(connection, ref))
            if not approval.requires_reviewer:
                raise ValidationError(
                    f"{approval.ref} was not proposed for review: it is approved already"
                )
            if approval.signoff is not None:
                raise ValidationError(
                    f"{approval.ref} was already signed off by {approval.signoff.reviewer}"
                )
            if approval.revocation is not None:
                raise ValidationError(f"cannot sign off {approval.ref}: it was revoked")
            if reviewer.strip().casefold() == approval.reviewer.strip().casefold():
                raise ValidationError(
                    f"{approval.ref} was proposed by {approval.reviewer}: it is awaiting review"
                    " by another person (set your name with workbench init --user NAME, or in"
                    " the app under Workspace > Shared store…)"
                )
            evidence_json = connection.exec_driver_sql(
                "SELECT evidence_json FROM approvals WHERE id = ?", (approval.id,)
            ).scalar_one()
            connection.exec_driver_sql(
                "INSERT INTO approval_signoffs (approval_id, reviewer, evidence_sha256, note, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    approval.id,
                    reviewer,
                    hashlib.sha256(str(evidence_json).encode()).hexdigest(),
                    note,
                    to_db_time(now_utc()),
                ),
            )
            return _load_approval(connection, approval.id)

    def get_approval(self, ref: str) -> Approval:
        """The approval at ``NAME``, ``NAME@vN`` or ``NAME@LABEL`` (see the module docstring)."""
        with self._db.read() as connection:
            return _load_approval(connection, _resolve(connection, ref))

    def list_approvals(self, bundle: str | None = None) -> list[Approval]:
        """Approvals, by bundle name then number (revoked ones included, marked)."""
        with self._db.read() as connection:
            query = "SELECT id FROM approvals"
            params: tuple[Any, ...] = ()
            if bundle is not None:
                query += " WHERE bundle = ?"
                params = (bundle,)
            ids = connection.exec_driver_sql(query + " ORDER BY bundle, number", params).all()
            return [_load_approval(connection, approval_id) for (approval_id,) in ids]

    def revoke_approval(self, ref: str, *, reason: str, actor: str) -> BundleEvent:
        """Withdraw an approval; labels pointing at it are removed (each removal logged).

        Raises:
            ValidationError: a blank reason or actor, or an approval already revoked.
        """
        _require_actor(actor, "a revocation needs an actor: who is revoking")
        if not reason.strip():
            raise ValidationError("a revocation needs a written reason; it is blank")
        at = now_utc()
        with self._db.write() as connection:
            approval = _load_approval(connection, _resolve(connection, ref))
            if approval.revocation is not None:
                raise ValidationError(
                    f"{approval.ref} was already revoked by {approval.revocation.actor}"
                    f" on {approval.revocation.at:%Y-%m-%d}: {approval.revocation.reason}"
                )
            connection.exec_driver_sql(
                "INSERT INTO approval_revocations (approval_id, reason, actor, at)"
                " VALUES (?, ?, ?, ?)",
                (approval.id, reason, actor, to_db_time(at)),
            )
            for label in approval.labels:
                connection.exec_driver_sql(
                    "DELETE FROM bundle_labels WHERE bundle = ? AND label = ?",
                    (approval.bundle, label),
                )
                _append_event(
                    connection,
                    approval.bundle,
                    "label-removed",
                    label=label,
                    from_approval_id=approval.id,
                    reason=f"{approval.ref} revoked: {reason}",
                    actor=actor,
                    at=at,
                )
            return _append_event(
                connection,
                approval.bundle,
                "revoked",
                approval_id=approval.id,
                reason=reason,
                actor=actor,
                at=at,
            )

    def set_bundle_label(
        self, ref: str, label: str, *, actor: str, reason: str = ""
    ) -> BundleEvent:
        """Point `label` of the bundle at the approval `ref`, creating or moving it.

        When the label already points there nothing is recorded and its latest event is
        returned.

        Raises:
            ValidationError: a malformed label, a blank actor, or a revoked approval.
        """
        validate_label(label)
        _require_actor(actor, "a label change needs an actor: who is making it")
        with self._db.write() as connection:
            approval = _load_approval(connection, _resolve(connection, ref))
            if approval.revocation is not None:
                raise ValidationError(
                    f"cannot label {approval.ref}: it was revoked ({approval.revocation.reason})"
                )
            if approval.awaiting_review:
                raise ValidationError(
                    f"cannot label {approval.ref}: it is awaiting review by another person"
                    f" than {approval.reviewer} (workbench approvals sign-off {approval.ref})"
                )
            current = _label_target(connection, approval.bundle, label)
            if current == approval.id:
                return _events(connection, approval.bundle, label=label)[-1]
            connection.exec_driver_sql(
                "INSERT INTO bundle_labels (bundle, label, approval_id, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (bundle, label) DO UPDATE SET"
                " approval_id = excluded.approval_id, updated_at = excluded.updated_at",
                (approval.bundle, label, approval.id, to_db_time(now_utc())),
            )
            return _append_event(
                connection,
                approval.bundle,
                "label-set",
                label=label,
                approval_id=approval.id,
                from_approval_id=current,
                reason=reason,
                actor=actor,
            )

    def remove_bundle_label(
        self, bundle: str, label: str, *, actor: str, reason: str = ""
    ) -> BundleEvent:
        """Remove a bundle label, recording who did it and why."""
        _require_actor(actor, "a label change needs an actor: who is making it")
        with self._db.write() as connection:
            current = _label_target(connection, bundle, label)
            if current is None:
                names = ", ".join(name for name, _ in _labels(connection, bundle)) or "none"
                raise NotFoundError(f"bundle '{bundle}' has no label '{label}' (labels: {names})")
            connection.exec_driver_sql(
                "DELETE FROM bundle_labels WHERE bundle = ? AND label = ?", (bundle, label)
            )
            return _append_event(
                connection,
                bundle,
                "label-removed",
                label=label,
                from_approval_id=current,
                reason=reason,
                actor=actor,
            )

    def bundle_labels(self, bundle: str) -> dict[str, int]:
        """Label → approval number, for one bundle name."""
        with self._db.read() as connection:
            return dict(_labels(connection, bundle))

    def bundle_history(self, bundle: str | None = None) -> list[BundleEvent]:
        """The bundle history (all bundles when None), oldest first."""
        with self._db.read() as connection:
            return _events(connection, bundle)


def _require_actor(actor: str, message: str) -> None:
    if not actor.strip():
        raise ValidationError(message)


def _check_versions(connection: Connection, draft: ApprovalDraft) -> None:
    versions = draft.versions
    wanted: list[tuple[Kind, str | None, str | None]] = [
        (Kind.PROMPT, versions.prompt_id, versions.prompt_family),
        (Kind.PERSONA, versions.persona_id, versions.persona_family),
        (Kind.MODEL, versions.model_id, versions.model_family),
        (Kind.RUBRIC, versions.rubric_id, versions.rubric_family),
        (Kind.DATASET, draft.dataset_id, None),
    ]
    for kind, version_id, family in wanted:
        if version_id is None:
            if family is not None:
                raise ValidationError(f"a {kind.value} family is named without a version")
            continue
        row = connection.exec_driver_sql(
            "SELECT kind FROM version_contents WHERE version_id = ?", (version_id,)
        ).first()
        if row is None:
            raise NotFoundError(f"{kind.value} version {version_id[:12]} is not stored")
        if row[0] != kind.value:
            raise ValidationError(
                f"version {version_id[:12]} is a {row[0]}, given as the bundle's {kind.value}"
            )
        if family is None:
            if kind is not Kind.DATASET:
                raise ValidationError(f"the bundle's {kind.value} needs its family name")
            continue
        member = connection.exec_driver_sql(
            "SELECT 1 FROM versions JOIN families ON families.id = versions.family_id"
            " WHERE families.kind = ? AND families.name = ? AND versions.version_id = ?",
            (kind.value, family, version_id),
        ).first()
        if member is None:
            raise ValidationError(
                f"{kind.value} version {version_id[:12]} is not a version of '{family}'"
            )


def _resolve(connection: Connection, ref: str) -> int:
    name, _, part = ref.strip().partition("@")
    if not name:
        raise ValidationError(f"'{ref}' is not a bundle NAME, NAME@vN or NAME@LABEL address")
    numbers = connection.exec_driver_sql(
        "SELECT number FROM approvals WHERE bundle = ? ORDER BY number", (name,)
    ).all()
    if not numbers:
        names = [n for (n,) in connection.exec_driver_sql("SELECT DISTINCT bundle FROM approvals")]
        listed = ", ".join(sorted(names)) or "none yet"
        raise NotFoundError(f"no approved bundle named '{name}' (approved bundles: {listed})")
    if not part:
        found = connection.exec_driver_sql(
            "SELECT id FROM approvals WHERE bundle = ? AND id NOT IN"
            " (SELECT approval_id FROM approval_revocations) ORDER BY number DESC LIMIT 1",
            (name,),
        ).first()
        if found is None:
            raise NotFoundError(f"every approval of bundle '{name}' has been revoked")
        return int(found[0])
    match = _NUMBER.match(part)
    if match:
        found = connection.exec_driver_sql(
            "SELECT id FROM approvals WHERE bundle = ? AND number = ?",
            (name, int(match.group(1))),
        ).first()
    else:
        found = connection.exec_driver_sql(
            "SELECT approval_id FROM bundle_labels WHERE bundle = ? AND label = ?", (name, part)
        ).first()
    if found is None:
        labels = ", ".join(f"{label} → v{number}" for label, number in _labels(connection, name))
        shown = ", ".join(f"v{n}" for (n,) in numbers)
        raise NotFoundError(
            f"bundle '{name}' has no approval '{part}' (approvals: {shown};"
            f" labels: {labels or 'none'})"
        )
    return int(found[0])


def _labels(connection: Connection, bundle: str) -> Sequence[tuple[str, int]]:
    rows = connection.exec_driver_sql(
        "SELECT bundle_labels.label, approvals.number FROM bundle_labels"
        " JOIN approvals ON approvals.id = bundle_labels.approval_id"
        " WHERE bundle_labels.bundle = ? ORDER BY bundle_labels.label",
        (bundle,),
    ).all()
    return [(str(label), int(number)) for label, number in rows]


def _label_target(connection: Connection, bundle: str, label: str) -> int | None:
    row = connection.exec_driver_sql(
        "SELECT approval_id FROM bundle_labels WHERE bundle = ? AND label = ?", (bundle, label)
    ).first()
    return None if row is None else int(row[0])


def _load_approval(connection: Connection, approval_id: int) -> Approval:
    row = connection.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM approvals WHERE id = ?", (approval_id,)
    ).first()
    if row is None:
        raise NotFoundError(f"no approval with id {approval_id}")
    labels = connection.exec_driver_sql(
        "SELECT label FROM bundle_labels WHERE approval_id = ? ORDER BY label", (approval_id,)
    ).all()
    revoked = connection.exec_driver_sql(
        "SELECT reason, actor, at FROM approval_revocations WHERE approval_id = ?",
        (approval_id,),
    ).first()
    extra = connection.exec_driver_sql(
        "SELECT a.requires_reviewer, s.reviewer, s.evidence_sha256, s.note, s.at"
        " FROM approvals a LEFT JOIN approval_signoffs s ON s.approval_id = a.id WHERE a.id = ?",
        (approval_id,),
    ).one()
    return Approval(
        requires_reviewer=bool(extra[0]),
        signoff=None
        if extra[1] is None
        else Signoff(
            reviewer=extra[1], evidence_sha256=extra[2], note=extra[3], at=from_db_time(extra[4])
        ),
        id=row.id,
        bundle=row.bundle,
        number=row.number,
        versions=BundleVersions(
            prompt_id=row.prompt_id,
            prompt_family=row.prompt_family,
            persona_id=row.persona_id,
            persona_family=row.persona_family,
            model_id=row.model_id,
            model_family=row.model_family,
            rubric_id=row.rubric_id,
            rubric_family=row.rubric_family,
        ),
        dataset_id=row.dataset_id,
        run_ids=tuple(json.loads(row.run_ids_json)),
        evidence=ApprovalEvidence.model_validate_json(row.evidence_json),
        override_reason=row.override_reason,
        reviewer=row.reviewer,
        note=row.note,
        approved_at=from_db_time(row.approved_at),
        labels=tuple(label for (label,) in labels),
        revocation=None
        if revoked is None
        else Revocation(reason=revoked[0], actor=revoked[1], at=from_db_time(revoked[2])),
    )


def _append_event(
    connection: Connection,
    bundle: str,
    action: BundleAction,
    *,
    actor: str,
    label: str | None = None,
    approval_id: int | None = None,
    from_approval_id: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> BundleEvent:
    event_id = int(
        connection.exec_driver_sql(
            "INSERT INTO bundle_events (bundle, action, label, approval_id, from_approval_id,"
            " reason, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                bundle,
                action,
                label,
                approval_id,
                from_approval_id,
                reason,
                actor,
                to_db_time(at or now_utc()),
            ),
        ).scalar_one()
    )
    return _events(connection, bundle, event_id=event_id)[0]


def _events(
    connection: Connection,
    bundle: str | None,
    *,
    label: str | None = None,
    event_id: int | None = None,
) -> list[BundleEvent]:
    query = (
        "SELECT e.id, e.bundle, e.action, e.label, a.number, f.number, e.reason, e.actor, e.at"
        " FROM bundle_events e LEFT JOIN approvals a ON a.id = e.approval_id"
        " LEFT JOIN approvals f ON f.id = e.from_approval_id WHERE 1 = 1"
    )
    params: list[Any] = []
    for clause, value in (("e.bundle = ?", bundle), ("e.label = ?", label), ("e.id = ?", event_id)):
        if value is not None:
            query += f" AND {clause}"
            params.append(value)
    rows = connection.exec_driver_sql(query + " ORDER BY e.id", tuple(params)).all()
    return [
        BundleEvent(
            id=row[0],
            bundle=row[1],
            action=row[2],
            label=row[3],
            approval_number=row[4],
            from_approval_number=row[5],
            reason=row[6],
            actor=row[7],
            at=from_db_time(row[8]),
        )
        for row in rows
    ]
