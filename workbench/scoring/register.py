"""The ``register`` criterion: does the reply sound like the persona under test?

Sub-checks, each reported separately (the score is the fraction that pass, and the criterion
passes only when all do):

* ``address`` — French: the reply uses the persona's *tu* / *vous* and never the other form
  (see `workbench.scoring.address`); English: ``formal`` refuses a first-name-only greeting
  ("Hi John", "Hey"), ``first_name`` refuses a title greeting ("Dear Mr Smith");
* ``avoid`` — none of the persona's words to avoid appears (whole words; case and accents
  ignored);
* ``sign-off`` — the persona's sign-off closes the reply (fuzzy, within the last lines);
* ``emoji`` — ``never``: none; ``sparingly``: at most one; ``free``: not checked;
* ``exclamations`` — ``never``: no "!"; ``sparingly``: at most one; ``free``: not checked;
* ``sentence-length`` — no sentence longer than ``max_sentence_words`` words.

Settings come from the persona; ``config`` may override any of them (``address_form``,
``avoid``, ``sign_off``, ``emoji``, ``exclamations``, ``max_sentence_words``) and ``checks``
picks a subset of sub-checks. Without a persona and without overrides the criterion is not
applicable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from workbench.core.models import CriterionSpec, PersonaContent
from workbench.scoring.address import Form, detect_english_address, detect_french_address
from workbench.scoring.config import check_known_keys, config_error, get_choice, get_number
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.lazy_patterns import lazy_regex  # regex loads on the first check
from workbench.scoring.results import (
    CriterionResult,
    ScoringContext,
    SubCheck,
    criterion_name,
    not_applicable,
)
from workbench.scoring.text import collapse_spaces, fold_words, normalize_apostrophes, words

CHECKS = ("address", "avoid", "sign-off", "emoji", "exclamations", "sentence-length")
SIGN_OFF_MIN_SIMILARITY = 85.0
"""rapidfuzz ``partial_ratio`` the sign-off needs against the reply's last lines."""

_POLICIES = {"never", "sparingly", "free"}
_GRAPHEME = lazy_regex(r"\X")
_PICTOGRAPH = lazy_regex(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")
# Pictographic by Unicode but ordinary typography in a reply unless drawn as emoji (U+FE0F).
_TEXT_SYMBOLS = {"©", "®", "™", "‼", "⁉", "↔", "↕", "↩", "↪", "▶", "◀", "☑", "✔", "✖", "➡"}
_EMOTICON = re.compile(r"(?<!\S)(?::-?[)(DPp]|;-?\)|<3|\^\^|xD)(?=\s|[.,!?]|$)")
# Abbreviations whose period does not end a sentence.
# fmt: off
_ABBREVIATIONS = {
    "m", "mme", "mlle", "dr", "pr", "st", "ste", "etc", "ex", "cf", "env", "p", "n°", "no",
    "vs", "mr", "mrs", "ms", "e.g", "i.e", "tél", "tel", "réf", "ref", "av", "bd",
}
# fmt: on
_SENTENCE_END = lazy_regex(
    r"[.!?…]+[\"»”)]*(?=\s)|\n+"
    # Replies often end a sentence with an emoji instead of a full stop: "…demain 🚚 Bonne
    # journée". Only before a capital, so "J'adore 🕯️ les bougies" stays one sentence.
    r"|(?:[\p{Extended_Pictographic}\p{Regional_Indicator}][\p{Emoji_Modifier}\uFE0F\u20E3]*"
    r"(?:\u200D\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0F]*)*)+(?=\s+\p{Lu})"
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class RegisterSettings:
    """What the register check enforces (from the persona, overridden by config)."""

    address_form: str | None
    avoid: tuple[str, ...]
    sign_off: str | None
    emoji: str
    exclamations: str
    max_sentence_words: int | None
    checks: tuple[str, ...]


_OVERRIDES = {"address_form", "avoid", "sign_off", "emoji", "exclamations", "max_sentence_words"}


def _settings(spec: CriterionSpec, persona: PersonaContent | None) -> RegisterSettings | None:
    check_known_keys(spec, _OVERRIDES | {"checks"})
    config = spec.config
    if persona is None and not (_OVERRIDES & set(config)):
        return None
    base: dict[str, Any] = {
        "address_form": None,
        "avoid": (),
        "sign_off": None,
        "emoji": "free",
        "exclamations": "free",
        "max_sentence_words": None,
    }
    if persona is not None:
        base.update(
            address_form=persona.address_form,
            avoid=persona.avoid,
            sign_off=persona.sign_off,
            emoji=persona.tone.emoji,
            exclamations=persona.tone.exclamations,
            max_sentence_words=persona.max_sentence_words,
        )
    if "address_form" in config:
        base["address_form"] = get_choice(
            spec, "address_form", {"tu", "vous", "formal", "first_name"}, "vous"
        )
    if "avoid" in config:
        avoid = config["avoid"]
        if not isinstance(avoid, list | tuple) or not all(isinstance(w, str) for w in avoid):
            raise config_error(spec, "'avoid' must be a list of words or phrases")
        base["avoid"] = tuple(avoid)
    if "sign_off" in config:
        if config["sign_off"] is not None and not isinstance(config["sign_off"], str):
            raise config_error(spec, "'sign_off' must be text")
        base["sign_off"] = config["sign_off"]
    for key in ("emoji", "exclamations"):
        if key in config:
            base[key] = get_choice(spec, key, _POLICIES, "free")
    if "max_sentence_words" in config:
        limit = get_number(spec, "max_sentence_words", None, minimum=1)
        base["max_sentence_words"] = None if limit is None else int(limit)
    checks = config.get("checks", list(CHECKS))
    if not isinstance(checks, list | tuple) or not set(checks) <= set(CHECKS) or not checks:
        raise config_error(spec, f"'checks' must be a non-empty list among {', '.join(CHECKS)}")
    return RegisterSettings(**base, checks=tuple(checks))


def _check_address(text: str, form: str) -> SubCheck:
    if form in {"tu", "vous"}:
        report = detect_french_address(text)
        wanted: Form = "tu" if form == "tu" else "vous"
        other: Form = "vous" if wanted == "tu" else "tu"
        wrong, right = report.markers(other), report.markers(wanted)
        evidence = []
        if wrong:
            shown = ", ".join(f"'{m.words}' ({m.rule})" for m in wrong[:6])
            evidence.append(f"{other} markers: {shown}")
        if right:
            evidence.append(f"{form} markers: " + ", ".join(f"'{m.words}'" for m in right[:6]))
        if not wrong and not right:
            evidence.append("no tu/vous marker found")
        if report.ignored:
            evidence.append("not counted: " + "; ".join(report.ignored[:4]))
        if report.quoted_passages:
            evidence.append(f"{report.quoted_passages} quoted passage(s) ignored")
        if not wrong and not right:
            # Nothing says the reply uses the persona's form: no evidence is not a pass.
            return SubCheck("address", True, "; ".join(evidence), applicable=False)
        verdict = (
            f"uses {form}" if not wrong else ("mixes tu and vous" if right else f"uses {other}")
        )
        return SubCheck("address", not wrong, f"{verdict}: " + "; ".join(evidence))
    english = detect_english_address(text)
    if english.style is None:
        return SubCheck("address", True, "no greeting")
    bad = (form == "formal" and english.style == "first_name") or (
        form == "first_name" and english.style == "formal"
    )
    detail = f"greeting '{english.greeting}' reads as {english.style}, persona wants {form}"
    return SubCheck("address", not bad, detail)


def _check_avoid(text: str, avoid: tuple[str, ...]) -> SubCheck:
    folded = fold_words(text)
    found = []
    for phrase in avoid:
        key = fold_words(phrase)
        if not key:
            continue
        pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, key.split())) + r"(?!\w)"
        if re.search(pattern, folded):
            found.append(phrase)
    if found:
        return SubCheck("avoid", False, "uses " + ", ".join(repr(w) for w in found))
    return SubCheck("avoid", True, f"none of {len(avoid)} words to avoid")


def _check_sign_off(text: str, sign_off: str) -> SubCheck:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    tail = " ".join(lines[-3:])[-(len(sign_off) * 2 + 40) :]
    from rapidfuzz import fuzz  # loads when a persona's sign-off is checked

    similarity = fuzz.partial_ratio(fold_words(sign_off), fold_words(tail))
    passed = similarity >= SIGN_OFF_MIN_SIMILARITY
    verdict = "present" if passed else "missing"
    return SubCheck("sign-off", passed, f"{sign_off!r} {verdict} at the end ({similarity:.0f}%)")


def count_emoji(text: str) -> list[str]:
    """Emoji in a text (one per drawn symbol, flags and ZWJ families included) and emoticons."""
    found = []
    for grapheme in _GRAPHEME.findall(text):
        if _PICTOGRAPH.search(grapheme):
            if grapheme in _TEXT_SYMBOLS and "\ufe0f" not in grapheme:
                continue
            found.append(grapheme)
    found.extend(match.group(0) for match in _EMOTICON.finditer(text))
    return found


def _policy_check(name: str, policy: str, items: list[str], noun: str) -> SubCheck:
    allowed = 0 if policy == "never" else 1
    passed = len(items) <= allowed
    shown = f": {' '.join(items[:8])}" if items and noun == "emoji" else ""
    detail = f"{len(items)} {noun}{shown} (policy {policy}: at most {allowed})"
    return SubCheck(name, passed, detail)


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of a reply; abbreviations such as ``M.`` or ``etc.`` do not split."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        found = match.group(0)
        if found in _TEXT_SYMBOLS:
            continue  # "Maison Lumière® Nous…": a trademark sign, not an emoji
        before = text[start : match.start()].split()
        last = before[-1].lower().lstrip("([«“\"'").rstrip(".") if before else ""
        # A single letter after a number is a unit ("8 W.", "10 h."), not an initial ("M.").
        unit = len(last) == 1 and len(before) >= 2 and _NUMBER.fullmatch(before[-2]) is not None
        if found.startswith(".") and not unit and (last in _ABBREVIATIONS or len(last) == 1):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if words(sentence)]


def _check_sentence_length(text: str, limit: int) -> SubCheck:
    sentences = split_sentences(normalize_apostrophes(text))
    if not sentences:
        return SubCheck("sentence-length", True, "no sentence")
    longest = max(sentences, key=lambda s: len(words(s)))
    size = len(words(longest))
    over = [s for s in sentences if len(words(s)) > limit]
    shown = collapse_spaces(longest)[:70]
    detail = f"longest sentence {size} words (limit {limit}): {shown!r}"
    if over:
        detail = f"{len(over)} sentence(s) over {limit} words; " + detail
    return SubCheck("sentence-length", not over, detail)


def register_checks(text: str, settings: RegisterSettings) -> list[SubCheck]:
    """Run the applicable sub-checks on `text`."""
    runners: dict[str, Callable[[], SubCheck | None]] = {
        "address": lambda: (
            _check_address(text, settings.address_form) if settings.address_form else None
        ),
        "avoid": lambda: _check_avoid(text, settings.avoid) if settings.avoid else None,
        "sign-off": lambda: _check_sign_off(text, settings.sign_off) if settings.sign_off else None,
        "emoji": lambda: (
            _policy_check("emoji", settings.emoji, count_emoji(text), "emoji")
            if settings.emoji != "free"
            else None
        ),
        "exclamations": lambda: (
            _policy_check("exclamations", settings.exclamations, ["!"] * text.count("!"), "'!'")
            if settings.exclamations != "free"
            else None
        ),
        "sentence-length": lambda: (
            _check_sentence_length(text, settings.max_sentence_words)
            if settings.max_sentence_words
            else None
        ),
    }
    results = [runners[name]() for name in CHECKS if name in settings.checks]
    return [result for result in results if result is not None]


def evaluate_register(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """Check the reply against the persona's register; see the module docstring."""
    settings = _settings(spec, ctx.persona)
    if settings is None:
        return not_applicable(spec, "no persona for this column")
    parts = register_checks(ctx.output, settings)
    judged = [part for part in parts if part.applicable]
    detail = "; ".join(
        f"{p.name} {'n/a' if not p.applicable else 'ok' if p.passed else 'FAIL'}: {p.detail}"
        for p in parts
    )
    if not judged:
        why = detail or "the persona sets nothing the register check can verify"
        return replace(not_applicable(spec, why), parts=tuple(parts))
    passed = sum(part.passed for part in judged)
    return CriterionResult(
        kind=spec.kind,
        name=criterion_name(spec),
        passed=passed == len(judged),
        score=passed / len(judged),
        detail=detail,
        parts=tuple(parts),
    )


def _validate(spec: CriterionSpec) -> None:
    _settings(spec, None)


KINDS = (CriterionKind("register", evaluate_register, _validate, "sounds like the persona"),)
