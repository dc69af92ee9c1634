"""Compare opens on the two prompt versions of a run, not on two personas."""

from __future__ import annotations

from workbench.core.runs import Column
from workbench.gui.models.compare_pairing import default_partner


def _column(index: int, prompt: str, persona: str, model: str = "m") -> Column:
    return Column(
        index=index,
        prompt_id=prompt,
        persona_id=persona,
        model_id=model,
        label=f"{prompt}·{persona}",
    )


def test_the_default_partner_differs_by_prompt_version_first() -> None:
    # The demo's layout: v2×vous, v2×tu, v3×vous, v3×tu.
    demo = [
        _column(0, "v2", "vous"),
        _column(1, "v2", "tu"),
        _column(2, "v3", "vous"),
        _column(3, "v3", "tu"),
    ]
    assert default_partner(demo, 0) == 2
    assert default_partner(demo, 1) == 3
    assert default_partner(demo, 3) == 1


def test_then_by_persona_then_model_then_the_next_column() -> None:
    personas = [_column(0, "v2", "vous"), _column(1, "v2", "tu")]
    assert default_partner(personas, 0) == 1
    unrelated = [_column(0, "a", "x", "m1"), _column(1, "b", "y", "m2")]
    assert default_partner(unrelated, 1) == 0
