"""Judge mode of unanswered detection: an LLM judge decides whether a reply answers.

A ``refusal`` / ``unanswered`` criterion with ``mode: judge`` asks the rubric's judge model
(through the same `JudgeCall` as ``llm-judge`` criteria: the engine's limits, retries and the
response cache, where only readable verdicts are kept) whether the reply answers the customer's
question, fully or partly. The deterministic detector (`workbench.scoring.unanswered`) still
runs: when the judge call fails or its answer holds no readable verdict, the criterion falls
back to the deterministic result and says so in its detail ("judge unavailable … deterministic
detector used"), so a judge outage never passes a reply silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.llm import ChatRequest
from workbench.core.models import CriterionSpec
from workbench.scoring.judge import JudgeCall, build_judge_request, evaluate_judge
from workbench.scoring.results import ScoringContext
from workbench.scoring.unanswered import UnansweredMatch, detect_unanswered

MODES = ("deterministic", "judge")

UNANSWERED_CRITERION = (
    "The reply ANSWERS the customer's question, fully or partly: it gives information, a "
    "decision (a plain 'no' with its reason counts), or does what was asked, even when it also "
    "apologises, hedges or adds a contact for further questions. The reply FAILS when it gives "
    "no answer at all: it declines, says it cannot help, does not know or has no access, did "
    "not understand, or only sends the customer elsewhere (another service, a phone number, a "
    "web page, a colleague) without answering. Verdict 'pass' = answered, 'fail' = unanswered."
)


@dataclass(frozen=True)
class UnansweredVerdict:
    """Whether a reply is unanswered, who decided and why.

    Attributes:
        unanswered: the verdict.
        source: ``judge``, or ``deterministic`` when the judge failed or was unreadable.
        detail: the judge's reasoning, or the deterministic reason with the judge's failure.
        match: the deterministic detector's finding (None when it saw an answer).
    """

    unanswered: bool
    source: str
    detail: str
    match: UnansweredMatch | None


def _judge_spec(spec: CriterionSpec | None) -> CriterionSpec:
    config: dict[str, object] = {"criterion": UNANSWERED_CRITERION, "scale": "pass-fail"}
    if spec is not None:
        for key in ("model", "params"):
            if key in spec.config:
                config[key] = spec.config[key]
    name = (spec.name if spec is not None else None) or "unanswered"
    return CriterionSpec(kind="llm-judge", name=name, config=config)


def unanswered_judge_request(ctx: ScoringContext, spec: CriterionSpec | None = None) -> ChatRequest:
    """The judge request asking whether `ctx.output` answers (pass-fail, structured output)."""
    return build_judge_request(_judge_spec(spec), ctx)


def _deterministic_text(match: UnansweredMatch | None) -> str:
    if match is None:
        return "no refusal, fallback or unanswered pattern found"
    return f"{match.category}: matched {match.pattern!r} ({match.matched!r})"


async def judge_unanswered(
    ctx: ScoringContext, judge_call: JudgeCall, spec: CriterionSpec | None = None
) -> UnansweredVerdict:
    """Ask the judge whether the reply in `ctx` is unanswered; fall back, marked, on failure."""
    match = detect_unanswered(ctx.output)
    if match is not None and match.category == "empty":
        return UnansweredVerdict(True, "deterministic", "empty output", match)
    result = await evaluate_judge(_judge_spec(spec), ctx, judge_call)
    if result.error is not None or result.passed is None:
        why = result.error or "no verdict"
        return UnansweredVerdict(
            match is not None,
            "deterministic",
            f"judge unavailable ({why}); deterministic detector used: {_deterministic_text(match)}",
            match,
        )
    return UnansweredVerdict(not result.passed, "judge", f"judge: {result.detail}", match)
