"""Unanswered, refusal and fallback detection in French and English.

This gives the botmaster's "questions left unanswered" figure. A reply counts as unanswered
when it is empty, refuses ("je ne suis pas en mesure de…", "I can't help with…"), says it has no
access to the information, says it did not understand, hides behind "as an AI", or deflects to
another channel ("contactez le service client"). Deflection phrases also close many complete
answers ("Pour toute autre question, contactez le service client"), and a limitation ("I can't
check…", "je ne peux ni… ni…") is often stated inside a real answer, so both count only in a
short reply (at most ``fallback_max_words`` words, default 40).

With ``decline_tags`` the criterion serves a whole dataset: rows carrying any of those tags
(``off-topic``) expect a polite refusal, every other row expects an answer.

Patterns run on folded text (lower case, no accents, straight apostrophes), so ``Désolé`` and
``desole``, ``n’ai`` and ``n'ai`` are the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.core.models import CriterionSpec
from workbench.scoring.config import check_known_keys, config_error, get_choice, get_number
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.results import CriterionResult, ScoringContext, passed_result
from workbench.scoring.text import fold, words

DEFAULT_FALLBACK_MAX_WORDS = 40

_HELP_VERBS = (
    r"(?:aider|repondre|renseigner|traiter|donner|fournir|communiquer|partager|acceder"
    r"|divulguer|m'occuper|satisfaire|accompagner)"
)
_EN_HELP = r"(?:help|assist|answer|provide|share|do that|access|discuss|comply)"

# (category, label, pattern). Labels are what reports show as "which pattern matched".
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    # Refusals.
    (
        "refusal",
        "je ne peux pas (aider/répondre…)",
        rf"\bje ne (?:peux|pourrai|pourrais)(?: malheureusement| helas)? (?:pas|ni)"
        rf"(?: vous| t'| te| y)? ?{_HELP_VERBS}",
    ),
    # Declining a prompt injection: changing or revealing the bot's own instructions.
    (
        "refusal",
        "je ne peux pas changer de consignes",
        r"\bje ne (?:peux|pourrai|pourrais|vais)\b[^.!?]{0,60}?\b(?:changer|ignorer|oublier"
        r"|modifier|partager|divulguer|reveler) (?:de |mes |les |ces |vos )?"
        r"(?:consignes|instructions|regles)\b",
    ),
    (
        "refusal",
        "I can't ignore my instructions",
        r"\bi (?:can't|cannot|can not|won't|will not)\b[^.!?]{0,40}?\b(?:ignore|change|share"
        r"|reveal|disclose|forget) (?:my|these|the|your|previous|its) (?:previous )?"
        r"(?:instructions|rules|system prompt)\b",
    ),
    ("refusal", "je ne suis pas en mesure", r"\bje ne suis pas en mesure de\b"),
    ("refusal", "il m'est impossible", r"\bil m'est (?:malheureusement )?impossible de\b"),
    ("refusal", "je ne suis pas autorisé", r"\bje ne suis pas (?:autorise|habilite)e?\b"),
    (
        "refusal",
        "I can't help",
        rf"\bi(?: can't| cannot| can not|'m unable to| am unable to|'m not able to"
        rf"| am not able to| won't be able to) {_EN_HELP}",
    ),
    ("refusal", "I'm sorry, but I can't", r"\bi'm sorry,? but i (?:can't|cannot)\b"),
    # No access to the information.
    ("no-access", "je n'ai pas accès", r"\bje n'ai pas (?:acces|la possibilite d'acceder)\b"),
    (
        "no-access",
        "je n'ai pas l'information",
        r"\bje n'ai (?:pas|aucune?) (?:d'informations?|les informations|cette information"
        r"|information|donnee|visibilite)\b",
    ),
    ("no-access", "je ne dispose pas", r"\bje ne dispose pas d(?:e |es |')"),
    ("no-access", "I don't have access", r"\bi (?:don't|do not) have (?:access|any information)\b"),
    # Did not understand.
    ("not-understood", "je n'ai pas compris", r"\bje n'ai pas (?:bien )?compris\b"),
    ("not-understood", "reformuler", r"\b(?:pourriez-vous|pouvez-vous|peux-tu) reformuler\b"),
    (
        "not-understood",
        "I didn't understand",
        r"\bi (?:didn't|did not|don't|do not) understand\b|\bcould you rephrase\b",
    ),
    ("unknown", "je ne sais pas", r"\bje ne (?:le )?sais pas\b"),
    ("unknown", "I don't know", r"\bi (?:don't|do not) know\b"),
    # Out of scope.
    (
        "out-of-scope",
        "je ne suis pas la bonne personne",
        r"\bje ne suis pas (?:la bonne personne|le bon interlocuteur|la bonne interlocutrice"
        r"|le bon contact|le mieux place|la mieux placee) pour\b",
    ),
    (
        "out-of-scope",
        "I'm not the right person",
        r"\bi(?:'m| am) not the (?:right|best) (?:person|place|assistant) (?:to|for)\b",
    ),
    (
        "out-of-scope",
        "je ne peux répondre qu'à…",
        rf"\bje ne (?:peux|pourrai) (?:vous |t')?{_HELP_VERBS} qu(?:e |')",
    ),
    (
        "out-of-scope",
        "hors de mon périmètre",
        r"\b(?:hors de|en dehors de|depasse|sort de) (?:mon|mes|ma) "
        r"(?:domaine|perimetre|competences?|champ)\b",
    ),
    (
        "out-of-scope",
        "outside my scope",
        r"\boutside (?:of )?(?:my|the) (?:scope|area)\b|\bi can only (?:help|assist|answer)\b",
    ),
    # Hiding behind being a machine.
    (
        "ai-disclaimer",
        "en tant qu'IA",
        r"\ben tant qu'(?:ia|intelligence artificielle|assistant virtuel|modele de langage)\b",
    ),
    ("ai-disclaimer", "as an AI", r"\bas an ai\b|\bas a (?:large )?language model\b"),
)

# Limitations that decline a request in a short reply but also occur inside real answers
# ("I can't check the tracking right now, but your parcel left on Monday and…").
_SHORT_REPLY_PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("refusal", "je ne peux ni… ni…", r"\bje ne (?:peux|pourrai|pourrais) ni\b"),
    (
        "refusal",
        "je ne peux pas consulter/vérifier…",
        r"\bje ne (?:peux|pourrai|pourrais)(?: malheureusement| helas)? pas(?: vous| t')? ?"
        r"(?:consulter|verifier|ecrire|rediger|prevoir|predire)\b",
    ),
    (
        "refusal",
        "I can't check/write…",
        r"\bi(?: can't| cannot| can not|'m unable to| am unable to|'m not able to"
        r"| am not able to) (?:check|look up|write|predict|forecast)\b",
    ),
)

_FALLBACK_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (
        "fallback",
        "contactez le service client",
        r"\b(?:contactez|contacte|contacter|joindre|joignez|appelez|appelle|appeler|ecrivez a"
        r"|ecris a) (?:directement )?(?:notre |le |la |votre |ton |nos |un |une )?"
        r"(?:service (?:client|clientele|apres-vente)|support|conseiller|equipe|agence)",
    ),
    ("fallback", "rapprochez-vous de", r"\brapproche[sz]?-(?:vous|toi) d"),
    (
        "fallback",
        "je vous transfère",
        r"\bje (?:vous |te )?(?:transfere|redirige|mets en relation|passe la main)\b",
    ),
    (
        "fallback",
        "contact customer service",
        r"\b(?:contact|reach out to|call|get in touch with) (?:our |the |your )?"
        r"(?:customer (?:service|support|care)|support team|support|an agent)\b",
    ),
    ("fallback", "I'm transferring you", r"\bi'm (?:transferring|redirecting|connecting) you\b"),
)

_COMPILED = tuple((c, label, re.compile(p)) for c, label, p in _PATTERNS)
_COMPILED_SHORT = tuple(
    (c, label, re.compile(p)) for c, label, p in (*_SHORT_REPLY_PATTERNS, *_FALLBACK_PATTERNS)
)

UNANSWERED_CATEGORIES = frozenset(
    {c for c, _, _ in _PATTERNS} | {c for c, _, _ in _FALLBACK_PATTERNS} | {"empty"}
)


@dataclass(frozen=True)
class UnansweredMatch:
    """Why a reply counts as unanswered: the category, the pattern's label and the text."""

    category: str
    pattern: str
    matched: str


def detect_unanswered(
    text: str, *, fallback_max_words: int = DEFAULT_FALLBACK_MAX_WORDS
) -> UnansweredMatch | None:
    """The first unanswered / refusal / fallback signal in `text`, or None for an answer."""
    if not text.strip():
        return UnansweredMatch("empty", "empty output", "")
    folded = fold(text)
    for category, label, pattern in _COMPILED:
        found = pattern.search(folded)
        if found:
            return UnansweredMatch(category, label, found.group(0))
    if len(words(text)) <= fallback_max_words:
        for category, label, pattern in _COMPILED_SHORT:
            found = pattern.search(folded)
            if found:
                return UnansweredMatch(category, label, found.group(0))
    return None


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
    match = detect_unanswered(ctx.output, fallback_max_words=config.max_words)
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
