"""The stdlib listing path (`store.sqlite_listing`) answers exactly what `Store.list_families` does,
and steps aside (None) for every file the store would create, migrate or refuse."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.store.conftest import dataset, prompt
from workbench.core.models import Kind, PersonaContent
from workbench.store import Store
from workbench.store.sqlite_listing import list_families_readonly

# The stdlib path reads SQLite files only (a shared PostgreSQL workspace always goes through the
# store; see tests/cli/test_shared_store_cli.py).
pytestmark = pytest.mark.sqlite_only

FIXTURE = Path(__file__).parent / "fixtures" / "schema-1.0.sqlite"
ROOT = Path(__file__).resolve().parents[2]


def _fill(store: Store) -> None:
    """Families of several kinds with histories, labels, a moved head and descriptions."""
    for name in ("zeta", "alpha", "mid-1.x"):
        store.save_version(Kind.PROMPT, name, prompt(f"{name} one"), author="a")
    second = store.save_version(Kind.PROMPT, "alpha", prompt("alpha two"), author="b", note="n")
    store.save_version(Kind.PROMPT, "alpha", prompt("alpha three"), author="b")
    store.save_version(Kind.PROMPT, "alpha", prompt("alpha two"), author="b")  # head moves back
    first = store.history(Kind.PROMPT, "alpha")[0]
    store.set_label(Kind.PROMPT, "alpha", "staging", second.version.id, actor="a")
    store.set_label(Kind.PROMPT, "alpha", "production", first.id, actor="a")
    store.set_label(Kind.PROMPT, "alpha", "canary", first.id, actor="a")
    store.remove_label(Kind.PROMPT, "alpha", "canary", actor="a")
    store.set_family_description(Kind.PROMPT, "zeta", "Zeta's « description »")
    store.save_version(Kind.DATASET, "orders", dataset(3, description="three rows"), author="a")
    persona = PersonaContent(display_name="Polie", role="support")
    store.save_version(Kind.PERSONA, "polite", persona, author="a")


@pytest.mark.parametrize("kind", [None, *Kind])
def test_the_same_families_as_the_store(store: Store, kind: Kind | None) -> None:
    _fill(store)
    expected = store.list_families(kind)
    found = list_families_readonly(store.path, kind)
    assert found == expected
    # Same order, same label order too (the CLI prints both as they come).
    assert found is not None
    assert [(f.name, list(f.labels)) for f in found] == [
        (f.name, list(f.labels)) for f in expected
    ]
    if kind in (None, Kind.PROMPT):
        alpha = next(f for f in found if f.name == "alpha")
        assert (alpha.head_number, alpha.version_count) == (2, 3)
        assert alpha.labels == {"production": 1, "staging": 2}


def test_an_empty_current_workspace_lists_nothing(store: Store) -> None:
    assert list_families_readonly(store.path, Kind.PROMPT) == []


def test_no_file_or_an_empty_file_is_left_to_the_store(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite"
    assert list_families_readonly(missing, Kind.PROMPT) is None
    assert not missing.exists()  # nothing was created
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    assert list_families_readonly(empty, None) is None


def test_a_file_due_for_migration_is_left_untouched(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    shutil.copyfile(FIXTURE, old)
    before = old.read_bytes()
    assert list_families_readonly(old, Kind.PROMPT) is None
    assert old.read_bytes() == before


def test_a_newer_schema_or_a_foreign_file_is_left_to_the_store(
    store: Store, tmp_path: Path
) -> None:
    with closing(sqlite3.connect(store.path)) as raw:
        raw.execute("UPDATE schema_meta SET minor = minor + 1")
        raw.commit()
    assert list_families_readonly(store.path, None) is None
    foreign = tmp_path / "foreign.sqlite"
    with closing(sqlite3.connect(foreign)) as raw:
        raw.execute("CREATE TABLE notes (id INTEGER)")
        raw.commit()
    assert list_families_readonly(foreign, None) is None
    text = tmp_path / "text.sqlite"
    text.write_text("not a database at all, but long enough to have a header " * 4)
    assert list_families_readonly(text, None) is None


def test_listing_imports_no_sqlalchemy(store: Store) -> None:
    """The point of the path: a listing process never loads SQLAlchemy or SQLModel."""
    _fill(store)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from workbench.store.sqlite_listing import list_families_readonly\n"
        f"found = list_families_readonly(Path({str(store.path)!r}))\n"
        "assert found is not None and len(found) == 5, found\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
