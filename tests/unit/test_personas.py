"""Persona rendering: the default template in French and English, and personas' own templates."""

from __future__ import annotations

import hashlib
import itertools
import re

import pytest

from workbench.core.errors import TemplateError
from workbench.core.models import ExampleReply, PersonaContent, ToneTraits
from workbench.core.personas import DEFAULT_PERSONA_TEMPLATE, persona_variables, render_persona

CAMILLE = PersonaContent(
    display_name="Camille",
    role="conseillère clientèle de Maison Lumière",
    languages=("fr", "en"),
    formality=4,
    register="institutional",
    address_form="vous",
    tone=ToneTraits(warmth=4, concision=4, humour=1, emoji="never", exclamations="sparingly"),
    prefer=("bien sûr", "avec plaisir"),
    avoid=("pas de souci", "ok"),
    sign_off="Belle journée,\nCamille",
    max_sentence_words=20,
    examples=(
        ExampleReply(
            customer="Bonjour, où en est ma commande 10452 ?",
            reply="Bonjour, votre commande 10452 a été expédiée le 3 novembre.",
        ),
    ),
)

CAMILLE_RENDERED = """\
Tu es Camille, conseillère clientèle de Maison Lumière.

## Ta façon de parler
- Langue : réponds en français. Si le client écrit en anglais, réponds-lui dans sa langue.
- Registre : institutionnel. Tu parles au nom de l'entreprise, avec sobriété et précision.
- Niveau de langue : soutenu.
- Vouvoie toujours le client (« vous ») ; ne le tutoie jamais.
- Ton : chaleureux et bienveillant.
- Longueur : va à l'essentiel.
- Humour : aucun.
- Emoji : jamais.
- Points d'exclamation : rarement, un au plus par réponse.
- Phrases : 20 mots au plus chacune.

## Vocabulaire
- À privilégier : « bien sûr », « avec plaisir ».
- À éviter : « pas de souci », « ok ».

## Signature
Termine chaque réponse par :
Belle journée,
Camille

## Exemples de réponses

Client : Bonjour, où en est ma commande 10452 ?
Toi : Bonjour, votre commande 10452 a été expédiée le 3 novembre."""


def persona(**changes: object) -> PersonaContent:
    return CAMILLE.model_copy(update=changes)


def test_default_template_text_is_pinned() -> None:
    # Old persona versions render through this exact text; changing it changes their output.
    digest = hashlib.sha256(DEFAULT_PERSONA_TEMPLATE.encode("utf-8")).hexdigest()
    assert digest == "ad33aaf1ee45e79d604d8775f9be7707c674572faf03a34565388b23424638be"


def test_full_french_persona_renders_as_a_readable_section() -> None:
    assert render_persona(CAMILLE, name="camille@v1") == CAMILLE_RENDERED


def test_vous_instructs_to_vouvoyer_and_never_tutoyer() -> None:
    text = render_persona(persona(address_form="vous"), name="camille@v1")
    assert "- Vouvoie toujours le client (« vous ») ; ne le tutoie jamais." in text
    assert "Tutoie" not in text


def test_tu_instructs_to_tutoyer_and_never_vouvoyer() -> None:
    text = render_persona(persona(address_form="tu", register="casual"), name="leo@v1")
    assert "- Tutoie toujours le client (« tu ») ; ne le vouvoie jamais." in text
    assert "- Registre : décontracté." in text
    assert "Vouvoie" not in text


def test_english_formal_uses_title_and_surname() -> None:
    text = render_persona(
        persona(languages=("en",), address_form="formal", display_name="Sam", role="advisor"),
        name="sam@v1",
    )
    assert text.startswith("You are Sam, advisor.\n\n## How you speak\n")
    assert "- Language: reply in English.\n" in text
    assert "by title and surname" in text
    assert "never by first name alone" in text


def test_english_first_name_never_uses_title() -> None:
    text = render_persona(persona(languages=("en",), address_form="first_name"), name="sam@v1")
    assert (
        '- Address the customer by first name when you know it ("Hi Julie"); '
        "never by title and surname." in text
    )


def test_french_persona_with_english_address_forms_still_gets_clear_instructions() -> None:
    formal = render_persona(persona(address_form="formal"), name="p")
    assert "« Madame » ou « Monsieur »" in formal
    assert "ne le tutoie jamais" in formal
    first = render_persona(persona(address_form="first_name"), name="p")
    assert "par son prénom" in first


def test_english_persona_with_french_address_forms_names_vous_and_tu() -> None:
    vous = render_persona(persona(languages=("en", "fr"), address_form="vous"), name="p")
    assert "always say\n  « vous », never « tu »" in vous
    tu = render_persona(persona(languages=("en", "fr"), address_form="tu"), name="p")
    assert "always say\n  « tu », never « vous »" in tu
    assert "If the customer writes in French, reply in their language." in tu


def test_language_is_french_only_when_first_language_is_french() -> None:
    assert render_persona(persona(languages=("fr-CA",)), name="p").startswith("Tu es Camille")
    german = render_persona(persona(languages=("de", "fr")), name="p")
    assert german.startswith("You are Camille")
    assert "- Language: reply in German. If the customer writes in French" in german
    assert render_persona(persona(languages=()), name="p").startswith("You are Camille")
    assert "Language:" not in render_persona(persona(languages=()), name="p")


def test_several_other_languages_are_listed() -> None:
    text = render_persona(persona(languages=("fr", "en", "es")), name="p")
    assert "Si le client écrit en anglais ou en espagnol, réponds-lui dans sa langue." in text


@pytest.mark.parametrize(
    ("warmth", "words"),
    [(1, "neutre et factuel"), (3, "aimable"), (5, "très chaleureux, plein d'empathie")],
)
def test_tone_traits_are_words_not_numbers(warmth: int, words: str) -> None:
    text = render_persona(persona(tone=ToneTraits(warmth=warmth)), name="p")
    assert f"- Ton : {words}." in text
    tone_lines = [line for line in text.splitlines() if line.startswith(("- Ton", "- Humour"))]
    assert tone_lines
    assert not any(re.search(r"\d", line) for line in tone_lines)


def test_emoji_and_exclamation_policies() -> None:
    free = render_persona(persona(tone=ToneTraits(emoji="free", exclamations="free")), name="p")
    assert "- Emoji : permis quand ils servent le message." in free
    assert "- Points d'exclamation : permis." in free
    never = render_persona(
        persona(languages=("en",), tone=ToneTraits(emoji="never", exclamations="never")),
        name="p",
    )
    assert "- Emoji: never.\n- Exclamation marks: never." in never


def test_minimal_persona_has_no_empty_sections() -> None:
    minimal = PersonaContent(display_name="Léo", role="")
    text = render_persona(minimal, name="leo@v1")
    assert text.startswith("Tu es Léo.\n\n## Ta façon de parler\n")
    for heading in ("Vocabulaire", "Signature", "Exemples", "Phrases"):
        assert heading not in text
    assert not text.endswith("\n")
    assert "\n\n\n" not in text


def test_role_ending_with_a_full_stop_is_not_doubled() -> None:
    text = render_persona(persona(role="conseillère clientèle."), name="p")
    assert text.startswith("Tu es Camille, conseillère clientèle.\n")


def test_only_avoid_list_shows_vocabulary_without_prefer() -> None:
    text = render_persona(persona(prefer=(), avoid=("n'hésitez pas",)), name="p")
    assert "## Vocabulaire\n- À éviter : « n'hésitez pas »." in text
    assert "privilégier" not in text


def test_every_combination_of_scales_renders() -> None:
    forms = ("vous", "tu", "formal", "first_name")
    registers = ("institutional", "neutral", "casual")
    for language, form, register, level in itertools.product(
        ("fr", "en"), forms, registers, range(1, 6)
    ):
        tone = ToneTraits(warmth=level, concision=level, humour=level)
        content = persona(
            languages=(language,), address_form=form, register=register, formality=level, tone=tone
        )
        text = render_persona(content, name="p")
        assert "{{" not in text and "None" not in text


def test_persona_own_template_receives_its_fields() -> None:
    template = (
        "{{ display_name }} ({{ language }}/{{ languages | join(',') }}) — {{ address_form }},"
        " chaleur {{ tone.warmth }}, {{ prefer | length }} mots, {{ examples[0].customer }}\n\n"
    )
    text = render_persona(persona(template=template), name="camille@v2")
    assert (
        text
        == "Camille (fr/fr,en) — vous, chaleur 4, 2 mots, Bonjour, où en est ma commande 10452 ?"
    )


def test_persona_variables_are_plain_data_without_the_template() -> None:
    variables = persona_variables(persona(template="x"))
    assert "template" not in variables
    assert variables["tone"] == {
        "warmth": 4,
        "concision": 4,
        "humour": 1,
        "emoji": "never",
        "exclamations": "sparingly",
    }
    assert variables["examples"][0]["reply"].startswith("Bonjour")
    assert variables["language"] == "fr"


def test_error_in_persona_template_names_the_persona_and_variable() -> None:
    with pytest.raises(TemplateError) as caught:
        render_persona(
            persona(template="Tu es {{ display_name }}.\n{{ signoff }}"), name="camille@v2"
        )
    assert caught.value.template == "camille@v2"
    assert caught.value.line == 2
    assert caught.value.variable == "signoff"
    assert "Did you mean 'sign_off'?" in str(caught.value)
