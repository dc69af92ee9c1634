"""Benign perturbations: messages written the way customers really write them.

Pure and seeded (stdlib only, no model): accents removed, keyboard-neighbour typos (AZERTY for
French, QWERTY for English), letters dropped/doubled/swapped, SMS-speak from shipped word lists,
capitals, punctuation removed, frequent phonetic misspellings. Order and tracking numbers,
e-mails, amounts, URLs and any protected value are never altered.

The entry point for any text is `perturb_text(text, kind, intensity, seed, language,
protected)`; `make_variants` builds linked variant rows of a dataset.
"""

from workbench.core.perturb.chardiff import DiffPiece, changed_characters, char_diff, inline_diff
from workbench.core.perturb.kinds import (
    ALL_PERTURBATIONS,
    LAYOUTS,
    MODEL_PERTURBATIONS,
    PERTURBATIONS,
    Perturbation,
    check_intensity,
    check_kind,
    derive_seed,
    perturb_text,
    perturbation_names,
)
from workbench.core.perturb.language import detect_language, normalise_language
from workbench.core.perturb.spans import protected_spans, split_protected
from workbench.core.perturb.variants import (
    NOISE_TAG,
    VARIANT_TAG,
    PerturbationChoice,
    Rewrites,
    RowRewrite,
    VariantSet,
    format_perturbations,
    make_variants,
    noise_of,
    original_of,
    parse_perturbations,
    row_language,
    text_fields,
    variant_id,
)
from workbench.core.perturb.wordlists import WordList, word_list

__all__ = [
    "ALL_PERTURBATIONS",
    "LAYOUTS",
    "MODEL_PERTURBATIONS",
    "NOISE_TAG",
    "PERTURBATIONS",
    "VARIANT_TAG",
    "DiffPiece",
    "Perturbation",
    "PerturbationChoice",
    "Rewrites",
    "RowRewrite",
    "VariantSet",
    "WordList",
    "changed_characters",
    "char_diff",
    "check_intensity",
    "check_kind",
    "derive_seed",
    "detect_language",
    "format_perturbations",
    "inline_diff",
    "make_variants",
    "noise_of",
    "normalise_language",
    "original_of",
    "parse_perturbations",
    "perturb_text",
    "perturbation_names",
    "protected_spans",
    "row_language",
    "split_protected",
    "text_fields",
    "variant_id",
    "word_list",
]
