"""The model-based perturbation: a customer message rewritten by a model as a customer would.

Pure parts only (no I/O, no model): the request a rewrite sends (`paraphrase_request`), the
clean-up of a model's answer (`clean_paraphrase`) and the check that refuses a rewrite which
dropped a protected span, came back empty or far too long, or in another language
(`check_paraphrase`). The calls themselves go through the engine (`workbench.app.paraphrase`).

The request is deterministic: the style of customer the model is asked to imitate is drawn
from the caller's seed and the row, the temperature is 0 and the seed travels as a request
parameter where the provider supports one — so the same seed asks the same thing again, which
the response cache then answers at no cost.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.core.llm import Message
from workbench.core.models import DatasetRow
from workbench.core.perturb.kinds import derive_seed
from workbench.core.perturb.language import detect_language, normalise_language
from workbench.core.perturb.spans import protected_spans
from workbench.core.perturb.variants import RowRewrite, original_of, row_language, text_fields

PARAPHRASE = "paraphrase"
FALLBACK_TAG = "paraphrase:fallback"
"""Tag of a paraphrase variant that kept the original text because no rewrite passed."""

_STYLES = {
    "fr": (
        "pressé, qui écrit vite et court",
        "agacé, qui râle un peu mais reste poli",
        "bavard, qui donne un peu de contexte en plus",
        "peu à l'aise à l'écrit, avec des tournures orales",
        "très poli et un peu formel",
        "familier, qui écrit comme dans un texto",
    ),
    "en": (
        "in a hurry, writing short and fast",
        "annoyed, grumbling but still polite",
        "chatty, adding a little context",
        "not at ease with writing, using spoken turns of phrase",
        "very polite and somewhat formal",
        "casual, writing like in a text message",
    ),
}
_SYSTEM = {
    "fr": (
        "Tu réécris des messages de clients pour tester un assistant de service client.\n"
        "Réécris le message ci-dessous comme l'écrirait un vrai client {style}.\n"
        "Règles :\n"
        "- même sens, même demande, mêmes faits ; n'ajoute aucun fait et ne réponds pas au"
        " message ;\n"
        "- écris en français ;\n"
        "- garde exactement, caractère pour caractère : {keep} ;\n"
        "- réponds uniquement par le message réécrit, sans guillemets ni commentaire."
    ),
    "en": (
        "You rewrite customer messages to test a customer-service assistant.\n"
        "Rewrite the message below the way a real customer {style} would write it.\n"
        "Rules:\n"
        "- same meaning, same request, same facts; add no fact and do not answer the message;\n"
        "- write in English;\n"
        "- keep exactly, character for character: {keep};\n"
        "- reply with the rewritten message only, no quotes and no comment."
    ),
}
_NOTHING_TO_KEEP = {
    "fr": "les nombres, e-mails, montants et liens",
    "en": "numbers, e-mails, amounts and links",
}
_RETRY = {
    "fr": "Ta réécriture précédente a été refusée : {reason}. Recommence en respectant les règles.",
    "en": "Your previous rewrite was refused: {reason}. Try again and follow the rules.",
}
_LANGUAGE_NAMES = {"fr": "French", "en": "English"}

MAX_LENGTH_FACTOR = 3
"""A rewrite longer than this many times the original (and than `MIN_MAX_LENGTH`) is refused."""
MIN_MAX_LENGTH = 160

_LABEL = re.compile(
    r"^\s*(?:(?:voici|here is|here's)[^\n:]{0,60}:|"
    r"(?:message (?:réécrit|reformulé)|rewritten message|paraphrase|réécriture|reformulation"
    r"|message|client|customer)\s*:)\s*",
    re.IGNORECASE,
)
_QUOTES = (('"', '"'), ("«", "»"), ("“", "”"), ("'", "'"), ("`", "`"))


@dataclass(frozen=True)
class ParaphraseRequest:
    """What to send for one rewrite: the messages and the parameters (model-independent)."""

    messages: tuple[Message, ...]
    params: dict[str, object]
    kept: tuple[str, ...]


def kept_spans(text: str, protected: Iterable[str] = ()) -> tuple[str, ...]:
    """The protected pieces of `text` (numbers, e-mails, amounts, URLs, protected values), in
    order and without repeats: what a rewrite must keep."""
    pieces = [text[start:end] for start, end in protected_spans(text, tuple(protected))]
    return tuple(dict.fromkeys(p for p in pieces if p.strip()))


def style_for(seed: int, language: str) -> str:
    """The kind of customer to imitate, drawn from `seed` (the same seed, the same style)."""
    styles = _STYLES.get(language, _STYLES["fr"])
    return styles[random.Random(seed).randrange(len(styles))]


def output_allowance(text: str) -> int:
    """``max_tokens`` of a rewrite: room for a rewrite a few times longer, never unbounded."""
    return max(64, len(text) // 2 + 48)


def paraphrase_request(
    text: str,
    *,
    language: str,
    seed: int,
    protected: Iterable[str] = (),
    retry_reason: str | None = None,
) -> ParaphraseRequest:
    """The request that asks a model to rewrite `text` (``fr``/``en`` instructions).

    Args:
        text: the customer's message.
        language: ``fr`` or ``en`` (anything else is treated as ``fr``).
        seed: picks the customer style and is sent as the ``seed`` parameter.
        protected: values that must stay intact besides the detected spans.
        retry_reason: why the previous rewrite was refused; asking again with the reason makes
            a different request (at temperature 0 the same request gives the same answer).
    """
    lang = language if language in _SYSTEM else "fr"
    kept = kept_spans(text, protected)
    keep = ", ".join(f"« {k} »" if lang == "fr" else f'"{k}"' for k in kept)
    system = _SYSTEM[lang].format(style=style_for(seed, lang), keep=keep or _NOTHING_TO_KEEP[lang])
    messages = [Message(role="system", content=system), Message(role="user", content=text)]
    if retry_reason:
        messages.append(Message(role="user", content=_RETRY[lang].format(reason=retry_reason)))
    params: dict[str, object] = {
        "temperature": 0,
        "seed": seed % 2**31,
        "max_tokens": output_allowance(text),
    }
    return ParaphraseRequest(tuple(messages), params, kept)


def clean_paraphrase(answer: str) -> str:
    """A model's answer without the wrapping models add: a label (``Paraphrase :``,
    ``Here is the rewritten message:``), surrounding quotes, code fences."""
    text = answer.strip()
    if text.startswith("```") and text.endswith("```") and len(text) > 6:
        text = text[3:-3].strip()
        if "\n" in text and not text.split("\n", 1)[0].strip().count(" "):
            text = text.split("\n", 1)[1].strip()  # a language name after the fence
    text = _LABEL.sub("", text, count=1).strip()
    for left, right in _QUOTES:
        if len(text) >= 2 and text.startswith(left) and text.endswith(right):
            inner = text[len(left) : -len(right)].strip()
            if left not in inner and right not in inner:
                text = inner
    return text


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


Detect = Callable[[str], str | None]
"""A language guess (ISO 639-1) for a text, or None when unsure."""


def check_paraphrase(
    original: str,
    candidate: str,
    *,
    kept: Iterable[str],
    language: str | None,
    detect: Detect | None = None,
    finish_reason: str | None = None,
) -> str | None:
    """Why `candidate` is not an acceptable rewrite of `original`, or None when it is.

    Refused: an empty rewrite; one cut at its token limit or longer than `MAX_LENGTH_FACTOR`
    times the original; one missing any of the `kept` spans (compared without regard to
    spaces and case, so "12,50 €" and "12,50€" match); one that `detect` places in another
    language than `language`.
    """
    if not candidate.strip():
        return "the rewrite is empty"
    limit = max(MAX_LENGTH_FACTOR * len(original), MIN_MAX_LENGTH)
    if finish_reason == "length" or len(candidate) > limit:
        return f"the rewrite is too long ({len(candidate)} characters for {len(original)})"
    squashed = _squash(candidate)
    missing = [k for k in kept if _squash(k) not in squashed]
    if missing:
        return "the rewrite dropped " + ", ".join(f"'{m}'" for m in missing) + ": keep them exactly"
    if language and detect is not None:
        found = detect(candidate)
        if found is not None and found != language:
            name = _LANGUAGE_NAMES.get(language, language)
            return f"the rewrite is in another language ({found}, not {name})"
    return None


@dataclass(frozen=True)
class RewriteTarget:
    """One text to rewrite: a row's free-text variable, or one user turn of its conversation.

    Attributes:
        row_id / field / turn: where the text lives (`turn` is the index in the conversation
            list, None for a plain string variable).
        text: the original text.
        language: ``fr``/``en``, from the caller, the row, or detected.
        seed: this text's own seed, derived from the caller's seed and its place.
        protected: values that must stay intact (protected fields, the row's facts).
    """

    row_id: str
    field: str
    turn: int | None
    text: str
    language: str
    seed: int
    protected: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str, int | None]:
        """``(row id, field, turn)``."""
        return (self.row_id, self.field, self.turn)

    def request(self, retry_reason: str | None = None) -> ParaphraseRequest:
        """The request for this text (see `paraphrase_request`)."""
        return paraphrase_request(
            self.text,
            language=self.language,
            seed=self.seed,
            protected=self.protected,
            retry_reason=retry_reason,
        )


def rewrite_targets(
    rows: Sequence[DatasetRow],
    *,
    seed: int = 0,
    fields: Sequence[str] = (),
    protected_fields: Sequence[str] = (),
    language: str | None = None,
) -> list[RewriteTarget]:
    """The texts of `rows` a paraphrase rewrites: the same free text `make_variants` perturbs
    (variant rows and rows without free text are left out)."""
    targets: list[RewriteTarget] = []
    for row in rows:
        if original_of(row) is not None:
            continue
        keep = tuple(str(row.vars[f]) for f in protected_fields if row.vars.get(f))
        keep += tuple(row.facts)
        lang = normalise_language(language) or row_language(row)
        for name in text_fields(row, fields):
            value = row.vars[name]
            pieces: list[tuple[int | None, str]] = []
            if isinstance(value, str):
                pieces.append((None, value))
            elif isinstance(value, list):
                pieces += [
                    (i, t["content"])
                    for i, t in enumerate(value)
                    if isinstance(t, Mapping)
                    and t.get("role") == "user"
                    and isinstance(t.get("content"), str)
                ]
            for turn, text in pieces:
                if not text.strip():
                    continue
                targets.append(
                    RewriteTarget(
                        row_id=row.id,
                        field=name,
                        turn=turn,
                        text=text,
                        language=lang or detect_language(text),
                        seed=derive_seed(seed, row.id, PARAPHRASE, name, turn),
                        protected=keep,
                    )
                )
    return targets


def assemble_rewrites(
    rows: Sequence[DatasetRow],
    texts: Mapping[tuple[str, str, int | None], str],
    fallbacks: Iterable[str] = (),
) -> dict[str, RowRewrite]:
    """Row id → `RowRewrite` from the rewritten `texts` (keys as `RewriteTarget.key`); rows in
    `fallbacks` are tagged `FALLBACK_TAG`. Rows with no rewritten text are left out."""
    marked = set(fallbacks)
    by_row: dict[str, dict[str, Any]] = {}
    found = {row_id for row_id, _f, _t in texts}
    for row in rows:
        if row.id not in found:
            continue
        new_vars: dict[str, Any] = {}
        for (row_id, name, turn), text in texts.items():
            if row_id != row.id:
                continue
            if turn is None:
                new_vars[name] = text
                continue
            turns = new_vars.get(name)
            if turns is None:
                turns = new_vars[name] = [
                    dict(t) if isinstance(t, Mapping) else t for t in row.vars[name]
                ]
            turns[turn] = {**turns[turn], "content": text}
        by_row[row.id] = new_vars
    return {
        row_id: RowRewrite(new_vars, (FALLBACK_TAG,) if row_id in marked else ())
        for row_id, new_vars in by_row.items()
    }
