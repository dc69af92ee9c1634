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
from workbench.scoring.results import CriterionResult, ScoringContext, passed_result
from workbench.scoring.unanswered import UnansweredMatch, detect_unanswered

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


def _parse_refusal(spec: CriterionSpec) -> _RefusalConfig:
    check_known_keys(spec, {"expect", "decline_tags", "fallback_max_words", "extra_patterns"})
    expect = get_choice(spec, "expect", {"answer", "refusal"}, "answer")
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
    return _RefusalConfig(expect, frozenset(tags or ()), max_words, tuple(extra))


def evaluate_refusal(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """``expect: answer`` (default) passes when the reply answers; ``expect: refusal`` passes
    when it politely declines (an off-topic row). An empty reply fails both.

    ``decline_tags`` decides per row instead: a row carrying one of those tags expects a
    refusal, any other row an answer. ``extra_patterns`` adds the bot's own fallback phrases
    (regular expressions, any case).
    """
    config = _parse_refusal(spec)
    expect, why = config.expect, ""
    if config.decline_tags:
        matching = sorted(config.decline_tags.intersection(ctx.row.tags))
        expect = "refusal" if matching else "answer"
        why = (
            f"row tagged {', '.join(matching)}: expects a refusal; "
            if matching
            else "row not tagged " + "/".join(sorted(config.decline_tags)) + ": expects an answer; "
        )
    match = detect_unanswered(ctx.output)
    if match is None:
        for pattern in config.extra:
            found = pattern.search(ctx.output)
            if found:
                match = UnansweredMatch("custom", pattern.pattern, found.group(0))
                break
    if match is None:
        described = "no refusal, fallback or unanswered pattern found"
    else:
        described = f"{match.category}: matched {match.pattern!r} ({match.matched!r})"
    if expect == "answer":
        return passed_result(spec, match is None, why + described)
    declined = match is not None and match.category != "empty"
    return passed_result(
        spec, declined, why + (described if match else "answered instead of declining")
    )


KINDS = (
    CriterionKind(
        "refusal", evaluate_refusal, _parse_refusal, "answers (or, with expect: refusal, declines)"
    ),
    CriterionKind("unanswered", evaluate_refusal, _parse_refusal, "same as refusal"),
)
