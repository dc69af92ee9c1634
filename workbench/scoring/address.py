"""How a reply addresses the customer: French *tu* / *vous*, English first name / formal.

French detection reads grammar, not bare words. Second person singular (*tu*) markers are the
pronouns ``tu te t' toi``, the possessives ``ton ta tes`` and ``le tien…``, hyphenated
imperatives (``dis-moi``, ``envoie-le-moi``, ``vas-y``), negative imperatives at the start of a
clause (``N'hésite pas``), common imperatives opening a clause (``Regarde``, ``Clique``) and
``stp``. Plural / formal (*vous*) markers are ``vous votre vos vôtre(s)``, ``-ez`` imperatives
(``Contactez``, ``envoyez-moi``, ``N'hésitez pas``, ``veuillez``), ``dites- / faites-`` and
``svp``.

Traps handled: words that merely contain the letters (``data``, ``statut``, ``tutoriel``,
``toilette``, ``bouton``); ``ton`` the noun (``sur un ton calme``, ``le ton``); ``rendez-vous``
the noun (``prendre rendez-vous``) versus the imperative (``rendez-vous sur notre site``);
``chez`` and ``assez``, which end in ``-ez``; ``ton sur ton``; clause-opening nouns that look
like imperatives (``Copie de votre facture``, ``Tente Nordik 4 places``) and surnames in ``-ez``
opening a sentence (``Gomez a reçu…``), told apart with spaCy part-of-speech tags
(`workbench.scoring.address_pos`); ``a-t-il``; typographic apostrophes (``t’``); and
text the reply quotes (« … », “ … ”, "…" and lines starting with ``>``), which is the customer's
voice, not the assistant's, and is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from workbench.scoring.address_pos import heads_a_noun_phrase, is_surname
from workbench.scoring.text import normalize_apostrophes

Form = Literal["tu", "vous"]

_SPACES_AND_HYPHENS = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2010": "-", "\u2011": "-"})
_TOKEN = re.compile(r"[^\W\d_]+(?:'(?=[^\W\d_]))?")
_QUOTED = re.compile(r"«[^»]{0,600}»|“[^”]{0,600}”|\"[^\"\n]{0,600}\"|^[ \t]*>.*$", re.MULTILINE)
_STRONG_BOUNDARY = re.compile(r"[.!?…:;\n•()\[\]*]")

# fmt: off
_TU_WORDS = {
    "tu": "pronoun", "te": "pronoun", "toi": "pronoun", "ta": "possessive", "tes": "possessive",
    "stp": "abbreviation",
}
_VOUS_WORDS = {
    "vous": "pronoun", "votre": "possessive", "vos": "possessive", "vôtre": "possessive",
    "vôtres": "possessive", "veuillez": "imperative", "svp": "abbreviation",
}
# Words before "ton" that make it the noun (tone): "un ton", "le ton", "sur ce ton".
_TON_NOUN_BEFORE = {
    "un", "le", "du", "au", "ce", "cet", "son", "mon", "ton", "votre", "notre", "leur", "même",
    "quel", "bon", "beau", "bref", "changer", "changez",
}
_POSSESSIVE_TIEN = {"tien", "tienne", "tiens", "tiennes"}
# Objects after a hyphen that make an imperative ("dis-moi", "envoyez-le"); "-toi" and "-vous"
# are left out because the pronoun itself is the evidence ("assure-toi", "pouvez-vous").
_HYPHEN_OBJECTS = {"moi", "nous", "le", "la", "les", "lui", "leur", "en", "y"}
_EZ_NOT_VERBS = {"chez", "assez", "nez", "rez", "lez"}
# First halves of hyphenated words that are not verbs ("celui-ci", "entre-nous", "arc-en-ciel").
_NOT_VERBS = {
    "moi", "toi", "nous", "vous", "lui", "eux", "elle", "elles", "il", "ils", "on", "le", "la",
    "les", "leur", "en", "y", "m'", "t'", "l'", "celui", "celle", "ceux", "celles", "soi", "ci",
    "là", "c'", "est", "peut", "dit", "entre", "après", "avant", "au", "sous", "sur", "contre",
    "vis", "quant", "arc", *_EZ_NOT_VERBS,
}
_VOUS_IRREGULAR = {"dites", "faites"}
_NEGATION_ENDS = {"pas", "plus", "jamais", "rien"}
_CLITICS = {
    "t'", "te", "vous", "me", "m'", "l'", "le", "la", "les", "y", "en", "lui", "leur", "nous",
    "s'", "se",
}
_CONNECTORS = {"puis", "et", "ensuite", "alors", "sinon", "ou", "donc", "mais", "enfin"}
_LOCATION_PREPOSITIONS = {"sur", "à", "au", "aux", "dans", "en", "chez", "directement", "sans"}
# fmt: on
# Common second-person-singular imperatives that open a clause ("Regarde ton mail").
# Forms that double as nouns or participles in that position ("Note :", "Passé ce délai",
# "Demande de remboursement", "Entre 9 h et 18 h", "Suis") are left out on purpose.
# fmt: off
TU_IMPERATIVES = frozenset({
    "regarde", "clique", "vérifie", "contacte", "envoie", "appelle", "essaie", "essaye",
    "consulte", "indique", "précise", "patiente", "pense", "passe", "profite", "ajoute",
    "sélectionne", "renseigne", "confirme", "relance", "redémarre", "retrouve", "découvre",
    "garde", "jette", "utilise", "télécharge", "remplis", "choisis", "attends", "prends", "mets",
    "fais", "dis", "va", "viens", "sois", "aie", "sache", "lis", "écris", "ouvre", "réponds",
    "tente", "accède", "coche", "copie", "colle", "saisis", "teste", "signale", "laisse",
    "rejoins", "réessaie", "oublie", "hésite", "rappelle", "partage", "retourne", "renvoie",
    "imprime", "modifie", "annule", "conserve", "joins", "fournis", "transmets", "prépare",
    "cherche", "trouve", "donne", "montre", "explique", "raconte", "reviens", "connecte",
    "déconnecte", "rends", "vois", "écoute", "tiens", "imagine", "dépose", "complète",
})
# fmt: on


@dataclass(frozen=True)
class AddressMarker:
    """One piece of evidence: which form, the words as written, the rule and where."""

    form: Form
    words: str
    rule: str
    position: int
    context: str


@dataclass(frozen=True)
class AddressReport:
    """Every *tu* and *vous* marker found, plus what was deliberately not counted."""

    tu: tuple[AddressMarker, ...]
    vous: tuple[AddressMarker, ...]
    ignored: tuple[str, ...]
    quoted_passages: int

    @property
    def form(self) -> Literal["tu", "vous", "mixed", "none"]:
        """The form the text uses: ``mixed`` when both appear, ``none`` when neither does."""
        if self.tu and self.vous:
            return "mixed"
        if self.tu:
            return "tu"
        return "vous" if self.vous else "none"

    def markers(self, form: Form) -> tuple[AddressMarker, ...]:
        """The markers of one form."""
        return self.tu if form == "tu" else self.vous


@dataclass
class _Token:
    text: str
    lower: str
    start: int
    end: int
    clause_start: bool = False
    sentence_start: bool = False
    hyphen_after: bool = False


def _mask_quotes(text: str) -> tuple[str, int]:
    count = 0

    def blank(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return " " * len(match.group(0))

    return _QUOTED.sub(blank, text), count


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    previous_end = 0
    previous: _Token | None = None
    for found in _TOKEN.finditer(text):
        token = _Token(found.group(0), found.group(0).lower(), found.start(), found.end())
        gap = text[previous_end : token.start]
        if previous is None or _STRONG_BOUNDARY.search(gap):
            token.clause_start = token.sentence_start = True
        elif "," in gap or (previous.lower in _CONNECTORS and gap.strip() == ""):
            token.clause_start = True
        if previous is not None and gap == "-":
            previous.hyphen_after = True
        tokens.append(token)
        previous, previous_end = token, token.end
    return tokens


def detect_french_address(text: str) -> AddressReport:
    """Find the *tu* and *vous* markers of a French reply (quoted passages excluded)."""
    normalized = normalize_apostrophes(text).translate(_SPACES_AND_HYPHENS)
    masked, quoted = _mask_quotes(normalized)
    tokens = _tokens(masked)
    found: list[AddressMarker] = []
    ignored: list[str] = []

    def context(start: int, end: int) -> str:
        return " ".join(normalized[max(0, start - 25) : end + 25].split())

    def add(form: Form, first: _Token, last: _Token, rule: str) -> None:
        words = normalized[first.start : last.end]
        found.append(AddressMarker(form, words, rule, first.start, context(first.start, last.end)))

    for index, token in enumerate(tokens):
        before = tokens[index - 1] if index > 0 else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        word = token.lower

        if word == "t'":
            add("tu", token, after or token, "elided te/tu")
            continue
        if word == "ton":
            if _ton_sur_ton(tokens, index):
                ignored.append("'ton sur ton' (the colour idiom)")
            elif before is not None and before.lower in _TON_NOUN_BEFORE:
                ignored.append(f"'{before.text} {token.text}' (ton: the noun, tone)")
            else:
                add("tu", token, after or token, "possessive")
            continue
        if word in _POSSESSIVE_TIEN and before is not None and before.lower in {"le", "la", "les"}:
            add("tu", before, token, "possessive pronoun")
            continue
        if (
            word == "vous"
            and before is not None
            and before.lower == "rendez"
            and before.hyphen_after
        ):
            # The imperative opens a clause and says where to go ("Rendez-vous sur le site");
            # elsewhere it is the noun ("Prenez rendez-vous sur le site", "un rendez-vous").
            if before.clause_start and after is not None and after.lower in _LOCATION_PREPOSITIONS:
                add("vous", before, token, "imperative -ez")
            else:
                ignored.append(f"'{before.text}-{token.text}' (rendez-vous: the noun)")
            continue
        if word in _TU_WORDS:
            add("tu", token, token, _TU_WORDS[word])
            continue
        if word in _VOUS_WORDS:
            add("vous", token, token, _VOUS_WORDS[word])
            continue
        if word == "rendez" and token.hyphen_after and after is not None and after.lower == "vous":
            continue  # decided on the "vous" token above
        if token.hyphen_after and after is not None and after.lower in _HYPHEN_OBJECTS:
            form = _hyphenated_imperative(word)
            if form is not None:
                add(form, token, after, "hyphenated imperative")
                continue
        if token.clause_start and word in {"n'", "ne"} and after is not None:
            form = _negative_imperative(tokens, index)
            if form is not None:
                add(form, token, tokens[index + 1], "negative imperative")
                continue
        if token.clause_start and not token.hyphen_after:
            form = _opening_imperative(token, masked)
            if form is not None:
                add(form, token, token, "imperative")
    tu = tuple(marker for marker in found if marker.form == "tu")
    vous = tuple(marker for marker in found if marker.form == "vous")
    return AddressReport(tu, vous, tuple(ignored), quoted)


def _ton_sur_ton(tokens: list[_Token], index: int) -> bool:
    """Whether the "ton" at `index` belongs to the idiom "ton sur ton" (tone on tone)."""
    words = [t.lower for t in tokens]
    return words[index + 1 : index + 3] == ["sur", "ton"] or (
        index >= 2 and words[index - 2 : index] == ["ton", "sur"]
    )


def _is_ez_verb(word: str) -> bool:
    return len(word) >= 4 and word.endswith("ez") and word not in _EZ_NOT_VERBS


def _hyphenated_imperative(word: str) -> Form | None:
    if word in _NOT_VERBS or word.endswith("ons"):
        return None  # "celui-ci", "allons-y" (first person plural)
    if _is_ez_verb(word) or word in _VOUS_IRREGULAR:
        return "vous"
    return "tu"


def _negative_imperative(tokens: list[_Token], index: int) -> Form | None:
    verb = tokens[index + 1]
    if verb.lower in _CLITICS:
        return None  # "Ne vous inquiétez pas", "Ne t'inquiète pas": the clitic is the evidence
    following = {t.lower for t in tokens[index + 2 : index + 4]}
    if not following & _NEGATION_ENDS:
        return None  # "N'importe quel produit"
    if _is_ez_verb(verb.lower):
        return "vous"
    if verb.lower.endswith("ons"):
        return None
    if verb.lower[-1:] in {"e", "s", "x"} and verb.lower not in {"est", "es"}:
        return "tu"
    return None


def _opening_imperative(token: _Token, text: str) -> Form | None:
    word = token.lower
    if text[token.end : token.end + 2].lstrip().startswith(":"):
        return None  # a label such as "Note :" or "Précisez :" heading a field list
    if word in TU_IMPERATIVES:
        if heads_a_noun_phrase(text, token.start):
            return None  # "Copie de votre facture", "Tente Nordik 4 places"
        return "tu"
    if _is_ez_verb(word):
        if token.text[0].isupper() and not token.sentence_start:
            return None  # a capitalised "-ez" word in mid-sentence is a surname (Martinez)
        if token.text[0].isupper() and is_surname(text, token.start):
            return None  # "Gomez a bien reçu votre colis"
        return "vous"
    return None


# --- English ----------------------------------------------------------------------------------

_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "madam", "madame", "professor", "prof"}
_GREETING = re.compile(
    r"^\s*(?P<greeting>(?i:hi|hey|hello|dear|good (?:morning|afternoon|evening)))\b[ ,]*"
    r"(?P<name>[A-Z][\w'\-]*\.?)?(?:[ \t]+(?P<surname>[A-Z][\w'\-]*))?"
)


@dataclass(frozen=True)
class EnglishAddress:
    """The greeting of an English reply and the style it implies (None: no greeting)."""

    greeting: str | None
    style: Literal["formal", "first_name", "neutral"] | None


def detect_english_address(text: str) -> EnglishAddress:
    """Classify the opening greeting: ``Dear Ms Martin`` formal, ``Hi John`` first name."""
    match = _GREETING.match(text)
    if not match:
        return EnglishAddress(None, None)
    greeting = " ".join(match.group(0).split()).rstrip(",")
    name = (match.group("name") or "").rstrip(".")
    if name.lower() in _TITLES:
        return EnglishAddress(greeting, "formal")
    if match.group("greeting").lower() == "hey":
        return EnglishAddress(greeting, "first_name")
    if name and name[0].isupper() and not match.group("surname"):
        return EnglishAddress(greeting, "first_name")
    return EnglishAddress(greeting, "neutral")
