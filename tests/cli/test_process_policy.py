"""The console script's garbage-collection policy (`workbench.cli.process_policy`)."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import ROOT
from workbench.cli import process_policy

_REPORT_AT_EXIT = (
    "import atexit, gc, sys\n"
    "atexit.register(lambda: print('collector', gc.isenabled(), gc.get_freeze_count() > 0))\n"
    "from workbench.cli.main import entry_point\n"
    "sys.argv = ['workbench', *sys.argv[1:]]\n"
    "entry_point()\n"
)


def _console_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _REPORT_AT_EXIT, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_command_runs_with_collection_back_on_and_start_up_frozen(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = _console_script("--home", str(home), "prompt", "list")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "collector True True"


def test_a_usage_error_still_exits_with_its_code(tmp_path: Path) -> None:
    done = _console_script("--home", str(tmp_path / "home"), "no-such-command")
    assert done.returncode == 2
    assert "no-such-command" in done.stderr


def test_in_process_calls_leave_the_collector_alone() -> None:
    frozen, enabled = gc.get_freeze_count(), gc.isenabled()
    process_policy.collect_after_start_up()
    assert (gc.get_freeze_count(), gc.isenabled()) == (frozen, enabled)


def test_pause_then_start_up_done_freezes_once_and_enables() -> None:
    code = (
        "import gc\n"
        "from workbench.cli import process_policy as p\n"
        "p.pause_collection()\n"
        "print(gc.isenabled())\n"
        "p.collect_after_start_up()\n"
        "first = gc.get_freeze_count()\n"
        "gc.unfreeze()\n"
        "p.collect_after_start_up()\n"
        "print(gc.isenabled(), first > 0, gc.get_freeze_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "True", "True", "0"]
