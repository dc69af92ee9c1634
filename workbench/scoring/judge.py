"""LLM-as-judge: a model grades an output against a written criterion.

A judge criterion (kind ``llm-judge``) carries, in ``config``:

* ``criterion`` — what to judge, in words (required);
* ``scale`` — ``pass-fail`` (default) or ``1-5``;
* ``anchors`` — what each verdict or score means (``{"1": "...", ..., "5": "..."}`` or
  ``{"pass": "...", "fail": "..."}``); the 1–5 scale has generic defaults;
* ``pass_min`` — on the 1–5 scale, the lowest passing score (default 4);
* ``examples`` — optional graded examples: ``{output, verdict | score, reasoning?}``;
* ``template`` — optional Jinja2 text replacing `DEFAULT_JUDGE_TEMPLATE` (the rubric version
  carries it, so the judge prompt is versioned with the rubric);
* ``model`` and ``params`` — passed in the request; the engine's judge may set its own model.

The judge is asked for structured output (the ``json_schema`` request parameter) and its answer
is parsed leniently: the whole answer as JSON, else the *last* complete JSON object in the text
(an object quoted earlier in the reasoning does not win), a fenced block, or ``Score: 4``. The
reasoning becomes the result's detail. When the call fails or the answer cannot be read the
result is an *error* (``passed`` None), never a fail. Calls go through an injected `JudgeCall`
so that the engine can apply its limits, retries and cache.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from workbench.core.errors import TemplateError
from workbench.core.llm import ChatRequest, ChatResult, Message, ProviderError
from workbench.core.models import CriterionSpec
from workbench.core.templates import render_template
from workbench.scoring.config import (
    check_known_keys,
    config_error,
    get_choice,
    get_number,
    get_str,
)
from workbench.scoring.criteria.json_checks import find_json_objects
from workbench.scoring.results import (
    CriterionResult,
    ScoringContext,
    criterion_name,
    error_result,
)

JudgeCall = Callable[[ChatRequest], Awaitable[ChatResult | ProviderError]]
"""Sends one judge request (through the engine's limits and cache) and returns the outcome."""

SCALES = ("pass-fail", "1-5")

JUDGE_SYSTEM_PROMPT = (
    "You are a careful, impartial evaluator of customer-service replies. You judge only the "
    "criterion you are given, you do not reward length or politeness for their own sake, and "
    "you answer with a single JSON object."
)

DEFAULT_ANCHORS_1_5 = {
    "1": "does not meet the criterion at all",
    "2": "meets a small part of the criterion; major problems",
    "3": "partly meets the criterion; noticeable problems",
    "4": "meets the criterion with minor problems",
    "5": "fully meets the criterion",
}

DEFAULT_JUDGE_TEMPLATE = """\
Grade one reply written by a customer-service assistant.

## Criterion
{{ criterion }}

{% if scale == "1-5" -%}
## Scale
Give a whole score from 1 to 5:
{% for key, text in anchors %}- {{ key }}: {{ text }}
{% endfor %}
{%- else -%}
## Verdict
Answer "pass" if the reply meets the criterion, "fail" if it does not.
{% for key, text in anchors %}- {{ key }}: {{ text }}
{% endfor %}
{%- endif %}
{% if persona -%}
## The assistant's persona
{{ persona.display_name }}, {{ persona.role }}; register {{ persona.register }}; addresses the \
customer with "{{ persona.address_form }}".
{% endif %}
{%- if vars %}
## What the customer sent (input variables)
{% for name, value in vars.items() %}- {{ name }}: {{ value }}
{% endfor %}
{%- endif %}
{%- if expected %}
## Reference answer
{{ expected }}
{% endif %}
{%- if facts %}
## Facts the reply should state
{% for fact in facts %}- {{ fact }}
{% endfor %}
{%- endif %}
{%- if examples %}
## Graded examples
{% for example in examples %}
### Example {{ loop.index }}
<reply>
{{ example.output }}
</reply>
{% if scale == "1-5" %}Score: {{ example.score }}{% else %}Verdict: {{ example.verdict }}{% endif %}
{% if example.reasoning %}Reasoning: {{ example.reasoning }}
{% endif %}
{%- endfor %}
{%- endif %}

## Reply to grade
<reply>
{{ output }}
</reply>

Answer with JSON only, giving your step-by-step reasoning about this criterion first:
{% if scale == "1-5" %}{"reasoning": "<why>", "score": <1 to 5>}\
{% else %}{"reasoning": "<why>", "verdict": "pass" or "fail"}{% endif %}
"""

_PASS_WORDS = {"pass", "passed", "yes", "true", "ok", "oui", "réussi", "reussi"}
_FAIL_WORDS = {"fail", "failed", "no", "false", "non", "échec", "echec"}
_REASON_KEYS = ("reasoning", "reason", "explanation", "rationale", "justification")
_VERDICT_KEYS = ("verdict", "pass", "passed", "result")
_SCORE_KEYS = ("score", "rating", "grade", "note")
_SCORE_TEXT = re.compile(r"\b(?:score|rating|note)\s*[:=]\s*\**\s*([1-5])\b", re.IGNORECASE)
_VERDICT_TEXT = re.compile(r"\bverdict\s*[:=]\s*\**\s*\"?(pass|fail)\b", re.IGNORECASE)
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


@dataclass(frozen=True)
class JudgeConfig:
    """A judge criterion's configuration, checked."""

    criterion: str
    scale: str
    anchors: tuple[tuple[str, str], ...]
    pass_min: int
    examples: tuple[dict[str, Any], ...]
    template: str
    model: str
    params: dict[str, Any]


def parse_judge_config(spec: CriterionSpec) -> JudgeConfig:
    """Read and check an ``llm-judge`` configuration; errors name the criterion."""
    check_known_keys(
        spec,
        {"criterion", "scale", "anchors", "pass_min", "examples", "template", "model", "params"},
    )
    criterion = get_str(spec, "criterion")
    if not criterion.strip():
        raise config_error(spec, "'criterion' is empty")
    scale = get_choice(spec, "scale", SCALES, "pass-fail")
    raw_anchors = spec.config.get("anchors")
    if raw_anchors is None:
        raw_anchors = DEFAULT_ANCHORS_1_5 if scale == "1-5" else {}
    if not isinstance(raw_anchors, dict):
        raise config_error(spec, "'anchors' must map each score or verdict to its meaning")
    allowed = {"1", "2", "3", "4", "5"} if scale == "1-5" else {"pass", "fail"}
    anchors = tuple((str(k), str(v)) for k, v in raw_anchors.items())
    wrong = [key for key, _ in anchors if key not in allowed]
    if wrong:
        raise config_error(
            spec, f"anchor(s) {', '.join(wrong)} do not fit the {scale} scale ({sorted(allowed)})"
        )
    pass_min = int(get_number(spec, "pass_min", 4, minimum=1, maximum=5))
    examples = _parse_examples(spec, scale)
    template = get_str(spec, "template", DEFAULT_JUDGE_TEMPLATE)
    params = spec.config.get("params", {})
    if not isinstance(params, dict):
        raise config_error(spec, "'params' must be a mapping of request parameters")
    return JudgeConfig(
        criterion=criterion,
        scale=scale,
        anchors=tuple(sorted(anchors)),
        pass_min=pass_min,
        examples=examples,
        template=template,
        model=get_str(spec, "model", ""),
        params=dict(params),
    )


def _parse_examples(spec: CriterionSpec, scale: str) -> tuple[dict[str, Any], ...]:
    raw = spec.config.get("examples", [])
    if not isinstance(raw, list | tuple):
        raise config_error(spec, "'examples' must be a list")
    examples = []
    for number, example in enumerate(raw, start=1):
        if not isinstance(example, dict) or not isinstance(example.get("output"), str):
            raise config_error(spec, f"example #{number} needs an 'output' text")
        if scale == "1-5" and example.get("score") not in {1, 2, 3, 4, 5}:
            raise config_error(spec, f"example #{number} needs a 'score' from 1 to 5")
        if scale == "pass-fail" and example.get("verdict") not in {"pass", "fail"}:
            raise config_error(spec, f"example #{number} needs a 'verdict': pass or fail")
        examples.append(dict(example))
    return tuple(examples)


def judge_schema(scale: str) -> dict[str, Any]:
    """The JSON schema the judge's answer must follow on this scale."""
    if scale == "1-5":
        answer: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 5}
        key = "score"
    else:
        answer = {"type": "string", "enum": ["pass", "fail"]}
        key = "verdict"
    return {
        "type": "object",
        "properties": {"reasoning": {"type": "string"}, key: answer},
        "required": ["reasoning", key],
        "additionalProperties": False,
    }


def build_judge_request(spec: CriterionSpec, ctx: ScoringContext) -> ChatRequest:
    """The request the judge receives for this output.

    Raises:
        CriterionConfigError: bad configuration or a judge template that does not render.
    """
    config = parse_judge_config(spec)
    persona = ctx.persona.model_dump(mode="json") if ctx.persona is not None else None
    variables = {
        "criterion": config.criterion,
        "scale": config.scale,
        "anchors": list(config.anchors),
        "examples": list(config.examples),
        "output": ctx.output,
        "vars": dict(ctx.row.vars),
        "expected": ctx.row.expected,
        "facts": list(ctx.row.facts),
        "persona": persona,
        "row_id": ctx.row.id,
    }
    try:
        prompt = render_template(
            config.template, variables, name=f"judge:{criterion_name(spec)}", row=ctx.row.id
        )
    except TemplateError as error:
        raise config_error(spec, f"judge template: {error}") from error
    params = {"temperature": 0, "max_tokens": 800, **config.params}
    params["json_schema"] = judge_schema(config.scale)
    return ChatRequest(
        model=config.model,
        messages=(Message("system", JUDGE_SYSTEM_PROMPT), Message("user", prompt)),
        params=params,
        stream=False,
    )


class JudgeAnswerError(ValueError):
    """The judge's answer could not be read as a verdict or score."""


@dataclass(frozen=True)
class JudgeAnswer:
    """A parsed judge answer: reasoning plus a verdict (pass-fail) or a score (1–5)."""

    reasoning: str
    verdict: bool | None = None
    score: int | None = None


def _candidates(text: str) -> list[dict[str, Any]]:
    """JSON objects that may hold the verdict, most authoritative first: the whole answer
    (structured output), then the objects in the text from the *last* to the first — a judge
    that quotes an object inside its reasoning gives its own verdict after it."""
    found: list[dict[str, Any]] = []
    try:
        whole = json.loads(text.strip())
        if isinstance(whole, dict):
            found.append(whole)
    except ValueError:
        pass
    found.extend(v for v in reversed(find_json_objects(text)) if isinstance(v, dict))
    for block in reversed(_FENCE.findall(text)):
        try:
            value = json.loads(block)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def _first(mapping: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None


def _verdict_of(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().strip(".").lower()
        if word in _PASS_WORDS:
            return True
        if word in _FAIL_WORDS:
            return False
    return None


def _score_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().split("/")[0].strip()
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and float(value).is_integer() and 1 <= value <= 5:
        return int(value)
    return None


def parse_judge_answer(text: str, scale: str) -> JudgeAnswer:
    """Read a judge's answer; raises `JudgeAnswerError` when no verdict or score is found."""
    for candidate in _candidates(text):
        lowered = {str(k).lower(): v for k, v in candidate.items()}
        reasoning = _first(lowered, _REASON_KEYS)
        reasoning = "" if reasoning is None else str(reasoning)
        if scale == "1-5":
            score = _score_of(_first(lowered, _SCORE_KEYS))
            if score is not None:
                return JudgeAnswer(reasoning, score=score)
        else:
            verdict = _verdict_of(_first(lowered, _VERDICT_KEYS))
            if verdict is not None:
                return JudgeAnswer(reasoning, verdict=verdict)
    pattern = _SCORE_TEXT if scale == "1-5" else _VERDICT_TEXT
    found = pattern.search(text)
    if found:
        value = found.group(1)
        reasoning = text[: found.start()].strip()
        if scale == "1-5":
            return JudgeAnswer(reasoning, score=int(value))
        return JudgeAnswer(reasoning, verdict=value.lower() == "pass")
    wanted = "a score from 1 to 5" if scale == "1-5" else "a pass/fail verdict"
    raise JudgeAnswerError(f"the judge's answer holds no {wanted}")


def judge_scale_of(request: ChatRequest) -> str | None:
    """The scale a judge request asks for (from its answer schema); None for another request."""
    schema = request.params.get("json_schema")
    if not isinstance(schema, dict):
        return None
    required = schema.get("required") or ()
    if "score" in required:
        return "1-5"
    if "verdict" in required:
        return "pass-fail"
    return None


def readable_judge_answer(request: ChatRequest, result: ChatResult) -> bool:
    """Whether `result` holds a verdict or score `parse_judge_answer` can read.

    The judge's cache keeps only readable answers: an unreadable one cached would be served
    again after the judge (its model, its max_tokens) is fixed, and never re-asked.
    """
    scale = judge_scale_of(request)
    if scale is None:
        return True
    try:
        parse_judge_answer(result.text, scale)
    except JudgeAnswerError:
        return False
    return True


async def evaluate_judge(
    spec: CriterionSpec, ctx: ScoringContext, judge_call: JudgeCall
) -> CriterionResult:
    """Ask the judge about one output; failures come back as error results, never fails."""
    config = parse_judge_config(spec)
    request = build_judge_request(spec, ctx)
    outcome = await judge_call(request)
    if isinstance(outcome, ProviderError):
        return error_result(spec, f"judge call failed ({outcome.kind}): {outcome.message}")
    try:
        answer = parse_judge_answer(outcome.text, config.scale)
    except JudgeAnswerError as error:
        truncated = (
            " (the answer was cut off: raise max_tokens)"
            if (outcome.finish_reason == "length")
            else ""
        )
        excerpt = " ".join(outcome.text.split())[:200]
        return error_result(spec, f"{error}{truncated}; answer began: {excerpt!r}")
    name = criterion_name(spec)
    if config.scale == "1-5":
        assert answer.score is not None
        return CriterionResult(
            kind=spec.kind,
            name=name,
            passed=answer.score >= config.pass_min,
            score=(answer.score - 1) / 4,
            detail=answer.reasoning,
            value=float(answer.score),
        )
    assert answer.verdict is not None
    return CriterionResult(
        kind=spec.kind,
        name=name,
        passed=answer.verdict,
        score=1.0 if answer.verdict else 0.0,
        detail=answer.reasoning,
    )
