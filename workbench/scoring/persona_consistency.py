"""Does a persona contradict its own register? (A persona switched to *tu* that keeps "très
soutenu" formality, *vous* phrases and *vous* example replies teaches the model both forms.)

Checks, each returned as a sentence naming the field:

* French address form against formality and register: *tu* with formality 4–5 or the
  ``institutional`` register; *vous* with formality 1 or the ``casual`` register;
* preferred phrases, sign-off and example replies against the address form, read with the same
  detector the ``register`` criterion uses (`workbench.scoring.address`): a *vous* marker in a
  *tu* persona and the other way round;
* words the persona both prefers and avoids.
"""

from __future__ import annotations

from workbench.core.models import PersonaContent
from workbench.scoring.address import Form, detect_french_address
from workbench.scoring.text import fold_words


def _markers(text: str, form: Form) -> list[str]:
    report = detect_french_address(text)
    return [marker.words for marker in report.markers(form)]


def persona_contradictions(persona: PersonaContent) -> list[str]:
    """Sentences describing each contradiction found; empty when the persona is consistent."""
    found: list[str] = []
    form = persona.address_form
    if form in {"tu", "vous"}:
        other: Form = "vous" if form == "tu" else "tu"
        if form == "tu" and persona.formality >= 4:
            found.append(f"address form tu, but formality {persona.formality} (soutenu)")
        if form == "vous" and persona.formality <= 1:
            found.append("address form vous, but formality 1 (familier)")
        if form == "tu" and persona.register == "institutional":
            found.append("address form tu, but an institutional register")
        if form == "vous" and persona.register == "casual":
            found.append("address form vous, but a casual register")
        for phrase in persona.prefer:
            wrong = _markers(phrase, other)
            if wrong:
                found.append(f"preferred phrase {phrase!r} uses {other} ({', '.join(wrong)})")
        if persona.sign_off and _markers(persona.sign_off, other):
            found.append(f"sign-off {persona.sign_off!r} uses {other}")
        for number, example in enumerate(persona.examples, start=1):
            wrong = _markers(example.reply, other)
            if wrong:
                shown = ", ".join(dict.fromkeys(wrong))
                found.append(f"example reply #{number} uses {other} ({shown})")
    avoided = {fold_words(word) for word in persona.avoid}
    both = [phrase for phrase in persona.prefer if fold_words(phrase) in avoided]
    if both:
        found.append(f"both preferred and avoided: {', '.join(repr(p) for p in both)}")
    return found
