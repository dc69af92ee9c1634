"""Sandboxed Jinja2 rendering: exact output, variables found, and errors that say where."""

from __future__ import annotations

import pytest

from workbench.core.errors import KnownError, TemplateError
from workbench.core.templates import build_environment, render_template, template_variables


def render_error(
    source: str, variables: dict[str, object], *, name: str = "t@v1:user", row: str | None = None
) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        render_template(source, variables, name=name, row=row)
    return caught.value


# --- rendering exactly as written -------------------------------------------------------------


def test_renders_french_text_with_variables() -> None:
    source = "Message du client : {{ message }}\nCommande n° {{ order }}."
    text = render_template(
        source, {"message": "Où est mon colis ?", "order": 10452}, name="t@v1:user"
    )
    assert text == "Message du client : Où est mon colis ?\nCommande n° 10452."


def test_trailing_newline_and_blank_lines_are_kept() -> None:
    source = "Bonjour {{ name }}\n\n"
    assert render_template(source, {"name": "Julie"}, name="t") == "Bonjour Julie\n\n"


def test_block_tags_do_not_trim_whitespace_unless_asked() -> None:
    source = "{% if vip %}\nClient VIP\n{% endif %}\nFin"
    assert render_template(source, {"vip": True}, name="t") == "\nClient VIP\n\nFin"
    trimmed = "{%- if vip %}\nClient VIP\n{%- endif %}\nFin"
    assert render_template(trimmed, {"vip": True}, name="t") == "\nClient VIP\nFin"


def test_no_html_escaping() -> None:
    text = render_template("{{ q }}", {"q": '<b>L\'été & "vous"</b>'}, name="t")
    assert text == '<b>L\'été & "vous"</b>'


def test_literal_json_braces_render_as_written() -> None:
    source = 'Réponds en JSON : {"statut": "expédiée", "suivi": {"numero": "{{ tracking }}"}}'
    text = render_template(source, {"tracking": "FR123"}, name="t")
    assert text == 'Réponds en JSON : {"statut": "expédiée", "suivi": {"numero": "FR123"}}'


def test_raw_block_keeps_jinja_syntax_literal() -> None:
    source = "Écris {% raw %}{{ prénom }} et {% if %}{% endraw %} tel quel ; {{ x }}"
    assert (
        render_template(source, {"x": 1}, name="t") == "Écris {{ prénom }} et {% if %} tel quel ; 1"
    )


def test_loops_filters_and_dict_attribute_access() -> None:
    source = "{% for item in order.items %}- {{ item.name | upper }} × {{ item.qty }}\n{% endfor %}"
    variables = {"order": {"items": [{"name": "lampe", "qty": 2}, {"name": "abat-jour", "qty": 1}]}}
    assert render_template(source, variables, name="t") == "- LAMPE × 2\n- ABAT-JOUR × 1\n"


def test_repeated_renders_use_each_call_s_variables() -> None:
    source = "Bonjour {{ name }}"
    names = [f"client-{i}" for i in range(50)]
    assert [render_template(source, {"name": n}, name="t") for n in names] == [
        f"Bonjour {n}" for n in names
    ]


def test_same_source_under_two_names_reports_its_own_name() -> None:
    render_template("{{ a }}", {"a": 1}, name="first")
    error = render_error("{{ a }}", {}, name="second")
    assert error.template == "second"


def test_mapping_keys_win_over_dict_methods() -> None:
    variables = {"order": {"items": ["lampe"], "keys": "clés", "values": 3}}
    text = render_template(
        "{{ order.items[0] }} {{ order.keys }} {{ order.values }}", variables, name="t"
    )
    assert text == "lampe clés 3"
    assert render_template("{{ order.get('x', 'défaut') }}", {"order": {}}, name="t") == "défaut"


def test_environment_is_sandboxed_strict_and_unescaped() -> None:
    env = build_environment()
    assert env.autoescape is False
    assert env.keep_trailing_newline is True
    assert env.is_safe_attribute("x", "__class__", "") is False
    assert build_environment() is not env


# --- variables --------------------------------------------------------------------------------


def test_template_variables_lists_only_what_the_caller_must_give() -> None:
    source = (
        "{% set greeting = 'Bonjour' %}{{ greeting }} {{ customer.first_name }}\n"
        "{% for line in lines %}{{ loop.index }}. {{ line }} ({{ currency }}){% endfor %}\n"
        "{% for i in range(3) %}{{ i }}{% endfor %}"
    )
    assert template_variables(source, name="t") == {"customer", "lines", "currency"}


def test_template_variables_of_plain_text_is_empty() -> None:
    assert template_variables('Aucune variable ici, juste {"json": true}.', name="t") == set()


def test_template_variables_returns_a_fresh_set_each_time() -> None:
    first = template_variables("{{ a }}", name="t")
    first.add("mutated")
    assert template_variables("{{ a }}", name="t") == {"a"}


def test_template_variables_syntax_error_names_template_and_line() -> None:
    with pytest.raises(TemplateError) as caught:
        template_variables("ligne 1\nligne 2\n{% for x in %}\n", name="order-tracking@v2:user")
    assert caught.value.template == "order-tracking@v2:user"
    assert caught.value.line == 3


# --- missing variables ------------------------------------------------------------------------


def test_missing_variable_names_variable_line_row_and_template() -> None:
    source = "Bonjour,\n\nVotre commande {{ order_id }} est {{ statut }}.\n"
    error = render_error(source, {"order_id": 7}, name="order-tracking@v2:user", row="track-001")
    assert isinstance(error, KnownError)
    assert (error.template, error.line, error.variable, error.row) == (
        "order-tracking@v2:user",
        3,
        "statut",
        "track-001",
    )
    text = str(error)
    for part in ("order-tracking@v2:user", "line 3", "'statut'", "row track-001"):
        assert part in text


def test_missing_variable_suggests_the_closest_available_one() -> None:
    error = render_error("{{ mesage }}", {"message": "x", "order": 1})
    assert error.variable == "mesage"
    assert "Did you mean 'message'?" in str(error)


def test_missing_variable_without_close_match_lists_what_is_available() -> None:
    error = render_error("{{ zzz }}", {"message": "x", "order": 1})
    assert "Available variables: message, order." in str(error)


def test_missing_variable_used_in_condition_or_filter_is_an_error() -> None:
    assert render_error("a\n{% if vip %}x{% endif %}", {}).line == 2
    assert render_error("{{ nom | upper }}", {}).variable == "nom"


def test_missing_variable_inside_a_loop_reports_the_loop_line() -> None:
    source = "{% for item in items %}\n- {{ item }}\n- {{ prix }}\n{% endfor %}"
    error = render_error(source, {"items": [1]}, row="r2")
    assert (error.line, error.variable, error.row) == (3, "prix", "r2")


def test_missing_key_names_the_dotted_path_and_suggests_a_key() -> None:
    source = "Commande :\n{{ order.statut }}"
    error = render_error(source, {"order": {"status": "expédiée", "id": 1}}, row="track-002")
    assert error.variable == "order.statut"
    assert error.line == 2
    assert "'order' has no key or attribute 'statut'" in str(error)
    assert "Did you mean 'status'?" in str(error)


def test_missing_key_in_subscript_form() -> None:
    error = render_error("{{ order['itms'] }}", {"order": {"items": []}})
    assert error.variable == "order.itms"
    assert "Did you mean 'items'?" in str(error)


def test_attribute_of_none_says_the_value_is_empty() -> None:
    error = render_error("{{ customer.name }}", {"customer": None})
    assert error.variable == "customer.name"
    assert "'customer' is empty (None)" in str(error)


# --- syntax errors ----------------------------------------------------------------------------


def test_unclosed_print_names_line_and_hints_at_raw() -> None:
    source = "Bonjour\nMessage : {{ message }\n"
    error = render_error(source, {"message": "x"}, name="p@v1:user", row="r1")
    assert error.line == 2
    assert error.row == "r1"
    assert "syntax error" in str(error)
    assert "{% raw %}" in str(error)


def test_json_starting_with_double_brace_is_a_syntax_error_with_a_hint() -> None:
    error = render_error('Exemple :\n{{"statut": "ok"}}', {})
    assert error.line == 2
    assert "{% raw %}" in str(error)


def test_unclosed_block_says_so() -> None:
    error = render_error("a\n{% if vip %}\nVIP\n", {"vip": True})
    assert error.line == 2
    assert "not closed" in str(error)


def test_unknown_filter_is_reported_with_line() -> None:
    error = render_error("ligne\n{{ x | majuscules }}", {"x": "a"})
    assert error.line == 2
    assert "majuscules" in str(error)


# --- sandbox ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ message.__class__ }}",
        "{{ lipsum.__globals__ }}",
    ],
)
def test_sandbox_blocks_private_attributes(source: str) -> None:
    error = render_error(source, {"message": "x"}, row="r9")
    assert "not allowed" in str(error)
    assert error.row == "r9"
    assert error.line == 1


def test_sandbox_blocks_changing_row_data() -> None:
    items = ["a"]
    error = render_error("ok\n{{ items.append('b') }}", {"items": items})
    assert "not allowed" in str(error)
    assert error.line == 2
    assert items == ["a"]


def test_other_runtime_failures_become_template_errors() -> None:
    error = render_error("x\ny\n{{ total / count }}", {"total": 10, "count": 0}, row="r3")
    assert "ZeroDivisionError" in str(error)
    assert (error.line, error.row) == (3, "r3")


def test_one_source_compiles_once_whatever_name_each_row_gives_it() -> None:
    """Per-row names (a promptfoo assertion value per test) must not recompile the template."""
    from workbench.core import templates

    source = "contains {{ who }} (compile-once check)"
    templates._compiled.cache_clear()
    for number in range(300):
        text = templates.render_template(
            source, {"who": f"client {number}"}, name=f"test {number} value", row=f"r{number}"
        )
        assert text == f"contains client {number} (compile-once check)"
    assert templates._compiled.cache_info().misses == 1
