"""Every editor describes a save the same way: new version, no change, or head moved back."""

from __future__ import annotations

from pathlib import Path

from workbench.core.models import Kind, ModelConfigContent
from workbench.gui.models.save_outcome import describe_save
from workbench.store import Store


def test_the_three_outcomes_of_a_save(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.sqlite") as store:
        one = ModelConfigContent(provider="local", model="a")
        two = ModelConfigContent(provider="local", model="b")
        first = store.save_version(Kind.MODEL, "m", one, author="t")
        assert describe_save(first, None) == "Saved m@v1."
        second = store.save_version(Kind.MODEL, "m", two, author="t")
        again = store.save_version(Kind.MODEL, "m", two, author="t")
        assert describe_save(again, second.version.id) == "No change — still v2."
        back = store.save_version(Kind.MODEL, "m", one, author="t")
        assert describe_save(back, second.version.id) == (
            "Same content as v1; the head moved back to it."
        )
