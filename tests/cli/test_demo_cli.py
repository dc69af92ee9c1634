"""``workbench run --demo`` really runs on the embedded model, scores and compares."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli
from workbench.providers.local_llama import llama_cpp_available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),  # 4 calls on a 135M model: ~1-3 min on 2 busy cores
    pytest.mark.skipif(
        not llama_cpp_available(), reason="the embedded model needs the 'local' extra"
    ),
]


def test_demo_runs_scores_and_compares_on_the_embedded_model(cli: Cli) -> None:
    # One row keeps it to 4 calls (2 prompt versions × 2 personas) on the 135M model.
    result = cli("run", "--demo", "--rows", "track-001", "--no-cache", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["rubric"].startswith("support-quality@")
    columns = data["columns"]
    assert len(columns) == 4
    assert all(c["stats"]["errors"] == 0 for c in columns), columns
    assert all(c["stats"]["output_tokens"] > 0 for c in columns)
    assert data["passed"] + data["failed"] == 4
    assert "prompt v2 vs v3" in data["verdict"]
