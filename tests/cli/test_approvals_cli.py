"""End to end from the command line: a run → approve → label → four exports → back in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli as Run
from tests.interop.test_bundle_helpers import run_and_score, save_versions
from workbench.core.models import Kind
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer


@pytest.fixture
def scored_run(home: Path) -> int:
    home.mkdir(parents=True, exist_ok=True)
    with FakeLLMServer() as server, Store.open(home / "workbench.sqlite") as store:
        return run_and_score(store, save_versions(store, server))


APPROVE = (
    "approve",
    "--prompt",
    "order-tracking@v1",
    "--persona",
    "conseiller-vous@v1",
    "--model",
    "fake-gpt@v1",
    "--rubric",
    "support-basics@v1",
)


def test_run_to_approval_to_exports_and_back(
    cli: Run, scored_run: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = cli(*APPROVE, "order-support")
    assert refused.code == 1 and "no run was given as evidence" in refused.err
    approved = cli(*APPROVE, "--run", str(scored_run), "--note", "pilot", "order-support", "--json")
    assert approved.code == 0, approved.err
    data = approved.json()
    assert data["ref"] == "order-support@v1" and data["reviewer"] == "tester"
    assert data["evidence"]["pass_rate"] == 1.0 and data["override_reason"] is None

    assert cli("bundle-label", "order-support@v1", "production").code == 0
    listed = cli("approvals", "list", "--json").json()
    assert [(a["ref"], a["labels"]) for a in listed] == [("order-support@v1", ["production"])]
    shown = cli("approvals", "show", "order-support@production", "--json").json()
    assert [e["action"] for e in shown["history"]] == ["approved", "label-set"]
    human = cli("approvals", "show", "order-support")
    assert "pass rate 100.0% (5/5)" in human.out and "label-set" in human.out

    monkeypatch.setenv("OPENAI_API_KEY", "sk-sentinel-cli-0123456789abcdef")
    exported = tmp_path / "exports"
    for fmt in ("files", "promptfoo", "code"):
        result = cli(
            "export-bundle",
            "order-support@production",
            "--format",
            fmt,
            "--out",
            str(exported / fmt),
        )
        assert result.code == 0, result.err
        assert str(exported / fmt) in result.out
    langfuse = cli(
        "export-bundle",
        "order-support",
        "--format",
        "langfuse",
        "--out",
        str(exported / "langfuse"),
    )
    assert langfuse.code == 0, langfuse.err  # Jinja logic: exported as Jinja2, with a warning
    assert "order-tracking@v1:system, line 3: {% if %}" in langfuse.out + langfuse.err
    for path in exported.rglob("*"):
        if path.is_file():
            assert "sk-sentinel-cli" not in path.read_text(encoding="utf-8")

    other = tmp_path / "other-home"
    monkeypatch.setenv("WORKBENCH_HOME", str(other))
    imported = cli("import-bundle", str(exported / "files"), "--json")
    assert imported.code == 0, imported.err
    kinds = {v["kind"] for v in imported.json()["versions"]}
    assert kinds == {"prompt", "persona", "model", "rubric", "dataset"}
    with Store.open(other / "workbench.sqlite") as copy:
        assert copy.resolve(Kind.PROMPT, "order-tracking").id == data["versions"]["prompt_id"]


def test_revoke_and_override_are_kept(cli: Run, scored_run: int, tmp_path: Path) -> None:
    assert cli(*APPROVE, "--run", str(scored_run), "order-support").code == 0
    overridden = cli(
        *APPROVE,
        "--min-pass-rate",
        "1",
        "--override-reason",
        "signed off in the design review of 12 November",
        "order-support",
    )
    assert overridden.code == 0, overridden.err
    assert "Overridden (signed off in the design review" in overridden.err
    revoked = cli("approvals", "revoke", "order-support@v1", "--reason", "tutoie the customer")
    assert revoked.code == 0 and "Revoked order-support@v1" in revoked.err
    listed = cli("approvals", "list")
    assert "revoked" in listed.out and "overridden" in listed.out
    export = cli("export-bundle", "order-support@v1", "--format", "files", "--out", str(tmp_path))
    assert export.code == 1 and "was revoked" in export.err
    label = cli("bundle-label", "order-support@v1", "staging")
    assert label.code == 1 and "it was revoked (tutoie the customer)" in label.err


def test_imports_and_run_exports_from_the_command_line(
    cli: Run, scored_run: int, tmp_path: Path
) -> None:
    config = tmp_path / "shop" / "promptfooconfig.yaml"
    config.parent.mkdir()
    config.write_text(
        "prompts: ['Bonjour {{ name }}']\nproviders: [openai:chat:gpt-4o-mini, echo]\n"
        "tests:\n  - description: lea\n    vars: {name: Léa}\n"
        "    assert: [{type: icontains, value: léa}]\n",
        encoding="utf-8",
    )
    result = cli("import-promptfoo", str(config), "--prefix", "demo")
    assert result.code == 0, result.err
    assert "prompt   demo@v1  (new)" in result.out
    unsupported = "provider 'echo' (not an OpenAI-compatible, OpenAI, Anthropic or Ollama id)"
    assert unsupported in result.err
    langfuse = tmp_path / "lf.json"
    langfuse.write_text(json.dumps({"name": "Greeting", "prompt": "Salut {{name}}"}), "utf-8")
    assert "greeting@v1" in cli("import-langfuse", str(langfuse)).out
    for name in ("run.csv", "run.jsonl", "report.html"):
        out = tmp_path / name
        assert cli("runs", "export", str(scored_run), "--out", str(out)).code == 0
        assert out.stat().st_size > 500
    bad = cli("runs", "export", str(scored_run), "--out", str(tmp_path / "run.xlsx"))
    assert bad.code == 1 and "use csv, jsonl, html" in bad.err


def test_import_promptfoo_notes_keep_square_brackets(cli: Run, tmp_path: Path) -> None:
    # Rich must not read "[language=French]" in a note as markup and swallow it.
    config = tmp_path / "brackets" / "promptfooconfig.yaml"
    config.parent.mkdir()
    config.write_text(
        "prompts: ['Hello in {{ language }}']\nproviders: [openai:chat:gpt-4o-mini]\n"
        "tests:\n  - description: greet\n    vars: {language: [French, German]}\n"
        "    assert: [{type: select-best, value: best}]\n",
        encoding="utf-8",
    )
    result = cli("import-promptfoo", str(config))
    assert result.code == 0, result.err
    assert "test 'greet [language=French]' assert #1: type 'select-best'" in result.err


def test_require_reviewer_needs_a_second_person(
    cli: Run, scored_run: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_AUTHOR", "ana")
    proposed = cli(*APPROVE, "--run", str(scored_run), "--require-reviewer", "order-support")
    assert proposed.code == 0, proposed.err
    assert "awaiting review by another person" in proposed.err + proposed.out
    listed = cli("approvals", "list")
    assert "awaiting review" in listed.out
    assert cli("bundle-label", "order-support@v1", "production").code == 1
    refused = cli(
        "export-bundle", "order-support@v1", "--format", "files", "--out", str(tmp_path / "x")
    )
    assert refused.code == 1 and "awaiting review" in refused.err
    own = cli("approvals", "sign-off", "order-support@v1")
    assert own.code == 1 and "proposed by ana" in own.err and "Traceback" not in own.err

    monkeypatch.setenv("WORKBENCH_AUTHOR", "bo")
    signed = cli("approvals", "sign-off", "order-support@v1", "--note", "read run 1", "--json")
    assert signed.code == 0, signed.err
    data = signed.json()
    assert data["awaiting_review"] is False and data["signoff"]["reviewer"] == "bo"
    assert data["reviewer"] == "ana"
    assert cli("bundle-label", "order-support@v1", "production").code == 0
    shown = cli("approvals", "show", "order-support@production")
    assert "signed off by bo" in shown.out
