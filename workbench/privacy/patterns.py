"""The project's own PII recognisers for French customer messages: fast patterns plus checks.

Each recogniser finds candidate spans with a regular expression and keeps only those that pass
a check: phone numbers through Google's ``phonenumbers`` (a Presidio dependency), IBANs through
their ISO 13616 mod-97 checksum and country length, card numbers through Luhn. Look-alikes are
*protected*: order numbers (kept by default), prices, dates and times are found first, and no
PII span may overlap them, so ``commande 0612345678`` stays an order number.

Names come from cues (``M. Dupont``, ``je m'appelle…``, ``Cordialement, Marie``), a list of
common first names followed by a capitalised surname, and (in `workbench.privacy.redactor`)
spaCy's French NER through Presidio.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

PERSON = "PERSON"
EMAIL = "EMAIL"
PHONE = "PHONE"
IBAN = "IBAN"
CARD = "CARD"
ADDRESS = "ADDRESS"
ORDER = "ORDER"
ENTITIES = (PERSON, EMAIL, PHONE, IBAN, CARD, ADDRESS)


@dataclass(frozen=True, slots=True)
class Span:
    """A detected piece of text: [start, end) of `entity`, with the detector's confidence."""

    start: int
    end: int
    entity: str
    score: float = 0.9
    source: str = "pattern"


_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+"
    r"[A-Za-z]{2,24}\b"
)
# Candidate phone numbers: +33 / 0033 / 0X followed by four pairs, any separators; other
# international numbers start with + and are checked by phonenumbers.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?[1-9]|0[1-9])(?:[\s.\-]?\d{2}){4}(?!\d)"
    r"|(?<![\w+])\+\s?[1-9]\d{0,2}(?:[\s.\-]?\d){6,12}(?!\d)"
)
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){10,30}", re.IGNORECASE)
_CARD = re.compile(r"(?<![\d\w])\d(?:[ \-]?\d){12,18}(?![\d\w])")

# ISO 13616 lengths for the countries customers of a French shop are likely to give.
IBAN_LENGTHS = {
    "FR": 27,
    "MC": 27,
    "DE": 22,
    "BE": 16,
    "ES": 24,
    "IT": 27,
    "LU": 20,
    "CH": 21,
    "NL": 18,
    "PT": 25,
    "GB": 22,
    "IE": 22,
    "AT": 20,
    "PL": 28,
    "GR": 27,
    "SE": 24,
    "DK": 18,
    "FI": 18,
    "NO": 15,
    "CZ": 24,
    "RO": 24,
    "HU": 28,
    "SK": 24,
    "SI": 19,
    "HR": 21,
    "BG": 22,
    "LT": 20,
    "LV": 21,
    "EE": 20,
    "CY": 28,
    "MT": 31,
    "AD": 24,
    "LI": 21,
    "MA": 28,
    "TN": 24,
    "SN": 28,
    "DZ": 26,
    "CI": 28,
    "RE": 27,
    "GP": 27,
    "MQ": 27,
    "GF": 27,
    "NC": 27,
    "PF": 27,
}

_STREET_TYPES = (
    r"rue|avenue|av\.?|boulevard|bd|bld|place|pl\.|impasse|all[ée]e|chemin|route|rte|quai|cours"
    r"|square|passage|rond-point|faubourg|fbg|lieu-dit|r[ée]sidence|hameau|voie|sentier|cit[ée]"
    r"|esplanade|parvis|promenade|villa|sq\.|lotissement|domaine|mont[ée]e|côte|cote|chauss[ée]e"
)
_CONNECTORS = {
    "de",
    "du",
    "des",
    "la",
    "le",
    "les",
    "l",
    "d",
    "aux",
    "au",
    "sur",
    "sous",
    "en",
    "saint",
    "sainte",
    "st",
    "ste",
    "et",
}
_STREET = re.compile(
    rf"(?<![\w])(?P<num>\d{{1,4}})(?:\s?(?:bis|ter|quater|[abc])\b)?,?\s+(?P<type>{_STREET_TYPES})"
    r"(?=[\s'’])",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\s'’]*([A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ\-]*)")
_POSTCODE_CITY = re.compile(
    r",?\s*(?:(?:à|a)\s+)?(?P<cp>(?:0[1-9]|[1-8]\d|9[0-8])\d{3})(?!\d)"
    r"(?P<city>\s+[A-ZÀ-Ý][\wÀ-ÿ'’\-]*(?:[\s\-]+(?:(?:sur|sous|en|le|la|les|de|du|des|lès)"
    r"[\s\-]+)?[A-ZÀ-Ý][\wÀ-ÿ'’\-]*){0,3})?"
    r"(?:\s+cedex(?:\s\d{1,2})?)?",
)
# Street-name words stop at function words that start the next clause.
_STREET_STOP = {
    "et",
    "je",
    "j",
    "mais",
    "pour",
    "depuis",
    "à",
    "a",
    "il",
    "elle",
    "on",
    "nous",
    "vous",
    "qui",
    "que",
    "car",
    "donc",
    "mon",
    "ma",
    "mes",
    "merci",
    "svp",
    "stp",
    "est",
    "n",
    "ne",
    "pas",
    "colis",
    "commande",
    "livraison",
    "bonjour",
    "au",
    "dans",
    "ce",
    "cette",
    "c",
    "ou",
    "où",
    "si",
    "quand",
    "chez",
    "appartement",
    "apt",
    "bat",
    "bâtiment",
}

_TITLE_NAME = re.compile(
    r"\b(?:M\.|Mr\.?|Mme|Mlle|Monsieur|Madame|Mademoiselle|Dr\.?|Docteur|Me|Maître)\s+"
    r"(?P<name>[A-ZÀ-Ý][a-zà-ÿ'’\-]+(?:\s+[A-ZÀ-Ý][A-Za-zà-ÿ'’\-]+){0,2})"
)
_INTRO_NAME = re.compile(
    r"\b(?:je m['’]appelle|mon nom(?: de famille)? est|mon prénom est|moi c['’]est|"
    r"c['’]est|au nom de|nom\s*:|my name is|i am|i'm|je suis|ici|de la part de|"
    r"(?:mon|ma) (?:fils|fille|mari|femme|conjointe?|épou(?:x|se)|compagne?|compagnon|mère|père|"
    r"frère|sœur|soeur|voisine?|collègue|ami|amie|grand-mère|grand-père)\s*,?)\s+"
    r"(?P<name>[A-Za-zÀ-ÿ][a-zà-ÿ'’\-]+(?:\s+[A-ZÀ-Ýa-zà-ÿ][A-Za-zà-ÿ'’\-]+)?)",
    re.IGNORECASE,
)
_SIGNOFF_NAME = re.compile(
    r"\b(?:cordialement|bien à vous|bonne journée|merci(?: beaucoup| d['’]avance)?|"
    r"salutations|amicalement|signé\s*:|bien cordialement|avec mes remerciements|"
    r"regards|thanks|best)\s*[,.!]?\s+(?P<name>[A-ZÀ-Ý][a-zà-ÿ'’\-]+(?:\s+[A-ZÀ-Ý][A-Za-zà-ÿ'’\-]+)?)"
    r"\s*[.!]?\s*$"
)
# "Merci Sylvain, …", "Bonjour Marie !": a capitalised word right after a greeting.
_GREETING_NAME = re.compile(
    r"\b(?:[Mm]erci|[Bb]onjour|[Bb]onsoir|[Ss]alut|[Hh]ello|[Cc]her|[Cc]hère)\s+"
    r"(?P<name>[A-ZÀ-Ý][a-zà-ÿ'’\-]+(?:\s+[A-ZÀ-Ý][A-Za-zà-ÿ'’\-]+)?)\s*[,!.]"
)
_NAME_HERE = re.compile(
    r"(?P<name>[A-ZÀ-Ý][a-zà-ÿ'’\-]+(?:\s+[A-ZÀ-Ý][A-Za-zà-ÿ'’\-]+)?)\s+"
    r"(?:ici|à l['’]appareil)\b"
)
# A frequent first name followed by a capitalised word that is not a common word.
FIRST_NAMES = frozenset(
    """Jean Marie Pierre Michel André Philippe Nicolas Alain Jacques Bernard Christophe
    Patrick Daniel Thomas Julien Stéphane David Laurent Sébastien Frédéric François Eric Éric
    Olivier Pascal Christian Vincent Alexandre Antoine Maxime Guillaume Romain Hugo Lucas Louis
    Léo Gabriel Raphaël Arthur Jules Adam Nathan Paul Mathis Clément Quentin Kevin Kévin Anthony
    Mathieu Matthieu Benjamin Damien Florian Jérôme Cédric Yannick Franck Didier Thierry Bruno
    Gérard Serge Yves Marc Luc Denis Hervé Gilles Dominique Claude Fabrice Arnaud Rémi Samuel
    Marine Nathalie Isabelle Sylvie Catherine Françoise Valérie Christine Sandrine Sophie
    Céline Stéphanie Véronique Aurélie Julie Camille Léa Manon Chloé Emma Inès Jade Louise
    Alice Lina Zoé Lola Sarah Laura Pauline Marion Mélanie Émilie Emilie Caroline Virginie
    Anne Hélène Audrey Élodie Elodie Laetitia Charlotte Juliette Margaux Océane Anaïs Lucie
    Clara Mathilde Agathe Émilie Nadia Fatima Karima Samira Amina Yasmine Leila Mohamed Ahmed
    Karim Mehdi Rachid Youssef Sofiane Bilal Omar Ali Hamza Ibrahim Moussa Mamadou Aïcha
    Brigitte Monique Martine Nicole Chantal Danielle Jacqueline Josiane Odile Colette Agnès
    Jeanne Margot Justine Amandine Morgane Gaëlle Solène Maëlle Elise Élise Noémie Victoria
    John James Robert William Mary Jennifer Linda Elizabeth Susan Jessica Michael Richard
    Paulette Bertrand Hortense Lucien Aurélien Ginette Raymond Maximilien Léonie Sylvain Enzo
    Lucienne Marcel Henri Simone
    Joseph Charles Christopher Daniel Matthew Mark Steven George Emily Olivia Sophia""".split()  # noqa: SIM905 - a word list reads better as text
)
_CAPWORD = r"[A-ZÀ-Ý][a-zà-ÿ'’\-]+"
_FIRST_LAST = re.compile(
    rf"\b(?P<first>{_CAPWORD})\s+(?P<last>[A-ZÀ-Ý](?:[A-ZÀ-Ý'’\-]+|[a-zà-ÿ'’\-]+))\b"
)
_FIRST_ALONE = re.compile(rf"\b(?P<first>{_CAPWORD})\b")
# Words that start sentences or name products and are capitalised without being names.
_NOT_SURNAMES = frozenset(
    """Bonjour Bonsoir Merci Cordialement Salut Oui Non Je Vous Nous Il Elle Mon Ma Mes Le La
    Les Un Une Des Et Mais Pour Avec Sans Dans Sur Chez Colissimo Chronopost Relais Paris
    Lyon Marseille Lille Toulouse Nantes Bordeaux France Rue Avenue Boulevard Commande Client
    Service Livraison Retour Remboursement Carte Visa Mastercard Paypal Amazon Monsieur Madame
    Est Suis Ai Avez Peux Pouvez Quand Comment Pourquoi Où Que Qui Quoi Ok Super Top""".split()  # noqa: SIM905 - a word list reads better as text
)
# First names that are also ordinary words: only with a surname after them.
_AMBIGUOUS_FIRST = frozenset(
    {
        "Pierre",
        "Claude",
        "Marine",
        "Rose",
        "Claire",
        "Louise",
        "Jade",
        "Victoria",
        "Mark",
        "Laurent",
        "Denis",
        "Luc",
        "Paul",
        "Marc",
    }
)

_ORDER = re.compile(
    r"\b(?:(?:commande|cde|cmd|order|colis|suivi|facture|ticket|dossier|réf(?:érence)?|ref)"
    r"\s*(?:n[°o]\.?|num(?:éro)?\.?|#|:)?\s*[:#]?\s*[A-Z]{0,4}[-_]?\d[\d\-_ ]{3,24}\d"
    r"|(?:CMD|CDE|ORD|FAC|REF|CO|SAV|TK)[-_ ]?\d[\d\-]{3,20}"
    r"|#\d{4,14}"
    r"|(?-i:[A-Z]{2,4}-\d{4,12}))\b",
    re.IGNORECASE,
)
_PROTECTED = re.compile(
    r"\b\d{1,6}(?:[.,]\d{1,2})?\s?(?:€|eur(?:os?)?\b|\$|£)"  # prices
    r"|(?:€|\$|£)\s?\d{1,6}(?:[.,]\d{1,2})?"
    r"|(?<![\d.\-/])(?:0?[1-9]|[12]\d|3[01])[/.\-](?:0?[1-9]|1[0-2])[/.\-](?:\d{4}|\d{2})\b"
    r"(?![.\-/]\d)"  # dates, not the first pairs of 06.12.34.56.78
    r"|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"
    r"|\b\d{1,2}\s?[h:]\s?\d{2}\b"  # times
    r"|\b\d+(?:[.,]\d+)?\s?(?:kg|g|cm|mm|m|km|l|ml|%|go|gb|mo|mb|w|v)\b",  # quantities
    re.IGNORECASE,
)


def iban_is_valid(candidate: str) -> bool:
    """True when `candidate` (spaces allowed) has a known country length and mod-97 == 1."""
    text = candidate.replace(" ", "").upper()
    country = text[:2]
    expected = IBAN_LENGTHS.get(country)
    if expected is None:
        if not 15 <= len(text) <= 34:
            return False
    elif len(text) != expected:
        return False
    if not text[2:4].isdigit() or not text.isalnum():
        return False
    digits = "".join(str(int(ch, 36)) for ch in text[4:] + text[:4])
    return int(digits) % 97 == 1


def luhn_is_valid(number: str) -> bool:
    """True for 13–19 digits (separators ignored) passing Luhn and not a repeated digit."""
    digits = [int(c) for c in number if c.isdigit()]
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def phone_is_valid(candidate: str) -> bool:
    """A French number of the right length (customers mistype, and unallocated ranges are
    still somebody's data), or a valid international number for its country."""
    try:
        parsed = phonenumbers.parse(candidate, "FR")
    except phonenumbers.NumberParseException:
        return False
    if parsed.country_code == 33:
        return bool(phonenumbers.is_possible_number(parsed))
    return bool(phonenumbers.is_valid_number(parsed))


def protected_spans(text: str, *, keep_orders: bool = True) -> list[Span]:
    """Order numbers (when kept), prices, dates, times and quantities: never PII."""
    spans = [Span(m.start(), m.end(), "PROTECTED") for m in _PROTECTED.finditer(text)]
    if keep_orders:
        spans.extend(Span(m.start(), m.end(), ORDER) for m in _ORDER.finditer(text))
    return spans


def order_spans(text: str) -> list[Span]:
    """Order, parcel and ticket references (replaced only when order numbers are not kept)."""
    return [Span(m.start(), m.end(), ORDER, 0.8) for m in _ORDER.finditer(text)]


def find_emails(text: str) -> Iterable[Span]:
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        yield Span(m.start(), m.end(), EMAIL, 1.0)


def find_phones(text: str) -> Iterable[Span]:
    for m in _PHONE.finditer(text):
        if phone_is_valid(m.group(0)):
            yield Span(m.start(), m.end(), PHONE, 0.95)


def find_ibans(text: str) -> Iterable[Span]:
    for m in _IBAN.finditer(text):
        raw = m.group(0)
        # The pattern may run into following words: shrink until a valid IBAN remains.
        for end in range(len(raw), 14, -1):
            piece = raw[:end].rstrip()
            if len(piece) != end:
                continue
            if iban_is_valid(piece):
                yield Span(m.start(), m.start() + end, IBAN, 1.0)
                break


def find_cards(text: str) -> Iterable[Span]:
    for m in _CARD.finditer(text):
        if luhn_is_valid(m.group(0)):
            yield Span(m.start(), m.end(), CARD, 0.95)


def find_addresses(text: str) -> Iterable[Span]:
    for m in _STREET.finditer(text):
        end = m.end()
        taken = 0
        position = end
        while taken < 6:
            word = _WORD.match(text, position)
            if word is None:
                break
            token = word.group(1).lower()
            if token in _STREET_STOP and not (taken == 0 and token in _CONNECTORS):
                break
            position = word.end()
            if token not in _CONNECTORS:
                taken += 1
        if taken == 0:
            continue
        end = position
        city = _POSTCODE_CITY.match(text, end)
        if city is not None and city.group("cp"):
            end = city.end()
        yield Span(m.start(), end, ADDRESS, 0.85)
    # A postcode with a capitalised city after "à", "au" or a comma, without a street.
    for m in re.finditer(
        r"(?:\b(?:à|au|sur|habite|vers)\s+|,\s*)(?P<cp>\d{5})\s+"
        r"(?P<city>[A-ZÀ-Ý][\wÀ-ÿ'’\-]+(?:[\s\-][A-ZÀ-Ý][\wÀ-ÿ'’\-]+){0,2})",
        text,
    ):
        yield Span(m.start("cp"), m.end("city"), ADDRESS, 0.6)


def find_name_cues(text: str) -> Iterable[Span]:
    for pattern in (_TITLE_NAME, _INTRO_NAME, _SIGNOFF_NAME, _GREETING_NAME, _NAME_HERE):
        for m in pattern.finditer(text):
            name = m.group("name")
            words = name.split()
            if pattern in (_GREETING_NAME, _NAME_HERE, _SIGNOFF_NAME) and (
                words[0] in _NOT_SURNAMES or words[0].lower() in _COMMON_AFTER_INTRO
            ):
                continue
            if pattern is _INTRO_NAME:
                # "c'est"/"i am" need a capitalised name; lower-case words after them are
                # ordinary sentences ("c'est urgent").
                cue = m.group(0)[: m.start("name") - m.start()].lower()
                needs_capital = not cue.startswith(
                    ("je m", "mon nom", "mon prénom", "nom", "my name", "je suis")
                )
                if cue.startswith("je suis") and not words[0][0].isupper():
                    # "je suis samia haddad" is a name only if not an ordinary word
                    needs_capital = False
                if needs_capital and not words[0][0].isupper():
                    continue
                words = [w for w in words if w.lower() not in _STREET_STOP] or []
                if len(words) < len(name.split()):
                    words = words[:1]
                if not words or words[0].lower() in _COMMON_AFTER_INTRO:
                    continue
                name = " ".join(words)
            start = m.start("name")
            yield Span(start, start + len(name), PERSON, 0.85, "cue")
    for m in _FIRST_LAST.finditer(text):
        first, last = m.group("first"), m.group("last")
        if first in FIRST_NAMES and last not in _NOT_SURNAMES:
            yield Span(m.start(), m.end(), PERSON, 0.8, "first-names")
    for m in _FIRST_ALONE.finditer(text):
        first = m.group("first")
        if first in FIRST_NAMES and first not in _AMBIGUOUS_FIRST:
            yield Span(m.start(), m.end(), PERSON, 0.6, "first-names")


_COMMON_AFTER_INTRO = frozenset(
    """pas un une le la les de du des en très trop bien mal vrai faux urgent possible normal
    pour sur dans client cliente déçu déçue content contente ravi ravie perdu perdue là ici
    moi toujours encore déjà juste sûr sure certain désolé désolée inquiet inquiète sans
    quoi ça ca ce cela mon ma mes votre vos notre nos au aux a à ok d l qu""".split()  # noqa: SIM905 - a word list reads better as text
)


def find_pattern_pii(text: str, *, keep_orders: bool = True) -> list[Span]:
    """Every pattern-found PII span of `text`, overlaps with protected look-alikes removed."""
    found: list[Span] = []
    found.extend(find_emails(text))
    if sum(c.isdigit() for c in text) >= 8:
        found.extend(find_ibans(text))
        found.extend(find_cards(text))
        found.extend(find_phones(text))
    found.extend(find_addresses(text))
    found.extend(find_name_cues(text))
    if not keep_orders:
        found.extend(order_spans(text))
    if not found:
        return []
    protected = protected_spans(text, keep_orders=keep_orders)
    if protected:
        found = [s for s in found if not _overlaps_any(s, protected) or s.entity in {EMAIL, IBAN}]
    return found


def _overlaps_any(span: Span, others: list[Span]) -> bool:
    return any(span.start < o.end and o.start < span.end for o in others)


_PRIORITY = {EMAIL: 6, IBAN: 5, CARD: 4, PHONE: 3, ADDRESS: 2, ORDER: 2, PERSON: 1}


def resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Non-overlapping spans in text order: higher priority kinds, then longer spans, win."""
    ranked = sorted(spans, key=lambda s: (-_PRIORITY.get(s.entity, 0), -(s.end - s.start), s.start))
    chosen: list[Span] = []
    for span in ranked:
        if not _overlaps_any(span, chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)
