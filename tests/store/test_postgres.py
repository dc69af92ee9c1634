"""The store on PostgreSQL: reachability, refusal of newer schemas, database-enforced append-only
tables, and two processes writing at once without losing an update."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.store.conftest import prompt
from workbench.core.errors import KnownError, SchemaTooNewError
from workbench.core.models import Kind
from workbench.store import Store
from workbench.store.postgres import redact, storable_url


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the socket closes


def test_unreachable_server_names_host_and_port(tmp_path: Path) -> None:
    port = _closed_port()
    with pytest.raises(KnownError, match=rf"127\.0\.0\.1:{port}") as caught:
        Store.open_url(
            f"postgresql://ana:s3cret@127.0.0.1:{port}/team", local_path=tmp_path / "anchor"
        )
    assert "s3cret" not in str(caught.value)
    assert not (tmp_path / "anchor").exists()


def test_the_stored_url_has_no_password() -> None:
    url = "postgresql://ana:s3cret@db.example:6543/team"
    assert storable_url(url) == "postgresql://ana@db.example:6543/team"
    assert "s3cret" not in redact(url)


def test_a_newer_schema_is_refused_and_left_alone(pg_url: str, tmp_path: Path) -> None:
    Store.open_url(pg_url, local_path=tmp_path / "a").close()
    with psycopg.connect(pg_url, autocommit=True) as raw:
        raw.execute("UPDATE schema_meta SET major = 99, minor = 3")
    with pytest.raises(SchemaTooNewError, match=r"schema 99\.3"):
        Store.open_url(pg_url, local_path=tmp_path / "a")
    with psycopg.connect(pg_url) as raw:
        assert raw.execute("SELECT major, minor FROM schema_meta").fetchone() == (99, 3)


def test_a_foreign_database_is_refused(pg_url: str, tmp_path: Path) -> None:
    with psycopg.connect(pg_url, autocommit=True) as raw:
        raw.execute("CREATE TABLE customers (id int)")
    with pytest.raises(KnownError, match="not a Prompt Workbench one"):
        Store.open_url(pg_url, local_path=tmp_path / "a")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE versions SET note = 'rewritten'",
        "UPDATE version_contents SET content_json = '{}'",
        "UPDATE label_events SET actor = 'someone else'",
        "DELETE FROM label_events",
    ],
)
def test_the_database_itself_refuses_rewriting_history(
    pg_url: str, tmp_path: Path, statement: str
) -> None:
    with Store.open_url(pg_url, local_path=tmp_path / "a") as store:
        version = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).version
        store.set_label(Kind.PROMPT, "greet", "production", version.id, actor="ana")
    with psycopg.connect(pg_url) as raw, pytest.raises(psycopg.errors.RaiseException) as caught:
        raw.execute(statement)
    assert "immutable" in str(caught.value) or "append-only" in str(caught.value)


_WRITER = """
import sys
from pathlib import Path
from workbench.core.models import Kind
from workbench.store import Store
from workbench.store.approvals import ApprovalDraft

url, name, rounds, go, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
store = Store.open_url(url, local_path=Path(ready).parent / name)
ids = [v.id for v in store.history(Kind.PROMPT, "greet")]
draft = ApprovalDraft.model_validate_json((Path(go).parent / "draft.json").read_text())
Path(ready).write_text("ready")
while not Path(go).exists():
    pass
for index in range(rounds):
    shift = 0 if name == "ana" else 1
    store.set_label(Kind.PROMPT, "greet", "production", ids[(index + shift) % len(ids)], actor=name)
    store.record_approval(draft, reviewer=name)
store.close()
print("done")
"""


def test_two_writers_moving_labels_and_approving_lose_nothing(pg_url: str, tmp_path: Path) -> None:
    from tests.store.test_approvals import _draft

    with Store.open_url(pg_url, local_path=tmp_path / "setup") as store:
        draft = _draft(store)  # saves greet v1 ("Bonjour") among the bundle's versions
        for text in ("Salut", "Bonsoir"):
            store.save_version(Kind.PROMPT, "greet", prompt(text))
    (tmp_path / "draft.json").write_text(draft.model_dump_json())
    rounds = 25
    go = tmp_path / "go"
    root = Path(__file__).resolve().parents[2]
    children = []
    for name in ("ana", "bo"):
        ready = tmp_path / f"{name}.ready"
        children.append(
            (
                ready,
                subprocess.Popen(
                    [sys.executable, "-c", _WRITER, pg_url, name, str(rounds), str(go), str(ready)],
                    cwd=root,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    for ready, child in children:
        while not ready.exists():
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
    go.write_text("go")
    for _ready, child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
        assert out.strip() == "done"

    with Store.open_url(pg_url, local_path=tmp_path / "check") as store:
        approvals = store.list_approvals("greeting")
        numbers = sorted(a.number for a in approvals)
        assert numbers == list(range(1, 2 * rounds + 1))  # none lost, none numbered twice
        assert sorted(a.reviewer for a in approvals).count("ana") == rounds
        events = store.label_events(Kind.PROMPT, "greet")
        moves = [e for e in events if e.label == "production"]
        # Each recorded move starts where the previous one ended: no move was based on a
        # stale read of the label.
        ordered = sorted(moves, key=lambda e: e.id)
        for before, after in itertools.pairwise(ordered):
            assert after.from_version_id == before.to_version_id
        assert {e.actor for e in moves} <= {"ana", "bo"}
        current = store.resolve(Kind.PROMPT, "greet@production")
        assert current.id == ordered[-1].to_version_id
        assert len(moves) >= 2
