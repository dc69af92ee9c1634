"""Part-of-speech checks for French address detection: heading nouns and surnames.

A word that opens a clause may be a *tu* imperative ("Copie le lien", "Tente de te
reconnecter", "Montre la photo") or a noun heading a line ("Copie de votre facture", "Tente
Nordik 4 places", "Montre connectée Orion"); a capitalised word in ``-ez`` opening a sentence
may be a *vous* imperative ("Contactez le service") or a surname ("Gomez a bien reçu…").
spaCy's small French model tags a sentence-initial imperative poorly (often as a noun), but it
tags the words that *follow* well, and those decide: a determiner, a pronoun or an infinitive
after the word make it a verb; a proper noun, a number, an adjective, a past participle, or
``de`` + a noun phrase make it a noun. For ``-ez`` words, a proper-noun tag or a finite verb
right after (the word is then a subject) make it a surname.

Without the spaCy model these checks answer "not a noun" and the word lists decide alone.
"""

from __future__ import annotations

import functools
import re

from workbench.scoring.french_nlp import french_pipeline

_CLAUSE_END = re.compile(r"[.!?…:;\n,]")
_NOUN_PHRASE = {"DET", "NOUN", "PROPN", "NUM", "ADJ"}


@functools.lru_cache(maxsize=512)
def _tags(snippet: str) -> tuple[tuple[str, str, str, str], ...] | None:
    """(text, POS, VerbForm, Mood) of each token of `snippet`; None without the model."""
    nlp = french_pipeline()
    if nlp is None:
        return None
    return tuple(
        (
            token.text,
            token.pos_,
            ",".join(token.morph.get("VerbForm", [])),
            ",".join(token.morph.get("Mood", [])),
        )
        for token in nlp(snippet)
        if not token.is_space
    )


def _snippet(text: str, start: int) -> str:
    end = _CLAUSE_END.search(text, start)
    return text[start : end.start() if end else len(text)][:200]


def heads_a_noun_phrase(text: str, start: int) -> bool:
    """Whether the clause-opening word at `start` is a noun heading rather than an imperative."""
    snippet = _snippet(text, start)
    words = snippet.split()
    if len(words) < 2:
        return False
    following = words[1]
    if following[:1].isdigit() or following[:1].isupper():
        return True  # "Tente Nordik 4 places", "Lampe 60 W"
    if re.search(r"(?:é|ée|és|ées)$", following.lower()):
        return True  # a past participle: "Montre connectée", "Copie certifiée"
    tags = _tags(snippet)
    if tags is None or len(tags) < 2:
        return False
    _, pos, verb_form, _ = tags[1]
    if pos in {"ADJ", "PROPN", "NUM"}:
        return True
    if pos == "VERB" and verb_form == "Part":
        return True
    if tags[1][0].lower() in {"de", "d'", "du", "des"} and len(tags) > 2:
        after_pos, after_form = tags[2][1], tags[2][2]
        # "Copie de votre facture" (a noun phrase) vs "Tente de te reconnecter" (a verb).
        return after_pos in _NOUN_PHRASE and not (after_pos == "VERB" and after_form == "Inf")
    return False


def is_surname(text: str, start: int) -> bool:
    """Whether the capitalised ``-ez`` word opening a sentence at `start` is a name."""
    snippet = _snippet(text, start)
    tags = _tags(snippet)
    if tags is None:
        return False
    word_pos, mood = tags[0][1], tags[0][3]
    if mood == "Imp":
        return False
    if word_pos == "PROPN":
        return True
    # The word is the subject of the next verb: "Gomez a reçu…".
    return len(tags) > 1 and tags[1][1] in {"AUX", "VERB"} and tags[1][2] == "Fin"
