"""Approximate matching with rapidfuzz: similarity, levenshtein and expected-facts coverage.

Facts are what a botmaster cares about most ("did the reply give the delivery date?"), so their
matching tolerates what does not change meaning — case, accents, punctuation, typographic
apostrophes, a typo or two, numbers in words, inflections — while numbers must match exactly
(``13 novembre`` does not cover the fact ``3 novembre``), a fact never matches inside another
word, and a negated fact is not stated (see `workbench.scoring.facts`).
"""

from __future__ import annotations

from workbench.core.models import CriterionSpec
from workbench.scoring.config import (
    check_known_keys,
    config_error,
    get_bool,
    get_number,
    get_str,
    get_values,
)
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.facts import FactMatch, match_fact
from workbench.scoring.results import (
    CriterionResult,
    ScoringContext,
    not_applicable,
    passed_result,
)
from workbench.scoring.text import collapse_spaces, fold

DEFAULT_FACT_SIMILARITY = 88.0
"""rapidfuzz ``ratio`` (0–100) a fact needs against a run of the reply's words to count as present:
high enough to refuse a different word, low enough to forgive one typo in a word of eight or more
letters."""


def _expected_text(spec: CriterionSpec, ctx: ScoringContext) -> str | None:
    if spec.config.get("value") is not None:
        return str(get_str(spec, "value"))
    return ctx.row.expected


# --- similarity -------------------------------------------------------------------------------


def _parse_similarity(spec: CriterionSpec) -> tuple[float, bool]:
    check_known_keys(spec, {"value", "threshold", "normalize"})
    if spec.config.get("value") is not None:
        get_str(spec, "value")
    threshold = get_number(spec, "threshold", 0.8, minimum=0, maximum=1)
    return threshold, get_bool(spec, "normalize", True)


def evaluate_similarity(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """rapidfuzz ``ratio`` between the output and the expected answer reaches ``threshold``.

    ``threshold`` is 0–1 (default 0.8); ``normalize`` (default true) compares case-, accent- and
    whitespace-folded text. The ratio is kept in ``value``.
    """
    threshold, normalize = _parse_similarity(spec)
    expected = _expected_text(spec, ctx)
    if expected is None:
        return not_applicable(spec, "no value configured and the row has no expected answer")
    a, b = (fold(ctx.output), fold(expected)) if normalize else (ctx.output, expected)
    from rapidfuzz import fuzz  # rapidfuzz loads when a rubric uses it

    ratio = fuzz.ratio(a, b) / 100.0
    passed = ratio >= threshold
    detail = f"similarity {ratio:.2f} {'≥' if passed else '<'} {threshold:g}"
    return passed_result(spec, passed, detail, value=ratio)


# --- levenshtein ------------------------------------------------------------------------------


def _parse_levenshtein(spec: CriterionSpec) -> float:
    check_known_keys(spec, {"value", "max_distance"})
    if spec.config.get("value") is not None:
        get_str(spec, "value")
    return float(get_number(spec, "max_distance", 5, minimum=0))


def evaluate_levenshtein(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """Edit distance between output and ``value`` (or the expected answer) ≤ ``max_distance``.

    The comparison is exact (case and whitespace count), as promptfoo's; default distance 5.
    """
    limit = _parse_levenshtein(spec)
    expected = _expected_text(spec, ctx)
    if expected is None:
        return not_applicable(spec, "no value configured and the row has no expected answer")
    from rapidfuzz.distance import Levenshtein

    distance = Levenshtein.distance(ctx.output, expected)
    passed = distance <= limit
    detail = f"edit distance {distance} {'≤' if passed else '>'} {limit:g}"
    return passed_result(spec, passed, detail, value=float(distance))


# --- facts ------------------------------------------------------------------------------------


def _parse_facts(spec: CriterionSpec) -> tuple[list[str] | None, float, float]:
    check_known_keys(spec, {"facts", "min_coverage", "min_similarity"})
    facts = None
    if spec.config.get("facts") is not None:
        raw = spec.config["facts"]
        if not isinstance(raw, list | tuple):
            raise config_error(spec, "'facts' must be a list of texts")
        facts = get_values(spec.model_copy(update={"config": {"values": list(raw)}}))
    coverage = get_number(spec, "min_coverage", 1.0, minimum=0, maximum=1)
    similarity = get_number(
        spec, "min_similarity", DEFAULT_FACT_SIMILARITY, minimum=50, maximum=100
    )
    return facts, coverage, similarity


def _why_missing(match: FactMatch) -> str:
    if match.missing_numbers:
        return f"number(s) {', '.join(match.missing_numbers)} absent"
    if match.negated:
        return f"negated: '{match.matched}' follows a negation ({match.similarity:.1f}%)"
    shown = f": '{match.matched}'" if match.matched else ""
    return f"best match {match.similarity:.1f}%{shown}"


def evaluate_facts(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """Each expected fact (the row's ``facts``, or ``facts`` in config) is stated in the output.

    Score is the fraction covered; it passes when that reaches ``min_coverage`` (default 1.0).
    The detail lists missing facts first.
    """
    configured, min_coverage, min_similarity = _parse_facts(spec)
    facts = configured if configured is not None else list(ctx.row.facts)
    if not facts:
        return not_applicable(spec, "the row lists no facts")
    matches = [match_fact(f, ctx.output, min_similarity=min_similarity) for f in facts]
    covered = sum(match.present for match in matches)
    coverage = covered / len(matches)
    missing = [m for m in matches if not m.present]
    lines = [f"{covered}/{len(matches)} facts covered"]
    for match in missing:
        lines.append(f"missing: {collapse_spaces(match.fact)!r} ({_why_missing(match)})")
    for match in matches:
        if match.present:
            how = " on lemmas" if match.lemmas else ""
            lines.append(f"found: {collapse_spaces(match.fact)!r} ({match.similarity:.1f}%{how})")
    passed = coverage >= min_coverage
    return CriterionResult(
        kind=spec.kind,
        name=spec.name or spec.kind,
        passed=passed,
        score=coverage,
        detail="; ".join(lines),
        value=coverage,
    )


KINDS = (
    CriterionKind(
        "similarity", evaluate_similarity, _parse_similarity, "close to the expected answer"
    ),
    CriterionKind(
        "levenshtein", evaluate_levenshtein, _parse_levenshtein, "edit distance within a limit"
    ),
    CriterionKind("facts", evaluate_facts, _parse_facts, "states each expected fact"),
)
