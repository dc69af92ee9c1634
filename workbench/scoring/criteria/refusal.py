"""Unanswered, refusal and fallback detection in French and English.

This gives the botmaster's "questions left unanswered" figure. A reply counts as unanswered
when it is empty, or when it refuses, says it has no access or does not know, did not understand,
hides behind "as an AI", or sends the customer elsewhere — and gives no real answer besides
(`workbench.scoring.unanswered`): a partial answer with a hedge, or a full answer closing on
"pour toute autre question, contactez le service client", is an answer.

With ``decline_tags`` the criterion serves a whole dataset: rows carrying any of those tags
(``off-topic``) expect a polite refusal, every other row expects an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.core.models import CriterionSpec
from workbench.scoring.config import check_known_keys, config_error, get_choice, get_number
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.judge import JudgeCall
from workbench.scoring.results import CriterionResult, ScoringContext, passed_result
from workbench.scoring.unanswered import UnansweredMatch, cleared_by_learned, detect_unanswered
from workbench.scoring.unanswered_judge import MODES, judge_unanswered

DEFAULT_FALLBACK_MAX_WORDS = 40
"""Kept so older rubrics that set ``fallback_max_words`` still load; detection no longer counts
words (see `workbench.scoring.unanswered`: what decides is how much answer remains besides the
limitation or redirect)."""

UNANSWERED_CATEGORIES = frozenset(
    {"refusal", "no-access", "not-understood", "unknown", "out-of-scope", "ai-disclaimer"}
    | {"fallback", "empty"}
)


@dataclass(frozen=True)
class _RefusalConfig:
    expect: str
    decline_tags: frozenset[str]
    max_words: int
    extra: tuple[re.Pattern[str], ...]
    mode: str = "deterministic"


def _parse_refusal(spec: CriterionSpec) -> _RefusalConfig:
    check_known_keys(
        spec,
        {"expect", "decline_tags", "fallback_max_words", "extra_patterns", "mode", "model"}
        | {"params"},
    )
    expect = get_choice(spec, "expect", {"answer", "refusal"}, "answer")
    mode = get_choice(spec, "mode", set(MODES), "deterministic")
    params = spec.config.get("params", {})
    if not isinstance(params, dict):
        raise config_error(spec, "'params' must be a mapping of judge request parameters")
    tags = spec.config.get("decline_tags")
    if tags is not None:
        if "expect" in spec.config:
            raise config_error(
                spec,
                "give either 'expect' (one expectation for every row) or 'decline_tags' (rows"
                " with those tags expect a refusal, the others an answer), not both",
            )
        if (
            not isinstance(tags, list | tuple)
            or not tags
            or not all(isinstance(t, str) and t.strip() for t in tags)
        ):
            raise config_error(spec, "'decline_tags' must be a non-empty list of row tags")
    max_words = int(get_number(spec, "fallback_max_words", DEFAULT_FALLBACK_MAX_WORDS, minimum=0))
    raw = spec.config.get("extra_patterns", [])
    if not isinstance(raw, list | tuple) or not all(isinstance(p, str) for p in raw):
        raise config_error(spec, "'extra_patterns' must be a list of regular expressions")
    extra = []
    for pattern in raw:
        try:
            extra.append(re.compile(pattern, re.IGNORECASE))
        except re.error as error:
            raise config_error(spec, f"bad regular expression {pattern!r}: {error}") from error
    return _RefusalConfig(expect, frozenset(tags or ()), max_words, tuple(extra), mode)


def uses_judge(spec: CriterionSpec) -> bool:
    """Whether this criterion is an unanswered / refusal check in judge mode."""
    return spec.kind in {"refusal", "unanswered"} and spec.config.get("mode") == "judge"


def evaluate_refusal(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """``expect: answer`` (default) passes when the reply answers; ``expect: refusal`` passes
    when it politely declines (an off-topic row). An empty reply fails both.

    ``decline_tags`` decides per row instead: a row carrying one of those tags expects a
    refusal, any other row an answer. ``extra_patterns`` adds the bot's own fallback phrases
    (regular expressions, any case).
    """
    config = _parse_refusal(spec)
    expect, why = _expectation(config, ctx)
    match = _deterministic(config, ctx)
    described = _described(match)
    cleared = cleared_by_learned(ctx.output) if match is None else ""
    if cleared:
        described = f"answers: {cleared}"
    return _result(spec, expect, why, match is not None, match, described)


async def evaluate_refusal_judged(
    spec: CriterionSpec, ctx: ScoringContext, judge_call: JudgeCall
) -> CriterionResult:
    """``mode: judge``: the judge decides whether the reply answers; when the judge fails or
    answers unreadably, the deterministic detector decides and the detail says so."""
    config = _parse_refusal(spec)
    expect, why = _expectation(config, ctx)
    verdict = await judge_unanswered(ctx, judge_call, spec)
    if verdict.source == "judge":
        return _result(spec, expect, why, verdict.unanswered, verdict.match, verdict.detail)
    match = _deterministic(config, ctx)
    return _result(
        spec,
        expect,
        why,
        match is not None,
        match,
        verdict.detail.replace(_described(verdict.match), _described(match)),
    )


def _expectation(config: _RefusalConfig, ctx: ScoringContext) -> tuple[str, str]:
    if not config.decline_tags:
        return config.expect, ""
    matching = sorted(config.decline_tags.intersection(ctx.row.tags))
    expect = "refusal" if matching else "answer"
    why = (
        f"row tagged {', '.join(matching)}: expects a refusal; "
        if matching
        else "row not tagged " + "/".join(sorted(config.decline_tags)) + ": expects an answer; "
    )
    return expect, why


def _deterministic(config: _RefusalConfig, ctx: ScoringContext) -> UnansweredMatch | None:
    match = detect_unanswered(ctx.output)
    if match is None or match.category == "learned":
        # the user's own patterns are a clearer reason than the learned model's opinion
        for pattern in config.extra:
            found = pattern.search(ctx.output)
            if found:
                return UnansweredMatch("custom", pattern.pattern, found.group(0))
    return match


def _described(match: UnansweredMatch | None) -> str:
    if match is None:
        return "no refusal, fallback or unanswered pattern found"
    if match.category == "learned":
        return f"{match.pattern} (no rule matched): {match.matched!r}"
    return f"{match.category}: matched {match.pattern!r} ({match.matched!r})"


def _result(
    spec: CriterionSpec,
    expect: str,
    why: str,
    unanswered: bool,
    match: UnansweredMatch | None,
    described: str,
) -> CriterionResult:
    if expect == "answer":
        return passed_result(spec, not unanswered, why + described)
    empty = match is not None and match.category == "empty"
    declined = unanswered and not empty
    return passed_result(
        spec,
        declined,
        why + (described if unanswered else "answered instead of declining: " + described),
    )


KINDS = (
    CriterionKind(
        "refusal", evaluate_refusal, _parse_refusal, "answers (or, with expect: refusal, declines)"
    ),
    CriterionKind("unanswered", evaluate_refusal, _parse_refusal, "same as refusal"),
)
