"""Composing prompts, personas and row variables into chat messages."""

from __future__ import annotations

import pytest

from workbench.core.compose import VariableReport, prompt_variables, render_messages
from workbench.core.errors import TemplateError
from workbench.core.llm import Message
from workbench.core.models import ChatMessage, PersonaContent, PromptContent
from workbench.core.personas import render_persona

TRACKING = PromptContent(
    system="Tu réponds aux questions de suivi de commande de la boutique Maison Lumière.\n",
    user="Message du client : {{ message }}\nStatut : {{ order_status }}\n",
    variables={"message": "Le message du client", "order_status": "Statut", "locale": "Langue"},
)
ROW = {"message": "Où en est ma commande 10452 ?", "order_status": "expédiée le 3/11"}
SECTION = "Tu es Camille, conseillère clientèle.\n\n## Ta façon de parler\n- Vouvoie le client."


def test_variable_report_compares_declared_and_used() -> None:
    prompt = PromptContent(
        system="{{ persona }}\n\nBoutique {{ shop }}.",
        user="{{ mesage }} {{ order_status }}",
        variables={"message": "", "order_status": "", "shop": "", "persona": "réservé"},
    )
    report = prompt_variables(prompt)
    assert report == VariableReport(
        declared=frozenset({"message", "order_status", "shop"}),
        used=frozenset({"mesage", "order_status", "shop"}),
        missing=frozenset({"mesage"}),
        unused=frozenset({"message"}),
        uses_persona=True,
    )


def test_variable_report_covers_every_chat_message() -> None:
    prompt = PromptContent(
        messages=(
            ChatMessage(role="system", content="Boutique {{ shop }}"),
            ChatMessage(role="user", content="{{ first }}"),
            ChatMessage(role="assistant", content="D'accord."),
            ChatMessage(role="user", content="{{ second }}"),
        ),
        variables={"shop": ""},
    )
    report = prompt_variables(prompt)
    assert report.used == {"shop", "first", "second"}
    assert report.missing == {"first", "second"}
    assert report.uses_persona is False


def test_variable_report_syntax_error_names_the_message() -> None:
    prompt = PromptContent(
        messages=(
            ChatMessage(role="system", content="ok"),
            ChatMessage(role="user", content="ligne\n{{ oops }"),
        )
    )
    with pytest.raises(TemplateError) as caught:
        prompt_variables(prompt, prompt_name="faq@v3")
    assert caught.value.template == "faq@v3:messages[2]"
    assert caught.value.line == 2


def test_renders_system_and_user_messages() -> None:
    messages = render_messages(TRACKING, ROW, prompt_name="order-tracking@v2")
    assert messages == (
        Message("system", TRACKING.system or ""),
        Message(
            "user",
            "Message du client : Où en est ma commande 10452 ?\nStatut : expédiée le 3/11\n",
        ),
    )


def test_persona_is_prepended_to_the_system_message_with_a_blank_line() -> None:
    messages = render_messages(
        TRACKING, ROW, prompt_name="order-tracking@v2", persona_section=SECTION
    )
    assert messages[0] == Message("system", f"{SECTION}\n\n{TRACKING.system}")
    assert messages[1].role == "user"
    assert len(messages) == 2


def test_persona_becomes_the_first_system_message_when_there_is_none() -> None:
    prompt = PromptContent(user="{{ message }}", variables={"message": ""})
    messages = render_messages(prompt, ROW, prompt_name="p@v1", persona_section=SECTION)
    assert messages == (Message("system", SECTION), Message("user", ROW["message"]))


def test_persona_is_prepended_to_the_first_system_message_of_a_chat() -> None:
    prompt = PromptContent(
        messages=(
            ChatMessage(role="system", content="Règles de la boutique."),
            ChatMessage(role="user", content="{{ message }}"),
        )
    )
    messages = render_messages(prompt, ROW, prompt_name="p@v1", persona_section=SECTION)
    assert [m.role for m in messages] == ["system", "user"]
    assert messages[0].content == f"{SECTION}\n\nRègles de la boutique."


def test_chat_without_system_message_gets_a_first_system_message() -> None:
    prompt = PromptContent(
        messages=(
            ChatMessage(role="user", content="Bonjour"),
            ChatMessage(role="assistant", content="Bonjour, que puis-je faire pour vous ?"),
            ChatMessage(role="user", content="{{ message }}"),
        )
    )
    messages = render_messages(prompt, ROW, prompt_name="p@v1", persona_section=SECTION)
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0].content == SECTION
    assert messages[3].content == ROW["message"]


def test_persona_placeholder_places_the_section_and_nothing_is_prepended() -> None:
    prompt = PromptContent(
        system="Contexte : boutique Maison Lumière.\n\n{{ persona }}\n\nRéponds brièvement.",
        user="{{ message }}",
    )
    messages = render_messages(prompt, ROW, prompt_name="p@v1", persona_section=SECTION)
    assert messages[0].content == (
        f"Contexte : boutique Maison Lumière.\n\n{SECTION}\n\nRéponds brièvement."
    )
    assert messages[0].content.count("Tu es Camille") == 1


def test_persona_placeholder_in_the_user_message_is_honoured() -> None:
    prompt = PromptContent(system="Règles.", user="{{ persona }}\n---\n{{ message }}")
    messages = render_messages(prompt, ROW, prompt_name="p@v1", persona_section=SECTION)
    assert messages[0] == Message("system", "Règles.")
    assert messages[1].content == f"{SECTION}\n---\n{ROW['message']}"


def test_persona_placeholder_without_persona_renders_empty() -> None:
    prompt = PromptContent(system="{{ persona }}\nRéponds.", user="{{ message }}")
    messages = render_messages(prompt, ROW, prompt_name="p@v1")
    assert messages[0] == Message("system", "\nRéponds.")


def test_system_message_that_renders_blank_is_left_out() -> None:
    prompt = PromptContent(system="{{ persona }}\n", user="{{ message }}")
    messages = render_messages(prompt, ROW, prompt_name="p@v1")
    assert messages == (Message("user", ROW["message"]),)


def test_blank_persona_section_is_not_prepended() -> None:
    messages = render_messages(TRACKING, ROW, prompt_name="p@v1", persona_section="  \n")
    assert messages[0].content == TRACKING.system


def test_rendered_default_persona_composes_into_the_system_prompt() -> None:
    camille = PersonaContent(display_name="Camille", role="conseillère", address_form="tu")
    section = render_persona(camille, name="camille@v1")
    messages = render_messages(TRACKING, ROW, prompt_name="t@v2", persona_section=section)
    system = messages[0].content
    assert system.startswith("Tu es Camille, conseillère.\n\n## Ta façon de parler\n")
    assert "ne le vouvoie jamais.\n" in system
    assert system.endswith(f"\n\n{TRACKING.system}")


def test_missing_variable_error_names_prompt_template_line_variable_and_row() -> None:
    with pytest.raises(TemplateError) as caught:
        render_messages(
            TRACKING, {"message": "Bonjour"}, prompt_name="order-tracking@v2", row="track-007"
        )
    error = caught.value
    assert (error.template, error.line, error.variable, error.row) == (
        "order-tracking@v2:user",
        2,
        "order_status",
        "track-007",
    )


def test_error_in_a_chat_message_names_its_number() -> None:
    prompt = PromptContent(
        messages=(
            ChatMessage(role="system", content="ok"),
            ChatMessage(role="user", content="{{ ''.__class__ }}"),
        )
    )
    with pytest.raises(TemplateError) as caught:
        render_messages(prompt, {}, prompt_name="faq@v3", row="r1")
    assert caught.value.template == "faq@v3:messages[2]"
    assert "not allowed" in str(caught.value)


def test_a_row_variable_named_persona_is_refused() -> None:
    with pytest.raises(TemplateError) as caught:
        render_messages(TRACKING, {**ROW, "persona": "x"}, prompt_name="t@v1", row="r5")
    assert caught.value.variable == "persona"
    assert caught.value.row == "r5"
    assert "reserved" in str(caught.value)


def test_row_variables_are_not_modified() -> None:
    prompt = PromptContent(system="{{ persona }}", user="{{ message }}")
    row = dict(ROW)
    render_messages(prompt, row, prompt_name="p@v1", persona_section=SECTION)
    assert row == ROW
