"""A small, offline French/English guess for choosing a keyboard layout and word lists.

Perturbations only need to tell French from English on short customer messages, so a count of
very frequent function words (plus accented letters, which English rarely has) is enough and
keeps `core` free of dependencies. Ties and texts without any signal count as French, the
project's main language.
"""

from __future__ import annotations

import re

LANGUAGES = ("fr", "en")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FRENCH = _words(
    "je j tu il elle on nous vous ils elles le la les l un une des du de d et est sont ai as a "
    "au aux ce cette ces mon ma mes ton ta tes son sa ses notre votre leur pour par dans sur "
    "avec pas ne n plus que qu qui quoi où bonjour merci commande colis livraison reçu toujours "
    "suis été avoir faire veux voudrais pouvez svp stp bjr slt"
)
_ENGLISH = _words(
    "i you he she it we they the a an and is are was were be been have has had my your his her "
    "our their to of in on at for with not no do does did what where when why how this that "
    "hello hi thanks thank please order package delivery received still can could would "
    "want wanted pls thx"
)
_WORD = re.compile(r"[^\W\d_]+")
_FRENCH_LETTERS = set("éèêëàâîïôûùüçœÉÈÊÀÂÎÔÛÇ")


def detect_language(text: str) -> str:
    """``"fr"`` or ``"en"`` for `text` (French when there is no signal either way)."""
    french = english = 0
    for word in _WORD.findall(text.lower()):
        if word in _FRENCH:
            french += 1
        if word in _ENGLISH:
            english += 1
    french += sum(1 for ch in text if ch in _FRENCH_LETTERS)
    return "en" if english > french else "fr"


def normalise_language(language: str | None) -> str | None:
    """``fr``/``en`` from a tag or code such as ``fr-FR``, ``FR``, ``english``; None otherwise."""
    if not language:
        return None
    code = language.strip().lower().replace("_", "-")
    if code.startswith(("fr", "français", "francais")):
        return "fr"
    if code.startswith(("en", "anglais")):
        return "en"
    return None
