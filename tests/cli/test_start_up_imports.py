"""What loading the ``run`` command imports: none of the libraries and machinery that only some
runs need (each was a visible share of a cached run's start-up when it loaded at import)."""

from __future__ import annotations

from tests.cli.conftest import modules_loaded

# numpy: a bootstrap over differing scores and column comparisons; PyYAML, rapidfuzz, regex: the
# criteria that use them; batch, paraphrase and rubric-file machinery: their own options and
# commands; rich.progress: the live bar on a terminal.
_NOT_AT_IMPORT = (
    "numpy",
    "scipy",
    "yaml",
    "rapidfuzz",
    "regex",
    "rich.progress",
    "workbench.app.batch_runs",
    "workbench.engine.batch_runs",
    "workbench.cli.batch_runs",
    "workbench.app.paraphrase",
    "workbench.app.rubric_import",
)


def test_the_run_command_loads_only_what_every_run_needs() -> None:
    loaded, printed = modules_loaded(
        "import workbench.cli.main, workbench.cli.runs\n"
        "from workbench.scoring import unanswered_kinds\n"
        # The unanswered detector's patterns compile when first used, not at import.
        "print('_compiled' in vars(unanswered_kinds.CURT))",
        _NOT_AT_IMPORT,
    )
    assert (loaded, printed) == ([], ["False"])
