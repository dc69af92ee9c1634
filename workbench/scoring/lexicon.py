"""Content words of a text, reduced to comparable keys, for overlap measures.

Relevance (does the reply talk about what the customer wrote?) compares the *content* of two
texts, not their grammar. Function words of French and English (articles, pronouns,
auxiliaries, politeness formulas every reply contains) are dropped, and the remaining words are
reduced to a prefix key so inflections meet (``commande``/``commandes``/``commandée``,
``deliver``/``delivered``/``delivery``). Tokens carrying digits (order numbers, dates, prices) are
kept whole: they are the strongest sign that a reply is about this very case.
"""

from __future__ import annotations

import functools
import re

from workbench.scoring.text import fold

STEM_LENGTH = 5
"""Characters kept of a folded word: long enough to separate ``command`` from ``comment``…
mostly, short enough to join most French and English inflections."""

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")

# Generic function words and universal support formulas (French, English), folded.
# fmt: off
_STOP_WORDS_TEXT = """
a au aux avec ce ceci cela ces cet cette ci comme dans de des du elle elles en et eux il ils je
j la le les leur leurs lui l ma mais me meme mes moi mon ne ni nos notre nous on ou par pas
pour qu que qui sa se ses si son sur ta te tes toi ton tu un une vos votre vous y d m n s t c
est sont etait etaient ete etre avoir ai as avons avez ont eu sera seront serait fait faire
peut peux pouvez pourrait pourriez dois doit devez faut veux voulez voudrais souhaite tres plus
moins bien aussi encore deja tout tous toute toutes rien autre autres alors donc car puis ainsi
ici la-bas oui non merci bonjour bonsoir salut cordialement madame monsieur svp quand comment
pourquoi quel quelle quels quelles combien ou est-ce dont lequel laquelle cependant toutefois
egalement notamment chez sans sous entre vers depuis pendant avant apres the an and or but if
of to in on at by for with from as is are was were be been being am have has had do does did
will would shall should can could may might must not no yes this that these those it its it's i
i'm i'll i've you you're your yours we our ours they their them he she his her him me my mine
us what which who whom when where why how there here then than so very also just only still
about into over under again please thanks thank hello hi dear regards best kind sincerely sorry
let get got all any some each more most
"""
# fmt: on
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@functools.lru_cache(maxsize=1024)
def content_keys(text: str) -> frozenset[str]:
    """Prefix keys of the content words of `text` (see the module docstring); cached, since the
    same context is compared with every reply of a run."""
    keys: set[str] = set()
    for token in _TOKEN.findall(fold(text)):
        for part in token.split("'")[-1:]:
            if any(char.isdigit() for char in part):
                keys.add(part)
            elif len(part) >= 3 and part not in STOP_WORDS:
                keys.add(part[:STEM_LENGTH])
    return frozenset(keys)


def content_words(text: str) -> list[str]:
    """Content words of `text` in order (folded, function words dropped)."""
    found = []
    for token in _TOKEN.findall(fold(text)):
        part = token.split("'")[-1]
        if any(char.isdigit() for char in part) or (len(part) >= 3 and part not in STOP_WORDS):
            found.append(part)
    return found
