"""Run the real ``workbench`` CLI in-process against a temporary workspace home."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from workbench.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def modules_loaded(code: str, names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Run `code` in a fresh interpreter; the modules among `names` (or under them) it then
    holds, and the lines `code` printed itself."""
    probe = (
        f"{code}\nimport sys\nnames = {tuple(names)!r}\n"
        "print(sorted(m for m in sys.modules"
        " if m in names or m.startswith(tuple(n + '.' for n in names))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    *printed, loaded = done.stdout.strip().splitlines()
    return ast.literal_eval(loaded), printed


@dataclass
class CliResult:
    """What one invocation returned and printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., CliResult]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv("WORKBENCH_AUTHOR", "tester")
    return home


@pytest.fixture
def cli(home: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
