"""What the template size limits cost: the same prompt rendered with and without them.

Usage: ``python bench/template_limits_bench.py`` — prints microseconds per render. The unbounded
figure uses Jinja's plain `ImmutableSandboxedEnvironment` with the same settings.
"""

from __future__ import annotations

import time

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from workbench.core.templates import render_template

SOURCE = """Tu es {{ persona.name }}, conseillère de {{ shop }}.
{% for item in order.lines %}- {{ item.name|title }} × {{ item.qty }} ({{ '%.2f' % item.price }} €)
{% endfor %}Client : {{ message|trim }}{{ ' (urgent)' if urgent else '' }}
Total : {{ order['lines']|sum(attribute='price') }} €, {{ 'livraison ' ~ order.carrier }}.
"""
VARIABLES = {
    "persona": {"name": "Camille"},
    "shop": "Maison Lumière",
    "order": {
        "lines": [{"name": f"lampe {i}", "qty": i, "price": 19.9 * i} for i in range(1, 6)],
        "carrier": "Colissimo",
    },
    "message": "  Où est ma commande ?  ",
    "urgent": True,
}
RENDERS = 20_000


def _time(render: object) -> float:
    started = time.perf_counter()
    for _ in range(RENDERS):
        render()  # type: ignore[operator]
    return (time.perf_counter() - started) / RENDERS * 1e6


def main() -> None:
    plain = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    ).from_string(SOURCE)
    assert plain.render(VARIABLES) == render_template(SOURCE, VARIABLES, name="bench")
    unbounded = _time(lambda: plain.render(VARIABLES))
    bounded = _time(lambda: render_template(SOURCE, VARIABLES, name="bench", row="r1"))
    print(f"renders: {RENDERS:,} of a {len(SOURCE)}-character prompt with a loop and filters")
    print(f"unbounded sandbox: {unbounded:8.1f} µs per render")
    print(f"bounded (workbench): {bounded:6.1f} µs per render ({bounded / unbounded:.2f}×)")


if __name__ == "__main__":
    main()
