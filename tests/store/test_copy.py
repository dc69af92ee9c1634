"""`copy_store`: SQLite → PostgreSQL → SQLite keeps every id, hash and audit trail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.conftest import prompt
from tests.store.test_approvals import _draft
from workbench.core.errors import KnownError
from workbench.core.models import Kind
from workbench.core.runs import CellKey, CellResult, CellStatus
from workbench.store import Store
from workbench.store.copy import copy_store


def _fill(store: Store) -> None:
    draft = _draft(store)
    store.save_version(Kind.PROMPT, "greet", prompt("Salut"))
    store.set_label(Kind.PROMPT, "greet", "production", draft.versions.prompt_id, actor="ana")
    first = store.record_approval(draft, reviewer="ana")
    store.set_bundle_label(first.ref, "production", actor="ana")
    proposal = store.record_approval(draft, reviewer="ana", requires_reviewer=True)
    store.sign_off_approval(proposal.ref, reviewer="bo", note="read it")
    store.revoke_approval(first.ref, reason="superseded by v2", actor="bo")
    run_id = draft.run_ids[0]
    store.upsert_cells(
        run_id,
        [
            CellResult(
                key=CellKey("row-0000", 0),
                status=CellStatus.OK,
                output="Bonjour ✓",
                latency_ms=12.5,
                cost_usd=0.000123456789,
            )
        ],
    )


def _snapshot(store: Store) -> tuple[object, ...]:
    return (
        store.list_approvals(),
        store.bundle_history(),
        store.label_events(Kind.PROMPT, "greet"),
        store.history(Kind.PROMPT, "greet"),
        [r.id for r in store.list_runs()],
        list(store.iter_cells(store.list_runs()[0].id)),
    )


def test_round_trip_sqlite_postgres_sqlite_is_lossless(pg_url: str, tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.sqlite") as original:
        _fill(original)
        expected = _snapshot(original)
        with Store.open_url(pg_url, local_path=tmp_path / "pg") as shared:
            there = copy_store(original, shared)
            assert _snapshot(shared) == expected
            with Store.open(tmp_path / "b.sqlite") as back:
                again = copy_store(shared, back)
                assert _snapshot(back) == expected
    assert there.tables == again.tables  # same rows and hashes, table by table
    assert {t.table: t.rows for t in there.tables}["approval_signoffs"] == 1
    assert there.rows > 20


def test_new_records_after_a_copy_get_new_ids(pg_url: str, tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.sqlite") as original:
        _fill(original)
        with Store.open_url(pg_url, local_path=tmp_path / "pg") as shared:
            copy_store(original, shared)
            draft = _draft(shared)
            approval = shared.record_approval(draft, reviewer="cy")
            assert approval.number == 3


def test_a_non_empty_destination_is_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.sqlite") as source, Store.open(tmp_path / "b.sqlite") as dest:
        _fill(source)
        dest.save_version(Kind.PROMPT, "other", prompt("x"))
        with pytest.raises(KnownError, match="is not empty"):
            copy_store(source, dest)
        assert [f.name for f in dest.list_families()] == ["other"]
