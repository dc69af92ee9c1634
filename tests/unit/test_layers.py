"""The layer rules of docs/contracts.md hold: import-linter contracts in pyproject.toml pass."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is a test dependency"
    done = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_app_judge_default_is_the_engines() -> None:
    from workbench.app.defaults import JUDGE_CONCURRENCY
    from workbench.engine import judge

    assert JUDGE_CONCURRENCY == judge.JUDGE_CONCURRENCY
