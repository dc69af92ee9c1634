"""The ``language`` criterion: the reply is written in a language the customer can read.

The expected languages are the language of the customer's message (detected) and the persona's
languages; ``languages`` in config replaces the persona's. The reply's language is detected with
lingua (`workbench.scoring.language`); it passes when it is one of the expected languages with at
least ``min_confidence`` (default 0.5) of lingua's confidence. Not applicable when nothing says
which language is expected, or the reply is too short to tell (under three words).
"""

from __future__ import annotations

from workbench.core.models import CriterionSpec
from workbench.scoring.config import check_known_keys, config_error, get_number
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.criteria.customer import customer_message, message_var
from workbench.scoring.language import UnknownLanguageError, check_codes, detect_language
from workbench.scoring.results import (
    CriterionResult,
    ScoringContext,
    not_applicable,
    passed_result,
)

DEFAULT_MIN_CONFIDENCE = 0.5


def _parse(spec: CriterionSpec) -> tuple[tuple[str, ...] | None, float, str | None]:
    check_known_keys(spec, {"languages", "min_confidence", "message_var"})
    raw = spec.config.get("languages")
    languages = None
    if raw is not None:
        if not isinstance(raw, list | tuple) or not raw:
            raise config_error(spec, "'languages' must be a non-empty list of codes (fr, en…)")
        try:
            check_codes(raw)
        except UnknownLanguageError as error:
            raise config_error(spec, str(error)) from error
        languages = tuple(str(code).lower() for code in raw)
    confidence = get_number(spec, "min_confidence", DEFAULT_MIN_CONFIDENCE, minimum=0, maximum=1)
    return languages, confidence, message_var(spec)


def evaluate_language(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """See the module docstring."""
    configured, min_confidence, var = _parse(spec)
    persona_languages = tuple(ctx.persona.languages) if ctx.persona else ()
    allowed = list(configured if configured is not None else persona_languages)
    known = [code.lower() for code in allowed if _known(code)]
    why = []
    message = customer_message(ctx.row, var)
    if message is not None:
        asked = detect_language(message, known)
        if asked is not None:
            why.append(f"message in {asked.code}")
            if asked.code not in known:
                known.append(asked.code)
    if known and (configured is not None or persona_languages):
        why.append(f"{'rubric' if configured is not None else 'persona'}: {', '.join(allowed)}")
    if not known:
        return not_applicable(spec, "no language expected: no persona languages, message unknown")
    guess = detect_language(ctx.output, known)
    if guess is None:
        return not_applicable(spec, "reply too short to tell its language")
    passed = guess.code in known and guess.confidence >= min_confidence
    verdict = f"reply in {guess.code} ({guess.confidence:.0%} confident)"
    if guess.code in known and not passed:
        verdict += f", below {min_confidence:.0%}"
    detail = f"{verdict}; expected {' or '.join(known)} ({'; '.join(why)})"
    return passed_result(spec, passed, detail, value=guess.confidence)


def _known(code: str) -> bool:
    try:
        check_codes([code])
    except UnknownLanguageError:
        return False
    return True


KINDS = (
    CriterionKind(
        "language", evaluate_language, _parse, "written in the customer's or persona's language"
    ),
)
