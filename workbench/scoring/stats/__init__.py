"""Statistics for runs: per column, between two columns, over repeats, and judge calibration.

Figures come from `scipy.stats` where a test exists (exact binomial for McNemar, Wilcoxon,
bootstrap); Wilson's interval and Cohen's kappa are short formulas written out here and checked
against published reference values in the tests.
"""

from workbench.scoring.stats.agreement import (
    Agreement,
    ConfusionMatrix,
    cohen_kappa,
    confusion_matrix,
    judge_agreement,
)
from workbench.scoring.stats.columns import CellRecord, ColumnStats, cell_record, column_stats
from workbench.scoring.stats.compare import (
    Comparison,
    McNemar,
    ScoreDifference,
    WinRate,
    compare_columns,
    mcnemar_exact,
    wilcoxon_signed_rank,
    win_rate,
)
from workbench.scoring.stats.intervals import Interval, bootstrap_mean_interval, wilson_interval
from workbench.scoring.stats.repeats import (
    RepeatSummary,
    RowRepeats,
    pass_at_k,
    pass_hat_k,
    repeat_stats,
)

__all__ = [
    "Agreement",
    "CellRecord",
    "ColumnStats",
    "Comparison",
    "ConfusionMatrix",
    "Interval",
    "McNemar",
    "RepeatSummary",
    "RowRepeats",
    "ScoreDifference",
    "WinRate",
    "bootstrap_mean_interval",
    "cell_record",
    "cohen_kappa",
    "column_stats",
    "compare_columns",
    "confusion_matrix",
    "judge_agreement",
    "mcnemar_exact",
    "pass_at_k",
    "pass_hat_k",
    "repeat_stats",
    "wilcoxon_signed_rank",
    "wilson_interval",
    "win_rate",
]
