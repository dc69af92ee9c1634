"""A persona checked against its own register."""

from __future__ import annotations

from tests.scoring.helpers import persona
from workbench.core.models import ExampleReply
from workbench.scoring.persona_consistency import persona_contradictions


def test_a_tu_persona_with_vous_leftovers_is_reported_field_by_field() -> None:
    switched = persona(
        address_form="tu",
        formality=5,
        register="institutional",
        prefer=("Je vous confirme", "dès réception"),
        sign_off="Bien à vous, Camille",
        examples=(
            ExampleReply(customer="Où est mon colis ?", reply="Votre colis arrive demain."),
            ExampleReply(customer="Merci", reply="Avec plaisir, bonne journée à toi !"),
        ),
    )
    found = persona_contradictions(switched)
    assert "address form tu, but formality 5 (soutenu)" in found
    assert "address form tu, but an institutional register" in found
    assert "preferred phrase 'Je vous confirme' uses vous (vous)" in found
    assert "sign-off 'Bien à vous, Camille' uses vous" in found
    assert "example reply #1 uses vous (Votre)" in found
    assert not any("#2" in sentence for sentence in found)


def test_a_consistent_persona_has_no_contradiction() -> None:
    assert persona_contradictions(persona(address_form="vous", formality=4)) == []
    both = persona(prefer=("Cordialement",), avoid=("cordialement",))
    assert persona_contradictions(both) == ["both preferred and avoided: 'Cordialement'"]
