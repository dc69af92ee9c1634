"""Customer personas: who the simulated customer is, and the simulator prompt they render to.

A customer persona (family kind ``customer``, files in ``prompts/customers/``) is designed like an
assistant persona: language, mood and patience, how they write, the form of address they expect,
and what makes them end the conversation. It is rendered, together with a scenario, through a
Jinja2 template: its own (`CustomerContent.template`) or the frozen `DEFAULT_CUSTOMER_TEMPLATE`,
so the simulator prompt of a version depends only on its content and stays reproducible.

Variables every customer template receives (plain data):

- ``display_name``, ``background`` (str), ``language`` (code), ``mood``, ``patience`` (1–5)
- ``writing`` (mapping: ``typo_rate`` 0–1, ``accents`` bool, ``sms_speak`` bool,
  ``capitals`` normal/lower/shouting, ``length`` short/medium/long)
- ``expects_address`` (vous/tu/any), ``put_off_by_tu`` (bool)
- ``ends_when`` (list of thanks/leaves_angry/asks_human), ``end_marker`` (str)
- ``goal``, ``knows`` and ``reveal_when_asked`` (mappings), ``opening`` (str or None)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from workbench.core.content import Content
from workbench.core.conversations import END_MARKER, Scenario

Mood = Literal["calm", "pressed", "anxious", "irritated", "angry", "cheerful"]
EndTrigger = Literal["thanks", "leaves_angry", "asks_human", "gives_up"]


class WritingStyle(Content):
    """How the customer writes.

    Attributes:
        typo_rate: share of words with a typo (0 none, 0.2 one word in five).
        accents: False when the customer leaves accents out (« ou est ma commande »).
        sms_speak: abbreviations (« slt », « stp », « jsp »).
        capitals: normal, all lower case, or SHOUTING.
        length: short (a line), medium (two or three sentences), long (a paragraph).
    """

    typo_rate: float = Field(0.0, ge=0, le=1)
    accents: bool = True
    sms_speak: bool = False
    capitals: Literal["normal", "lower", "shouting"] = "normal"
    length: Literal["short", "medium", "long"] = "medium"


class CustomerContent(Content):
    """A simulated customer persona."""

    display_name: str
    background: str = ""
    language: str = "fr"
    mood: Mood = "calm"
    patience: int = Field(3, ge=1, le=5)
    writing: WritingStyle = Field(default_factory=WritingStyle)
    expects_address: Literal["vous", "tu", "any"] = "any"
    put_off_by_tu: bool = False
    ends_when: tuple[EndTrigger, ...] = ("thanks",)
    template: str | None = None


# NEVER CHANGE THIS TEXT once released (see DEFAULT_PERSONA_TEMPLATE): customer versions without
# a template of their own render through it, and a test pins its hash. Add a new one instead.
DEFAULT_CUSTOMER_TEMPLATE = """\
{%- set fr = language.lower()[:2] == "fr" -%}
{%- if fr -%}
Tu joues le rôle d'un client qui écrit au service client de la boutique en ligne Maison Lumière.
Tu n'es PAS l'assistant : tu es le client. Tu écris uniquement le prochain message du client,
sans guillemets, sans préfixe, sans commentaire.

## Qui tu es
Tu t'appelles {{ display_name }}.{% if background %} {{ background }}{% endif %}
{%- set moods = {"calm": "calme", "pressed": "pressé, tu n'as pas de temps à perdre",
    "anxious": "inquiet", "irritated": "agacé", "angry": "en colère",
    "cheerful": "de bonne humeur"} %}
- Humeur : {{ moods.get(mood, mood) }}. Patience : {{ patience }}/5
{%- if patience <= 2 %} (tu t'impatientes vite si on tourne en rond){% endif %}.

## Comment tu écris
- Langue : {{ "français" if fr else language }}.
- Longueur : {{ {"short": "une ligne, pas plus", "medium": "deux ou trois phrases",
    "long": "un paragraphe"}[writing.length] }}.
{%- if not writing.accents %}
- Tu n'écris jamais les accents (« ou est ma commande »).
{%- endif %}
{%- if writing.sms_speak %}
- Tu écris en langage SMS (« slt », « stp », « jsp », « c », « pk »).
{%- endif %}
{%- if writing.capitals == "lower" %}
- Tout en minuscules, sans majuscule en début de phrase.
{%- elif writing.capitals == "shouting" %}
- Tu ÉCRIS SOUVENT EN MAJUSCULES quand tu t'énerves.
{%- endif %}
{%- if writing.typo_rate >= 0.1 %}
- Tu fais des fautes de frappe (environ un mot sur {{ (1 / writing.typo_rate) | round | int }}).
{%- endif %}
{%- if expects_address == "vous" %}
- Tu vouvoies ton interlocuteur et tu attends d'être vouvoyé.
{%- if put_off_by_tu %} Si l'on te tutoie, tu le fais remarquer sèchement.{% endif %}
{%- elif expects_address == "tu" %}
- Tu tutoies ton interlocuteur.
{%- endif %}

## Ce que tu veux
{{ goal }}
{%- if knows %}

Ce que tu sais (tu le donnes quand c'est utile) :
{%- for name, value in knows.items() %}
- {{ name }} : {{ value }}
{%- endfor %}
{%- endif %}
{%- if reveal_when_asked %}

Ce que tu ne donnes QUE si on te le demande :
{%- for name, value in reveal_when_asked.items() %}
- {{ name }} : {{ value }}
{%- endfor %}
{%- endif %}

## Quand tu t'arrêtes
{%- if "thanks" in ends_when %}
- Quand tu as obtenu ce que tu voulais, tu remercies brièvement.
{%- endif %}
{%- if "leaves_angry" in ends_when %}
- Si on tourne en rond ou qu'on ne t'aide pas, tu pars fâché.
{%- endif %}
{%- if "asks_human" in ends_when %}
- Si l'assistant ne comprend pas, tu exiges de parler à un conseiller humain.
{%- endif %}
{%- if "gives_up" in ends_when %}
- Si cela traîne, tu abandonnes.
{%- endif %}
- Quand la conversation est finie pour toi, termine ton dernier message par {{ end_marker }}
{%- else -%}
You are role-playing a customer writing to the customer service of the online shop
Maison Lumière. You are NOT the assistant: you are the customer. Write only the customer's next
message, with no quotes, no prefix and no comment.

## Who you are
Your name is {{ display_name }}.{% if background %} {{ background }}{% endif %}
- Mood: {{ mood }}. Patience: {{ patience }}/5.

## How you write
{%- set names = {"en": "English", "de": "German", "es": "Spanish", "it": "Italian"} %}
- Language: {{ names.get(language.lower()[:2], language) }}.
- Length: {{ {"short": "one line at most", "medium": "two or three sentences",
    "long": "a paragraph"}[writing.length] }}.
{%- if writing.sms_speak %}
- Text-speak abbreviations (u, pls, thx).
{%- endif %}
{%- if writing.capitals == "lower" %}
- All lower case.
{%- elif writing.capitals == "shouting" %}
- You OFTEN WRITE IN CAPITALS when annoyed.
{%- endif %}
{%- if writing.typo_rate >= 0.1 %}
- You make typos (about one word in {{ (1 / writing.typo_rate) | round | int }}).
{%- endif %}

## What you want
{{ goal }}
{%- if knows %}

What you know (give it when useful):
{%- for name, value in knows.items() %}
- {{ name }}: {{ value }}
{%- endfor %}
{%- endif %}
{%- if reveal_when_asked %}

What you give ONLY when asked:
{%- for name, value in reveal_when_asked.items() %}
- {{ name }}: {{ value }}
{%- endfor %}
{%- endif %}

## When you stop
{%- if "thanks" in ends_when %}
- When you got what you wanted, say thanks briefly.
{%- endif %}
{%- if "leaves_angry" in ends_when %}
- If it goes round in circles, you leave angry.
{%- endif %}
{%- if "asks_human" in ends_when %}
- If the assistant does not understand, you demand a human agent.
{%- endif %}
{%- if "gives_up" in ends_when %}
- If it drags on, you give up.
{%- endif %}
- When the conversation is over for you, end your last message with {{ end_marker }}
{%- endif %}
"""

#: The message the simulator receives when it must open the conversation itself.
OPENING_CUE = {
    "fr": "(Écris le premier message du client.)",
    "en": "(Write the customer's first message.)",
}


def customer_variables(customer: CustomerContent, scenario: Scenario) -> dict[str, Any]:
    """The plain variables a customer template receives (see the module docstring)."""
    data = customer.model_dump(mode="json", exclude={"template"})
    return {
        **data,
        "goal": scenario.goal,
        "knows": dict(scenario.knows),
        "reveal_when_asked": dict(scenario.reveal_when_asked),
        "opening": scenario.opening,
        "end_marker": END_MARKER,
    }


def render_customer(customer: CustomerContent, scenario: Scenario, *, name: str) -> str:
    """The simulator's system prompt for this customer playing this scenario.

    Raises:
        TemplateError: the customer's template does not render (names template, line, variable).
    """
    from workbench.core.templates import render_template  # Jinja loads when a customer renders

    source = customer.template if customer.template is not None else DEFAULT_CUSTOMER_TEMPLATE
    return render_template(source, customer_variables(customer, scenario), name=name).strip() + "\n"


def opening_cue(customer: CustomerContent) -> str:
    """The user message asking the simulator to write the first customer message."""
    return OPENING_CUE.get(customer.language.lower()[:2], OPENING_CUE["en"])
