"""``workbench init --database``: a workspace on a shared PostgreSQL store, and a bad URL."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.cli.conftest import Cli


def test_unreachable_database_names_host_and_port_and_changes_nothing(cli: Cli, home: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli("init", "--no-demo", "--database", f"postgresql://ana:pw@127.0.0.1:{port}/team")
    assert result.code != 0
    assert f"127.0.0.1:{port}" in result.err
    assert "Traceback" not in result.err
    assert "pw@" not in result.err
    assert not (home / "workspace.json").exists()
    assert not (home / "workbench.sqlite").exists()


def test_two_workspaces_share_one_postgres_store(
    cli: Cli, home: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with_password = pg_url.replace("workbench@", "workbench:not-needed@")
    result = cli("init", "--no-demo", "--database", with_password, "--user", "Ana")
    assert result.code == 0, result.err
    saved = json.loads((home / "workspace.json").read_text())
    assert saved == {"database_url": pg_url, "user_name": "Ana"}
    assert not (home / "workbench.sqlite").exists()
    prompt_file = tmp_path / "greet.yaml"
    prompt_file.write_text("kind: prompt\nname: greet\nsystem: Bonjour\nuser: '{{ message }}'\n")
    monkeypatch.delenv("WORKBENCH_AUTHOR")
    assert cli("import", str(prompt_file)).code == 0

    # A colleague's workspace on another machine points at the same database.
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "bo-home"))
    assert cli("init", "--no-demo", "--database", pg_url, "--user", "Bo").code == 0
    history = cli("prompt", "history", "greet", "--json").json()["versions"]
    assert [v["author"] for v in history] == ["Ana"]


def test_store_copy_from_the_command_line(
    cli: Cli, home: Path, pg_url: str, tmp_path: Path
) -> None:
    assert cli("init").code == 0  # the demo workspace, in the local SQLite file
    source = str(home / "workbench.sqlite")
    copied = cli("store", "copy", source, pg_url, "--json")
    assert copied.code == 0, copied.err
    report = copied.json()
    assert report["rows"] > 0 and "password" not in copied.out
    back = cli("store", "copy", pg_url, str(tmp_path / "back.sqlite"), "--json").json()
    assert back["tables"] == report["tables"]
    again = cli("store", "copy", source, pg_url)
    assert again.code == 1 and "is not empty" in again.err


def test_listing_a_shared_workspace_reads_postgres_not_a_leftover_file(
    cli: Cli, home: Path, pg_url: str, tmp_path: Path
) -> None:
    assert cli("init").code == 0  # a local demo workspace first: its file stays behind
    assert (home / "workbench.sqlite").exists()
    assert cli("init", "--no-demo", "--database", pg_url, "--user", "Ana").code == 0
    prompt_file = tmp_path / "greet.yaml"
    prompt_file.write_text("kind: prompt\nname: greet\nsystem: Bonjour\nuser: '{{ message }}'\n")
    assert cli("import", str(prompt_file)).code == 0
    listed = cli("prompt", "list", "--json")
    assert listed.code == 0, listed.err
    assert [family["name"] for family in listed.json()] == ["greet"]
