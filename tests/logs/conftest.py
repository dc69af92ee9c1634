"""Shared pieces for conversation-log tests: one redactor (loading spaCy once) and a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.privacy.redactor import Redactor
from workbench.store import Store


@pytest.fixture(scope="session")
def ner_redactor_factory() -> Iterator[object]:
    # Loading spaCy takes seconds: build its analyzer once and hand out fresh redactors
    # (placeholder numbering is per redactor) that share it.
    shared = Redactor()

    def make(**options: object) -> Redactor:
        redactor = Redactor(use_ner=False, **options)  # type: ignore[arg-type]
        redactor._analyzer = shared._analyzer
        redactor.ner_available = shared.ner_available
        return redactor

    yield make


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "workbench.sqlite") as opened:
        yield opened
