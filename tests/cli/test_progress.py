"""The plain progress line off a terminal: every few seconds, once at the end, never twice."""

from __future__ import annotations

import pytest

from workbench.cli import progress as progress_module
from workbench.cli.progress import RunProgress


@pytest.fixture
def lines(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    printed: list[str] = []

    class Stderr:
        is_terminal = False

        def print(self, text: str, **_options: object) -> None:
            printed.append(text)

    monkeypatch.setattr(progress_module, "stderr", Stderr())
    return printed


def test_the_last_count_is_said_once_even_when_the_interval_just_said_it(
    lines: list[str],
) -> None:
    with RunProgress(7, quiet=False, interval_s=0.0) as progress:
        progress.started(3)
        for _ in range(3):
            progress.cell_settled(error=False)
    counts = [line.split(",")[0] for line in lines]
    assert counts == ["run 7: 1/3 cells", "run 7: 2/3 cells", "run 7: 3/3 cells"]


def test_the_end_says_the_final_count_when_the_interval_did_not(lines: list[str]) -> None:
    with RunProgress(7, quiet=False, interval_s=3600.0) as progress:
        progress.started(2)
        progress.cell_settled(error=False)
        progress.cell_settled(error=True)
    assert len(lines) == 1 and lines[0].startswith("run 7: 2/2 cells, 1 errors")


def test_quiet_says_nothing(lines: list[str]) -> None:
    with RunProgress(7, quiet=True, interval_s=0.0) as progress:
        progress.started(1)
        progress.cell_settled(error=False)
    assert lines == []
