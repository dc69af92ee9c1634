"""``approve``, ``approvals list|show|revoke`` and ``bundle-label``.

An approval needs a finished run of the bundle, scored with the rubric version, whose pass rate
reaches ``--min-pass-rate`` (0.8 by default); ``--override-reason`` approves anyway and keeps the
reason. Register these commands on the root app with `register`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from workbench.app.approvals import (
    DEFAULT_MIN_PASS_RATE,
    ApprovalRequest,
    approve_bundle,
    sign_off_bundle,
)
from workbench.app.records import Approval, BundleEvent
from workbench.cli.context import note, print_json, services, stdout, table
from workbench.cli.families import JsonOption

approvals_app = typer.Typer(
    help="Approved bundles: list, show, sign off, revoke.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add ``approve``, ``approvals`` and ``bundle-label`` to the root command."""
    app.command("approve")(approve)
    app.add_typer(approvals_app, name="approvals")
    app.command("bundle-label")(bundle_label)


def approval_json(approval: Approval, events: list[BundleEvent] | None = None) -> dict[str, Any]:
    """An approval as JSON (with the bundle's history when `events` is given)."""
    data: dict[str, Any] = {
        "ref": approval.ref,
        "bundle": approval.bundle,
        "number": approval.number,
        "versions": approval.versions.model_dump(),
        "dataset_id": approval.dataset_id,
        "run_ids": list(approval.run_ids),
        "evidence": approval.evidence.model_dump(mode="json"),
        "override_reason": approval.override_reason,
        "reviewer": approval.reviewer,
        "note": approval.note,
        "approved_at": approval.approved_at.isoformat(),
        "labels": list(approval.labels),
        "revocation": approval.revocation.model_dump(mode="json") if approval.revocation else None,
        "requires_reviewer": approval.requires_reviewer,
        "awaiting_review": approval.awaiting_review,
        "signoff": approval.signoff.model_dump(mode="json") if approval.signoff else None,
    }
    if events is not None:
        data["history"] = [event.model_dump(mode="json") for event in events]
    return data


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def approve(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Bundle name (approvals of a name are numbered).")],
    prompt: Annotated[str, typer.Option("--prompt", help="Prompt NAME@VERSION.")],
    model: Annotated[str, typer.Option("--model", help="Model config NAME@VERSION.")],
    rubric: Annotated[str, typer.Option("--rubric", help="Rubric NAME@VERSION.")],
    persona: Annotated[
        str | None, typer.Option("--persona", help="Persona NAME@VERSION (optional).")
    ] = None,
    run: Annotated[
        list[int] | None, typer.Option("--run", help="Run id with the evidence, repeatable.")
    ] = None,
    note_text: Annotated[str, typer.Option("--note", help="Why this bundle is approved.")] = "",
    override_reason: Annotated[
        str | None,
        typer.Option("--override-reason", help="Approve although a check fails; kept on record."),
    ] = None,
    min_pass_rate: Annotated[
        float,
        typer.Option(
            "--min-pass-rate",
            help="Share of judged cells that must pass (the rubric threshold is per cell).",
            min=0.0,
            max=1.0,
        ),
    ] = DEFAULT_MIN_PASS_RATE,
    require_reviewer: Annotated[
        bool,
        typer.Option(
            "--require-reviewer",
            help="Only propose: the bundle counts as approved once someone else signs it off"
            " (workbench approvals sign-off NAME@vN).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Approve a bundle on the evidence of a scored run."""
    svc = services(ctx)
    request = ApprovalRequest(
        bundle=name,
        prompt=prompt,
        persona=persona,
        model=model,
        rubric=rubric,
        run_ids=tuple(run or ()),
        note=note_text,
        override_reason=override_reason,
        min_pass_rate=min_pass_rate,
        require_reviewer=require_reviewer,
    )
    approval = approve_bundle(svc.store, request, reviewer=svc.current_author())
    if as_json:
        print_json(approval_json(approval))
        return
    evidence = approval.evidence
    if approval.awaiting_review:
        note(
            f"Proposed {approval.ref} (by {approval.reviewer}): awaiting review by another"
            f" person — workbench approvals sign-off {approval.ref}"
        )
    note(
        f"Approved {approval.ref}: pass rate {_rate(evidence.pass_rate)}"
        f" ({evidence.passed}/{evidence.judged}, required {evidence.min_pass_rate:.0%})."
    )
    if approval.override_reason:
        note(f"Overridden ({approval.override_reason}): " + "; ".join(evidence.unmet))


@approvals_app.command("list")
def list_approvals(
    ctx: typer.Context,
    bundle: Annotated[str | None, typer.Option("--bundle", help="Only this bundle.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List approvals, revoked ones marked."""
    approvals = services(ctx).store.list_approvals(bundle)
    if as_json:
        print_json([approval_json(a) for a in approvals])
        return
    if not approvals:
        note("No approved bundle yet. Approve one with: workbench approve ... NAME")
        return
    out = table("approval", "prompt · persona · model · rubric", "pass rate", "labels", "state")
    for approval in approvals:
        ids = approval.versions
        parts = [ids.prompt_family, ids.persona_family, ids.model_family, ids.rubric_family]
        state = (
            "revoked"
            if approval.revoked
            else "awaiting review"
            if approval.awaiting_review
            else "overridden"
            if approval.override_reason
            else ""
        )
        out.add_row(
            approval.ref,
            " · ".join(p for p in parts if p),
            _rate(approval.evidence.pass_rate),
            ", ".join(approval.labels),
            state,
        )
    stdout.print(out)


@approvals_app.command("show")
def show_approval(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="NAME, NAME@vN or NAME@LABEL.")],
    as_json: JsonOption = False,
) -> None:
    """Show an approval: versions, evidence, labels and the bundle's history."""
    store = services(ctx).store
    approval = store.get_approval(ref)
    events = store.bundle_history(approval.bundle)
    if as_json:
        print_json(approval_json(approval, events))
        return
    ids = approval.versions
    stdout.print(
        f"[bold]{approval.ref}[/bold]  approved by {approval.reviewer}"
        f" on {approval.approved_at:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    for kind, family, version_id in (
        ("prompt", ids.prompt_family, ids.prompt_id),
        ("persona", ids.persona_family, ids.persona_id),
        ("model", ids.model_family, ids.model_id),
        ("rubric", ids.rubric_family, ids.rubric_id),
    ):
        if version_id:
            stdout.print(f"  {kind:8} {family} {version_id[:12]}", highlight=False)
    evidence = approval.evidence
    stdout.print(
        f"  evidence: runs {', '.join(map(str, approval.run_ids)) or 'none'}, pass rate"
        f" {_rate(evidence.pass_rate)} ({evidence.passed}/{evidence.judged}), required"
        f" {evidence.min_pass_rate:.0%}, rubric threshold per cell {evidence.rubric_threshold}",
        highlight=False,
    )
    if approval.note:
        stdout.print(f"  note: {approval.note}", highlight=False)
    if approval.override_reason:
        stdout.print(f"  override: {approval.override_reason}", highlight=False)
        for item in evidence.unmet:
            stdout.print(f"    unmet: {item}", highlight=False)
    if approval.labels:
        stdout.print(f"  labels: {', '.join(approval.labels)}", highlight=False)
    if approval.awaiting_review:
        stdout.print(
            f"  AWAITING REVIEW by another person than {approval.reviewer}:"
            f" workbench approvals sign-off {approval.ref}",
            highlight=False,
        )
    if approval.signoff:
        signoff = approval.signoff
        remark = f": {signoff.note}" if signoff.note else ""
        stdout.print(
            f"  signed off by {signoff.reviewer} on {signoff.at:%Y-%m-%d %H:%M} UTC"
            f" (evidence sha256 {signoff.evidence_sha256[:12]}){remark}",
            highlight=False,
        )
    if approval.revocation:
        revocation = approval.revocation
        stdout.print(
            f"  REVOKED by {revocation.actor} on {revocation.at:%Y-%m-%d}: {revocation.reason}",
            highlight=False,
        )
    out = table("when", "action", "label", "approval", "by", "reason", title="history")
    for event in events:
        moved = event.approval_number or event.from_approval_number
        out.add_row(
            f"{event.at:%Y-%m-%d %H:%M}",
            event.action,
            event.label or "",
            f"v{moved}" if moved else "",
            event.actor,
            event.reason,
        )
    stdout.print(out)


@approvals_app.command("sign-off")
def sign_off(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="NAME@vN of a bundle proposed for review.")],
    note_text: Annotated[str, typer.Option("--note", help="What you checked.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Sign off a bundle someone else proposed (approve --require-reviewer); it then counts."""
    svc = services(ctx)
    approval = sign_off_bundle(svc.store, ref, reviewer=svc.current_author(), note=note_text)
    if as_json:
        print_json(approval_json(approval))
        return
    note(
        f"Signed off {approval.ref} (proposed by {approval.reviewer}): it is approved,"
        f" pass rate {_rate(approval.evidence.pass_rate)}."
    )


@approvals_app.command("revoke")
def revoke(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="NAME@vN or NAME@LABEL.")],
    reason: Annotated[str, typer.Option("--reason", help="Why; kept in the history.")],
) -> None:
    """Revoke an approval (its labels are removed; the record stays)."""
    svc = services(ctx)
    event = svc.store.revoke_approval(ref, reason=reason, actor=svc.current_author())
    note(f"Revoked {event.bundle}@v{event.approval_number}.")


def bundle_label(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Approval NAME, NAME@vN or NAME@LABEL.")],
    label: Annotated[str, typer.Argument(help="production, staging or your own label.")],
    remove: Annotated[bool, typer.Option("--remove", help="Remove the label.")] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why; kept in the history.")] = "",
) -> None:
    """Point a bundle label at an approval (or remove it); every move is logged."""
    svc = services(ctx)
    if remove:
        bundle = ref.partition("@")[0]
        svc.store.remove_bundle_label(bundle, label, actor=svc.current_author(), reason=reason)
        note(f"Removed label '{label}' from bundle '{bundle}'.")
        return
    event = svc.store.set_bundle_label(ref, label, actor=svc.current_author(), reason=reason)
    note(f"{event.bundle}@{label} → v{event.approval_number}.")
