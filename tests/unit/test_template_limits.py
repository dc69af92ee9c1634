"""Template resource bombs stop at once with an error naming template, line and row."""

from __future__ import annotations

import resource

import pytest

from workbench.core import template_limits as limits
from workbench.core.errors import TemplateError
from workbench.core.templates import render_template

BOMBS = {
    "repeat": "{{ 'a' * 10**9 }}",
    "nested": "{% set a = 'x' * 1000 %}{% set b = a*1000 %}{% set c = b*1000 %}\n{{ c*1000 }}",
    "doubling": (
        "{% set ns = namespace(a='xxxxxxxxxx') %}{% for i in range(40) %}"
        "{% set ns.a = ns.a ~ ns.a %}{% endfor %}{{ ns.a }}"
    ),
    "power": "{{ 7 ** (10**7) }}",
    "range": "{{ range(50000)|list|length }}",
    "loops": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "center filter": "{{ 'a'|center(10**9) }}",
    "ljust method": "{{ 'a'.ljust(10**9) }}",
    "format method": "{{ '{:>999999999}'.format(1) }}",
    "percent": "{{ '%0999999999d' % 1 }}",
    "replace method": "{% set a='a'*1000 %}{{ a.replace('a', a).replace('a', a) }}",
    "replace filter": "{% set a='a'*1000 %}{{ a|replace('a', a)|replace('a', a) }}",
    "list": "{{ ([1]*1000000) * 1000 }}",
    "plus": "{% set a='a'*3000000 %}{{ a + a }}",
    "join": "{% set a='a'*1000000 %}{{ [a,a,a,a,a]|join(a) }}",
    "output": (
        "{% for i in range(10000) %}{% for j in range(100) %}{{ 'x'*1000 }}{% endfor %}{% endfor %}"
    ),
}


@pytest.mark.parametrize("source", BOMBS.values(), ids=BOMBS.keys())
def test_a_bomb_is_refused_naming_template_line_and_row(source: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(TemplateError) as caught:
        render_template(source, {}, name="bomb@v1:user", row="r7")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    error = caught.value
    assert error.template == "bomb@v1:user" and error.row == "r7"
    assert error.line is not None
    assert "bomb@v1:user" in str(error) and "row r7" in str(error)
    assert grown_mb < 200


def test_the_line_of_the_bomb_is_named() -> None:
    with pytest.raises(TemplateError) as caught:
        render_template("first\nsecond\n{{ 'a' * 10**9 }}\n", {}, name="t", row="r")
    assert caught.value.line == 3


def test_ordinary_templates_are_untouched() -> None:
    source = (
        "{% for i in range(3) %}{{ loop.index }}/{{ loop.length }} {% endfor %}"
        "{{ 'ab' ~ name }} {{ 2**10 }} {{ '%3d' % 7 }} {{ '-' * 3 }} {{ [1, 2] + [3] }}"
        " {{ 'x'.center(5) }}|{{ 'a b'|replace(' ', '_') }} {{ ['a', 'b']|join(', ') }}"
        " {{ '{:>4}'.format(1) }} {{ 12345678901|filesizeformat }}"
    )
    assert render_template(source, {"name": "c"}, name="t") == (
        "1/3 2/3 3/3 abc 1024   7 --- [1, 2, 3]   x  |a_b a, b    1 12.3 GB"
    )


def test_limits_sit_just_above_what_a_prompt_needs() -> None:
    big = "x" * (limits.MAX_VALUE_CHARS // 2)
    assert len(render_template("{{ v * 2 }}", {"v": big}, name="t")) == limits.MAX_VALUE_CHARS
    with pytest.raises(TemplateError, match="too large"):
        render_template("{{ v * 2 ~ 'x' }}", {"v": big}, name="t")
