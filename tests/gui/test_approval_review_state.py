"""The approval viewer says when an approval awaits a second person, and who signed it off."""

from __future__ import annotations

from pathlib import Path

from tests.store.test_approvals import _draft
from workbench.gui.views.approval_viewer import approval_html
from workbench.store import Store


def test_awaiting_review_then_signed_off(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.sqlite") as store:
        proposal = store.record_approval(_draft(store), reviewer="ana", requires_reviewer=True)
        waiting = approval_html(proposal)
        assert "awaiting review by another person" in waiting and "proposed by ana" in waiting
        signed = approval_html(store.sign_off_approval(proposal.ref, reviewer="bo", note="ok"))
        assert "awaiting review" not in signed
        assert "in force" in signed and "Signed off by bo" in signed
