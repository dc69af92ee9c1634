"""End to end: init, import, export, listing, showing, history, diff, labels, render."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from tests.cli.conftest import ROOT, Cli

PROMPT_V1 = """kind: prompt
name: greet
description: Says hello.
version: 1
note: First draft.
author: alice
created: '2026-10-01T10:00:00+00:00'
system: |
  {{ persona }}
  Tu accueilles les clients.
user: |
  Bonjour, je suis {{ customer_name }}. {{ message }}
variables:
  customer_name: Customer's first name.
  message: The message.
"""


def write_workspace(root: Path) -> Path:
    (root / "prompts" / "personas").mkdir(parents=True)
    (root / "datasets").mkdir()
    (root / "prompts" / "greet.yaml").write_text(PROMPT_V1, encoding="utf-8")
    (root / "prompts" / "personas" / "formal.yaml").write_text(
        "kind: persona\nname: formal\nversion: 1\ndisplay_name: Le conseiller\n"
        "role: Conseiller clientèle\nformality: 5\nregister: institutional\naddress_form: vous\n",
        encoding="utf-8",
    )
    (root / "datasets" / "msgs.csv").write_text(
        "id;customer_name;message;tags\nr1;Léa;Où est ma commande ?;fr\nr2;Tom;Hello;en\n",
        encoding="utf-8",
    )
    return root


def test_import_is_idempotent_and_edits_make_child_versions(cli: Cli, tmp_path: Path) -> None:
    ws = write_workspace(tmp_path / "ws")
    first = cli("import", str(ws / "prompts"), str(ws / "datasets"), "--json")
    assert first.code == 0, first.err
    again = cli("import", str(ws / "prompts"), str(ws / "datasets"), "--json")
    assert again.code == 0
    created = [item["created"] for item in again.json()["items"]]
    assert created and all(n == 0 for n in created)

    edited = PROMPT_V1.replace("Tu accueilles", "Tu accueilles chaleureusement")
    (ws / "prompts" / "greet.yaml").write_text(edited, encoding="utf-8")
    assert cli("import", str(ws / "prompts")).code == 0
    history = cli("prompt", "history", "greet", "--json").json()["versions"]
    assert [v["number"] for v in history] == [1, 2]
    assert history[1]["parent_id"] == history[0]["id"]

    diff = cli("prompt", "diff", "greet@v1", "@v2")
    assert diff.code == 0
    assert "+Tu accueilles chaleureusement" in diff.out


def test_listing_showing_and_labels(cli: Cli, tmp_path: Path) -> None:
    ws = write_workspace(tmp_path / "ws")
    cli("import", str(ws / "prompts"), str(ws / "datasets"))
    listing = cli("prompt", "list", "--json").json()
    assert [f["name"] for f in listing] == ["greet"]
    shown = cli("prompt", "show", "greet@v1", "--json").json()
    assert shown["content"]["variables"]["message"] == "The message."
    assert shown["variables_report"] == {
        "used": ["customer_name", "message"],
        "missing": [],
        "unused": [],
    }
    by_hash = cli("prompt", "show", f"greet@{shown['short_id'][:6]}", "--json").json()
    assert by_hash["id"] == shown["id"]

    assert cli("prompt", "label", "greet@v1", "production").code == 0
    assert cli("prompt", "show", "greet@production", "--json").json()["id"] == shown["id"]
    events = cli("prompt", "history", "greet", "--json").json()["label_events"]
    assert events[-1]["label"] == "production" and events[-1]["actor"] == "tester"

    personas = cli("persona", "list", "--json").json()
    assert personas[0]["name"] == "formal"
    rows = cli("dataset", "show", "msgs", "--json").json()
    assert [r["id"] for r in rows["rows"]] == ["r1", "r2"]


def test_render_with_persona_and_row(cli: Cli, tmp_path: Path) -> None:
    ws = write_workspace(tmp_path / "ws")
    cli("import", str(ws / "prompts"), str(ws / "datasets"))
    result = cli(
        "prompt",
        "render",
        "greet",
        "--persona",
        "formal",
        "--dataset",
        "msgs",
        "--row",
        "r1",
        "--json",
    )
    assert result.code == 0, result.err
    messages = result.json()["messages"]
    assert messages[0]["role"] == "system"
    assert "vous" in messages[0]["content"].lower()
    assert "Léa" in messages[1]["content"] and "Où est ma commande" in messages[1]["content"]


def test_user_errors_exit_1_with_a_clear_message(cli: Cli, tmp_path: Path) -> None:
    ws = write_workspace(tmp_path / "ws")
    cli("import", str(ws / "prompts"), str(ws / "datasets"))
    missing = cli("prompt", "show", "nope")
    assert missing.code == 1 and "nope" in missing.err
    unknown_version = cli("prompt", "show", "greet@v9")
    assert unknown_version.code == 1 and "v9" in unknown_version.err
    render = cli("prompt", "render", "greet", "--var", "message=hi")
    assert render.code == 1
    assert "customer_name" in render.err and "line 1" in render.err

    bad = tmp_path / "bad.csv"
    bad.write_text("id,message\nr1,ok\nr2,too,many\n", encoding="utf-8")
    refused = cli("dataset", "import", str(bad))
    assert refused.code == 1 and "bad.csv" in refused.err and ":3" in refused.err
    names = [f["name"] for f in cli("dataset", "list", "--json").json()]
    assert "bad" not in names and "msgs" in names


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli("prompt", "show").code == 2
    assert cli("no-such-command").code == 2


def test_demo_workspace_round_trips_byte_for_byte(cli: Cli, tmp_path: Path) -> None:
    ws = tmp_path / "demo"
    for folder in ("prompts", "datasets", "models", "rubrics"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, ws / folder)
    folders = [str(p) for p in sorted(ws.iterdir())]
    assert cli("import", *folders).code == 0
    out = tmp_path / "exported"
    assert cli("export", "--out", str(out)).code == 0
    for folder in ws.iterdir():
        comparison = filecmp.dircmp(folder, out / folder.name)
        _assert_same_tree(comparison)


def _assert_same_tree(comparison: filecmp.dircmp[str]) -> None:
    assert not comparison.left_only, comparison.left_only
    assert not comparison.right_only, comparison.right_only
    _, mismatch, errors = filecmp.cmpfiles(
        comparison.left, comparison.right, comparison.common_files, shallow=False
    )
    assert not mismatch and not errors, (comparison.left, mismatch, errors)
    for sub in comparison.subdirs.values():
        _assert_same_tree(sub)
