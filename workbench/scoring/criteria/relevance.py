"""The ``relevance`` criterion: the reply talks about what the customer wrote.

A reply is relevant when its content words meet the case: the customer's message, the row's
other texts (order status, policy excerpt, product sheet, expected answer, facts), and the
domain (the column's prompt templates, the persona's role and preferred phrases, ``domain`` in
config). Content words are compared as prefix keys with function words dropped
(`workbench.scoring.lexicon`), so inflections meet and "merci", "the", "votre" never count.

It passes when the reply shares at least ``min_shared`` content keys with that reference (default
2; 1 for a reply of at most 6 content words) and at least ``min_ratio`` of its own content keys
(default 0.15) are shared. A reply that only repeats the customer's message (less than 20 % of
its content new) fails too. Reversed text, random words and word salad share next to nothing
with the case and fail; the score is the shared ratio, shown with the shared words.
"""

from __future__ import annotations

from workbench.core.models import CriterionSpec
from workbench.scoring.config import check_known_keys, config_error, get_number
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.criteria.customer import customer_message, message_var, row_context
from workbench.scoring.lexicon import content_keys
from workbench.scoring.results import (
    CriterionResult,
    ScoringContext,
    not_applicable,
    passed_result,
)

DEFAULT_MIN_SHARED = 2
DEFAULT_MIN_RATIO = 0.15
SHORT_REPLY_KEYS = 6
ECHO_MAX_NEW = 0.2


def _parse(spec: CriterionSpec) -> tuple[int, float, str | None, tuple[str, ...]]:
    check_known_keys(spec, {"min_shared", "min_ratio", "message_var", "domain"})
    shared = int(get_number(spec, "min_shared", DEFAULT_MIN_SHARED, minimum=1))
    ratio = get_number(spec, "min_ratio", DEFAULT_MIN_RATIO, minimum=0, maximum=1)
    domain = spec.config.get("domain", [])
    if isinstance(domain, str):
        domain = [domain]
    if not isinstance(domain, list | tuple) or not all(isinstance(d, str) for d in domain):
        raise config_error(spec, "'domain' must be a text or a list of texts")
    return shared, ratio, message_var(spec), tuple(domain)


def evaluate_relevance(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """See the module docstring."""
    min_shared, min_ratio, var, domain = _parse(spec)
    message = customer_message(ctx.row, var)
    references = [*row_context(ctx.row, skip=var if var else None), *domain, ctx.prompt_text]
    if ctx.persona is not None:
        references.extend([ctx.persona.role, ctx.persona.display_name, *ctx.persona.prefer])
    reference = content_keys(" ".join([message or "", *references]))
    if not message and not reference:
        return not_applicable(spec, "no customer message and no context to compare with")
    reply = content_keys(ctx.output)
    if not reply:
        return passed_result(spec, False, "no content words in the reply", value=0.0)
    shared = reply & reference
    ratio = len(shared) / len(reply)
    needed = 1 if len(reply) <= SHORT_REPLY_KEYS else min_shared
    shown = ", ".join(sorted(shared)[:8]) or "none"
    detail = f"{len(shared)}/{len(reply)} content words meet the case ({ratio:.0%}): {shown}"
    if message:
        asked = content_keys(message)
        new = len(reply - asked) / len(reply)
        if len(reply) >= 3 and new < ECHO_MAX_NEW:
            return passed_result(
                spec, False, f"repeats the customer's message ({new:.0%} new); {detail}", value=0.0
            )
    passed = len(shared) >= needed and ratio >= min_ratio
    if not passed:
        detail += f"; needs {needed} word(s) and {min_ratio:.0%}"
    return passed_result(spec, passed, detail, value=ratio)


KINDS = (
    CriterionKind(
        "relevance", evaluate_relevance, _parse, "talks about the customer's message and case"
    ),
)
