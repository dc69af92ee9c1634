"""Differences between versions: unified text diffs and field-by-field changes."""

from __future__ import annotations

import pytest

from workbench.core.diff import FieldChange, diff_contents, format_changes, unified_diff
from workbench.core.models import (
    ChatMessage,
    DatasetContent,
    DatasetRow,
    ExampleReply,
    Kind,
    ModelConfigContent,
    PersonaContent,
    PromptContent,
    ToneTraits,
)

CAMILLE_V1 = PersonaContent(
    display_name="Camille",
    role="conseillère clientèle",
    address_form="vous",
    tone=ToneTraits(warmth=3, emoji="never"),
    prefer=("bien sûr",),
    examples=(ExampleReply(customer="Où est mon colis ?", reply="Il arrive demain."),),
)


def by_path(changes: list[FieldChange]) -> dict[str, FieldChange]:
    return {change.path: change for change in changes}


# --- unified_diff -----------------------------------------------------------------------------


def test_unified_diff_of_equal_texts_is_empty() -> None:
    assert unified_diff("a\nb\n", "a\nb\n", a_label="v1", b_label="v2") == ""


def test_unified_diff_shows_labels_and_changed_lines() -> None:
    old = "Bonjour,\nVotre commande est expédiée.\nCordialement\n"
    new = "Bonjour,\nVotre commande a été expédiée le 3 novembre.\nCordialement\n"
    assert unified_diff(old, new, a_label="p@v1:user", b_label="p@v2:user") == (
        "--- p@v1:user\n"
        "+++ p@v2:user\n"
        "@@ -1,3 +1,3 @@\n"
        " Bonjour,\n"
        "-Votre commande est expédiée.\n"
        "+Votre commande a été expédiée le 3 novembre.\n"
        " Cordialement\n"
    )


def test_unified_diff_marks_a_missing_final_newline() -> None:
    diff = unified_diff("un\ndeux", "un\ntrois", a_label="a", b_label="b")
    assert diff.endswith(
        "-deux\n\\ No newline at end of file\n+trois\n\\ No newline at end of file\n"
    )
    assert diff.count("\n") == len(diff.splitlines())


def test_unified_diff_when_only_the_final_newline_changes() -> None:
    diff = unified_diff("fin", "fin\n", a_label="a", b_label="b")
    assert "-fin\n\\ No newline at end of file\n+fin\n" in diff


# --- personas ---------------------------------------------------------------------------------


def test_persona_diff_field_by_field() -> None:
    v2 = CAMILLE_V1.model_copy(
        update={
            "address_form": "tu",
            "tone": ToneTraits(warmth=4, emoji="sparingly"),
            "prefer": ("bien sûr", "avec plaisir"),
            "sign_off": "Belle journée !",
            "examples": (
                ExampleReply(customer="Où est mon colis ?", reply="Il arrive demain !"),
                ExampleReply(customer="Merci", reply="Avec plaisir."),
            ),
        }
    )
    changes = diff_contents(Kind.PERSONA, CAMILLE_V1, v2)
    assert [c.path for c in changes] == [
        "address_form",
        "tone.warmth",
        "tone.emoji",
        "prefer",
        "sign_off",
        "examples[1].reply",
        "examples[2]",
    ]
    found = by_path(changes)
    assert found["address_form"] == FieldChange("address_form", "vous", "tu")
    assert found["tone.warmth"] == FieldChange("tone.warmth", 3, 4)
    assert found["prefer"].old == ["bien sûr"]
    assert found["prefer"].new == ["bien sûr", "avec plaisir"]
    assert found["sign_off"].old is None
    assert found["examples[2]"] == FieldChange(
        "examples[2]", None, {"customer": "Merci", "reply": "Avec plaisir."}, change="added"
    )
    assert all(c.text_diff is None for c in changes)


def test_identical_personas_have_no_changes() -> None:
    same = PersonaContent.model_validate(CAMILLE_V1.model_dump())
    assert diff_contents(Kind.PERSONA, CAMILLE_V1, same) == []
    assert format_changes([]) == ""


def test_removed_example_is_reported_as_removed() -> None:
    changes = diff_contents(
        Kind.PERSONA, CAMILLE_V1, CAMILLE_V1.model_copy(update={"examples": ()})
    )
    assert changes == [
        FieldChange(
            "examples[1]",
            {"customer": "Où est mon colis ?", "reply": "Il arrive demain."},
            None,
            change="removed",
        )
    ]


def test_multiline_persona_template_gets_a_unified_diff() -> None:
    old = CAMILLE_V1.model_copy(update={"template": "Tu es {{ display_name }}.\nVouvoie.\n"})
    new = CAMILLE_V1.model_copy(update={"template": "Tu es {{ display_name }}.\nTutoie.\n"})
    (change,) = diff_contents(Kind.PERSONA, old, new, a_label="camille@v1", b_label="camille@v2")
    assert change.path == "template"
    assert change.text_diff is not None
    assert "--- camille@v1:template\n+++ camille@v2:template\n" in change.text_diff
    assert "-Vouvoie.\n+Tutoie.\n" in change.text_diff


# --- prompts ----------------------------------------------------------------------------------


def test_prompt_diff_text_fields_variables_and_params() -> None:
    v1 = PromptContent(
        system="Tu réponds aux clients.\nSois bref.\n",
        user="Message : {{ message }}",
        variables={"message": "Le message"},
        params={"temperature": 0.3, "max_tokens": 300},
    )
    v2 = PromptContent(
        system="Tu réponds aux clients.\nDemande le numéro de commande s'il manque.\n",
        user="Message du client : {{ message }}",
        variables={"message": "Le message", "order_status": "Statut"},
        params={"temperature": 0.2, "max_tokens": 300},
    )
    changes = diff_contents(Kind.PROMPT, v1, v2, a_label="order-tracking@v1", b_label="v2")
    found = by_path(changes)
    assert list(found) == ["system", "user", "variables.order_status", "params.temperature"]
    assert found["system"].text_diff is not None
    assert "+Demande le numéro de commande s'il manque.\n" in found["system"].text_diff
    assert found["user"] == FieldChange(
        "user", "Message : {{ message }}", "Message du client : {{ message }}"
    )
    assert found["variables.order_status"].change == "added"
    assert found["params.temperature"] == FieldChange("params.temperature", 0.3, 0.2)


def test_prompt_diff_between_chat_messages() -> None:
    v1 = PromptContent(
        messages=(
            ChatMessage(role="system", content="Règles :\n- poli\n"),
            ChatMessage(role="user", content="{{ message }}"),
        )
    )
    v2 = PromptContent(
        messages=(
            ChatMessage(role="system", content="Règles :\n- poli\n- précis\n"),
            ChatMessage(role="user", content="{{ message }}"),
        )
    )
    (change,) = diff_contents(Kind.PROMPT, v1, v2)
    assert change.path == "messages[1].content"
    assert change.text_diff is not None and "+- précis\n" in change.text_diff


def test_prompt_switching_shape_reports_both_sides() -> None:
    v1 = PromptContent(system="Un.\nDeux.\n", user="{{ q }}")
    v2 = PromptContent(messages=(ChatMessage(role="user", content="{{ q }}"),))
    found = by_path(diff_contents(Kind.PROMPT, v1, v2))
    assert found["system"].new is None
    assert found["system"].text_diff is not None and "-Un.\n-Deux.\n" in found["system"].text_diff
    assert found["messages"].old is None
    assert found["messages"].new == [{"role": "user", "content": "{{ q }}"}]


def test_model_config_diff() -> None:
    a = ModelConfigContent(provider="openai", model="gpt-4o-mini", params={"temperature": 0})
    b = ModelConfigContent(provider="openai", model="gpt-4.1-mini", params={})
    found = by_path(diff_contents(Kind.MODEL, a, b))
    assert found["model"] == FieldChange("model", "gpt-4o-mini", "gpt-4.1-mini")
    assert found["params.temperature"] == FieldChange(
        "params.temperature", 0, None, change="removed"
    )


def test_wrong_content_type_for_kind_is_refused() -> None:
    with pytest.raises(TypeError, match="PersonaContent"):
        diff_contents(Kind.PERSONA, CAMILLE_V1, PromptContent(user="x"))


# --- datasets ---------------------------------------------------------------------------------


def dataset(*rows: DatasetRow, description: str = "") -> DatasetContent:
    return DatasetContent(rows=rows, description=description)


def row(row_id: str, message: str, **extra: object) -> DatasetRow:
    return DatasetRow.model_validate({"id": row_id, "vars": {"message": message}, **extra})


def test_dataset_diff_by_row_id() -> None:
    old = dataset(row("track-001", "Où est ma commande ?"), row("track-002", "Bonjour"))
    new = dataset(
        row("track-001", "Où est ma commande 10452 ?", facts=["expédiée"]),
        row("track-003", "Je veux un remboursement"),
    )
    changes = diff_contents(Kind.DATASET, old, new, a_label="tracking@v1", b_label="tracking@v2")
    found = by_path(changes)
    assert list(found) == ["rows[track-001]", "rows[track-002]", "rows[track-003]"]
    changed = found["rows[track-001]"]
    assert changed.change == "changed"
    assert changed.old == {"id": "track-001", "vars": {"message": "Où est ma commande ?"}}
    assert changed.text_diff is not None
    assert '-    "message": "Où est ma commande ?"\n' in changed.text_diff
    assert '+    "message": "Où est ma commande 10452 ?"\n' in changed.text_diff
    assert '+  "facts": [\n' in changed.text_diff
    assert found["rows[track-002]"].change == "removed"
    assert found["rows[track-002]"].text_diff is None
    assert found["rows[track-003]"].new == {
        "id": "track-003",
        "vars": {"message": "Je veux un remboursement"},
    }


def test_dataset_reorder_and_description_changes() -> None:
    a, b = row("1", "un"), row("2", "deux")
    changes = diff_contents(Kind.DATASET, dataset(a, b), dataset(b, a, description="Suivi"))
    assert changes == [
        FieldChange("description", "", "Suivi"),
        FieldChange("rows (order)", ["1", "2"], ["2", "1"]),
    ]


def test_unchanged_dataset_has_no_changes() -> None:
    rows = [row(str(i), f"message {i}") for i in range(100)]
    assert diff_contents(Kind.DATASET, dataset(*rows), dataset(*rows)) == []


# --- format_changes ---------------------------------------------------------------------------


def test_format_changes_for_a_terminal() -> None:
    v2 = CAMILLE_V1.model_copy(
        update={"tone": ToneTraits(warmth=4), "template": "Ligne 1\nLigne 2\n", "examples": ()}
    )
    text = format_changes(diff_contents(Kind.PERSONA, CAMILLE_V1, v2, a_label="v1", b_label="v2"))
    assert text == (
        "tone.warmth: 3 → 4\n"
        'examples[1]: removed {"customer": "Où est mon colis ?", "reply": "Il arrive demain."}\n'
        "template: changed\n"
        "--- v1:template\n"
        "+++ v2:template\n"
        "@@ -0,0 +1,2 @@\n"
        "+Ligne 1\n"
        "+Ligne 2\n"
    )


def test_format_changes_summarises_dataset_rows() -> None:
    old = dataset(row("a", "un"), row("b", "deux"))
    new = dataset(row("a", "un !"), row("c", "trois"), row("d", "quatre"))
    text = format_changes(diff_contents(Kind.DATASET, old, new))
    assert text.startswith("rows: 2 added, 1 removed, 1 changed\nrows[a]: changed\n--- a:rows[a]\n")
    assert 'rows[b]: removed {"id": "b", "vars": {"message": "deux"}}\n' in text
    assert 'rows[d]: added {"id": "d", "vars": {"message": "quatre"}}\n' in text
