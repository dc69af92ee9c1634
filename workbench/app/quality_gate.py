"""The ``--fail-under`` quality gate: which columns fail it, and which could not be judged.

A column whose every cell errored (a provider outage, a missing key, a judge that never
answered) has no pass rate: that is not a quality verdict, so it is reported apart, and the CLI
exits with its own code (`EXIT_GATE_UNJUDGED`), distinct from a quality failure
(`EXIT_GATE_FAILED`), so a pipeline can retry an outage instead of blocking a release on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbench.app.scoring import ColumnReport

EXIT_GATE_FAILED = 3
"""A column's pass rate is below the gate."""
EXIT_GATE_UNJUDGED = 4
"""No quality failure, but a column could not be judged: every one of its cells errored."""


@dataclass(frozen=True)
class GateOutcome:
    """Columns below the threshold, and columns with no verdict because every cell errored."""

    failing: tuple[str, ...]
    unjudged: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        """0, `EXIT_GATE_FAILED` (a quality failure wins) or `EXIT_GATE_UNJUDGED`."""
        if self.failing:
            return EXIT_GATE_FAILED
        return EXIT_GATE_UNJUDGED if self.unjudged else 0


def evaluate_gate(reports: Sequence[ColumnReport], fail_under: float | None) -> GateOutcome:
    """Apply ``--fail-under`` to the column reports of a scored run."""
    if fail_under is None:
        return GateOutcome((), ())
    failing: list[str] = []
    unjudged: list[str] = []
    for report in reports:
        stats = report.stats
        name = f"#{report.column.index} {report.column.label}"
        if stats.cells and stats.errors == stats.cells:
            unjudged.append(f"{name}: all {stats.cells} cell(s) errored")
        elif stats.pass_rate is None:
            failing.append(f"{name}: pass rate unknown")
        elif stats.pass_rate < fail_under:
            failing.append(f"{name}: pass rate {stats.pass_rate:.0%}")
    return GateOutcome(tuple(failing), tuple(unjudged))
