"""Approving a bundle on the evidence of scored runs, for the CLI and the GUI alike.

The rule: a bundle (prompt + optional persona + model config + rubric versions) is approved
when at least one finished run has a column that is *exactly* that bundle, scored with that
rubric version, and the share of that column's judged cells that pass reaches `min_pass_rate`
(0.8 unless the approver says otherwise). The rubric's own ``threshold`` is per cell: a cell
passes when its weighted score reaches it; `min_pass_rate` is how many cells must pass. Errored
and unscored cells are not judged, so they neither pass nor fail. Over several runs the figures
are pooled (passed / judged over all of them) and every run must be finished.

When a check is not met the approval is refused with every unmet check listed, unless the
approver writes an override reason; the reason and the unmet checks are kept with the approval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbench.app.scoring import column_report
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import Kind, RubricContent, Version
from workbench.core.runs import RunInfo, RunStatus
from workbench.store import Store
from workbench.store.approvals import (
    Approval,
    ApprovalDraft,
    ApprovalEvidence,
    BundleVersions,
    RunEvidence,
)

DEFAULT_MIN_PASS_RATE = 0.8
MIN_OVERRIDE_REASON = 10  # characters: "ok" or "x" is not a reason anyone can audit later


@dataclass(frozen=True)
class ApprovalRequest:
    """What the approver asks for; versions are ``NAME@REF`` addresses.

    Attributes:
        bundle: the bundle's name (approvals of one name are numbered 1, 2, …).
        min_pass_rate: the share of judged cells that must pass (0..1).
        override_reason: written reason to approve although a check is not met.
    """

    bundle: str
    prompt: str
    model: str
    rubric: str
    persona: str | None = None
    run_ids: tuple[int, ...] = ()
    note: str = ""
    override_reason: str | None = None
    min_pass_rate: float = DEFAULT_MIN_PASS_RATE
    require_reviewer: bool = False


@dataclass(frozen=True)
class ResolvedBundle:
    """The versions of a request, resolved in the store."""

    prompt: Version
    persona: Version | None
    model: Version
    rubric: Version

    @property
    def versions(self) -> BundleVersions:
        """The ids and families the store records."""
        return BundleVersions(
            prompt_id=self.prompt.id,
            prompt_family=self.prompt.family,
            persona_id=self.persona.id if self.persona else None,
            persona_family=self.persona.family if self.persona else None,
            model_id=self.model.id,
            model_family=self.model.family,
            rubric_id=self.rubric.id,
            rubric_family=self.rubric.family,
        )


def resolve_bundle(store: Store, request: ApprovalRequest) -> ResolvedBundle:
    """Resolve the request's ``NAME@REF`` addresses (NotFoundError names what is missing)."""
    return ResolvedBundle(
        prompt=store.resolve(Kind.PROMPT, request.prompt),
        persona=store.resolve(Kind.PERSONA, request.persona) if request.persona else None,
        model=store.resolve(Kind.MODEL, request.model),
        rubric=store.resolve(Kind.RUBRIC, request.rubric),
    )


def gather_evidence(
    store: Store, bundle: ResolvedBundle, run_ids: Sequence[int], *, min_pass_rate: float
) -> ApprovalEvidence:
    """The figures of the bundle's column in each run, pooled, with the unmet checks listed."""
    if not 0.0 <= min_pass_rate <= 1.0:
        raise ValidationError(
            f"the minimum pass rate is a share between 0 and 1, not {min_pass_rate}"
        )
    rubric = bundle.rubric.content
    assert isinstance(rubric, RubricContent)
    unmet: list[str] = []
    if not run_ids:
        unmet.append("no run was given as evidence")
    runs = [_run_evidence(store, store.get_run(run_id), bundle, unmet) for run_id in run_ids]
    judged = sum(r.judged for r in runs)
    passed = sum(r.passed for r in runs)
    pass_rate = passed / judged if judged else None
    scores = [r.mean_score * r.judged for r in runs if r.mean_score is not None]
    scored = sum(r.judged for r in runs if r.mean_score is not None)
    mean_score = sum(scores) / scored if scored else None
    if runs and judged == 0:
        unmet.append("no cell of the bundle's column has a pass/fail verdict")
    if pass_rate is not None and pass_rate < min_pass_rate:
        unmet.append(
            f"pass rate {pass_rate:.1%} ({passed}/{judged}) is below the required"
            f" {min_pass_rate:.0%}"
        )
    return ApprovalEvidence(
        runs=tuple(runs),
        pass_rate=pass_rate,
        mean_score=mean_score,
        judged=judged,
        passed=passed,
        rubric_threshold=rubric.threshold,
        min_pass_rate=min_pass_rate,
        unmet=tuple(unmet),
    )


def approve_bundle(store: Store, request: ApprovalRequest, *, reviewer: str) -> Approval:
    """Check the evidence and record the approval.

    Raises:
        ValidationError: a check is not met and no override reason is given (every unmet check
            is listed), or the override reason is too short to mean anything.
        NotFoundError: a version or run does not exist.
    """
    reason = request.override_reason.strip() if request.override_reason is not None else None
    if reason is not None and len(reason) < MIN_OVERRIDE_REASON:
        raise ValidationError(
            f"an override reason must say why in at least {MIN_OVERRIDE_REASON} characters"
            f" (got {reason!r})"
        )
    bundle = resolve_bundle(store, request)
    evidence = gather_evidence(store, bundle, request.run_ids, min_pass_rate=request.min_pass_rate)
    if evidence.unmet and reason is None:
        listed = "\n".join(f"  - {item}" for item in evidence.unmet)
        raise ValidationError(
            f"cannot approve '{request.bundle}':\n{listed}\n"
            "Fix the evidence, or approve anyway with a written override reason"
            " (--override-reason), which is kept with the approval."
        )
    dataset_ids = [r.dataset_id for r in evidence.runs if r.dataset_id]
    draft = ApprovalDraft(
        bundle=request.bundle,
        versions=bundle.versions,
        dataset_id=dataset_ids[0] if dataset_ids else None,
        run_ids=tuple(request.run_ids),
        evidence=evidence,
        override_reason=reason,
        note=request.note,
    )
    return store.record_approval(
        draft, reviewer=reviewer, requires_reviewer=request.require_reviewer
    )


def sign_off_bundle(store: Store, ref: str, *, reviewer: str, note: str = "") -> Approval:
    """Sign off an approval proposed for review (someone other than its proposer).

    Raises:
        ValidationError: the proposer signing, not proposed, already signed, or revoked.
        NotFoundError: no such approval.
    """
    return store.sign_off_approval(ref, reviewer=reviewer, note=note)


def _run_evidence(
    store: Store, run: RunInfo, bundle: ResolvedBundle, unmet: list[str]
) -> RunEvidence:
    base = RunEvidence(
        run_id=run.id, run_name=run.name, status=run.status.value, dataset_id=run.spec.dataset_id
    )
    if run.status is not RunStatus.FINISHED:
        unmet.append(f"run {run.id} is {run.status.value}, not finished")
    wanted = (bundle.prompt.id, bundle.persona.id if bundle.persona else None, bundle.model.id)
    column = next(
        (c for c in run.columns if (c.prompt_id, c.persona_id, c.model_id) == wanted), None
    )
    if column is None:
        listed = "; ".join(c.label for c in run.columns)
        unmet.append(f"run {run.id} has no column with exactly this bundle (columns: {listed})")
        return base
    try:
        reports = column_report(store, run.id, bundle.rubric.id)
    except NotFoundError:
        unmet.append(
            f"run {run.id} is not scored with rubric {bundle.rubric.ref}"
            f" (score it: workbench score {run.id} --rubric {bundle.rubric.ref})"
        )
        return base.model_copy(update={"column": column.index, "column_label": column.label})
    stats = next(r.stats for r in reports if r.column.index == column.index)
    interval = stats.pass_interval
    return base.model_copy(
        update={
            "column": column.index,
            "column_label": column.label,
            "cells": stats.cells,
            "judged": stats.judged,
            "passed": stats.passed,
            "errors": stats.errors,
            "pass_rate": stats.pass_rate,
            "pass_interval": None if interval is None else (interval.low, interval.high),
            "mean_score": stats.mean_score,
        }
    )
