"""``workbench KIND list`` prints the same whether it reads the file with the standard library's
driver (the fast path, taken for a current SQLite workspace) or through the store."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, modules_loaded
from workbench.app import listing
from workbench.core.models import Kind
from workbench.store import Store


def _outputs(cli: Cli) -> list[str]:
    printed = []
    for kind in ("prompt", "persona", "dataset", "model", "rubric", "customer"):
        for extra in ((), ("--json",)):
            result = cli(kind, "list", *extra)
            assert result.code == 0, result.err
            printed.append(result.out + result.err)
    return printed


def test_fast_and_store_listings_print_the_same(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("init").code == 0  # the demo workspace: many families, labels, descriptions
    with Store.open(home / "workbench.sqlite") as store:
        prompts = store.list_families(Kind.PROMPT)
        first = store.history(Kind.PROMPT, prompts[0].name)[0]
        store.set_label(Kind.PROMPT, prompts[0].name, "canary", first.id, actor="t")
        store.set_family_description(Kind.PROMPT, prompts[1].name, "Changed [bold]here[/bold]")

    taken: list[Path] = []
    real = listing.list_families_readonly

    def spy(path: Path, kind: object = None) -> object:
        found = real(path, kind)  # type: ignore[arg-type]
        if found is not None:
            taken.append(path)
        return found

    monkeypatch.setattr(listing, "list_families_readonly", spy)
    fast = _outputs(cli)
    assert len(taken) == len(fast)  # every listing went the fast way

    monkeypatch.setattr(listing, "list_families_readonly", lambda path, kind=None: None)
    slow = _outputs(cli)
    assert fast == slow
    assert any("canary" in text for text in fast)


def test_a_missing_workspace_is_created_by_the_store_as_before(cli: Cli, home: Path) -> None:
    result = cli("prompt", "list", "--json")
    assert result.code == 0, result.err
    assert result.json() == []
    assert (home / "workbench.sqlite").is_file()


def test_a_foreign_file_gets_the_store_message(cli: Cli, home: Path) -> None:
    home.mkdir(parents=True)
    with closing(sqlite3.connect(home / "workbench.sqlite")) as raw:
        raw.execute("CREATE TABLE notes (id INTEGER)")
        raw.commit()
    result = cli("prompt", "list")
    assert result.code == 1
    assert "not a Prompt Workbench one" in result.err


def test_listing_loads_none_of_the_heavy_layers(cli: Cli, home: Path) -> None:
    """``KIND list`` on a current workspace: no SQLAlchemy, template engine, file formats,
    scoring stack or content models (the kinds' own commands load on first use)."""
    assert cli("init").code == 0
    loaded, _ = modules_loaded(
        "from workbench.cli.main import main\n"
        "for kind in ('prompt', 'persona', 'dataset', 'model', 'rubric', 'customer'):\n"
        f"    assert main(['--home', {str(home)!r}, kind, 'list', '--json']) == 0",
        (
            "sqlalchemy",
            "sqlmodel",
            "jinja2",
            "numpy",
            "workbench.app.interchange",
            "workbench.app.scoring",
            "workbench.cli.simulate",
            "workbench.core.models",
        ),
    )
    assert loaded == []


def test_a_kinds_own_commands_are_listed_and_run(cli: Cli) -> None:
    assert cli("init").code == 0
    listed = cli("dataset", "--help")
    for name in ("list", "show", "import", "export", "add-noisy"):
        assert f" {name} " in listed.out
    personas = cli("persona", "list", "--json").json()
    rendered = cli("persona", "render", personas[0]["name"], "--json")
    assert rendered.code == 0, rendered.err
    assert rendered.json()["section"]
    assert cli("dataset", "frobnicate").code == 2
