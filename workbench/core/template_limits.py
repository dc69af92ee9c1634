"""Size limits of the template sandbox: no template can build a gigabyte or loop for an hour.

Jinja's sandbox stops attribute escapes but not size: ``{{ 'a' * 10**9 }}`` renders a gigabyte,
and doubling a string thirty times does the same. Every way a template grows a value passes
through one of these checks, each refusing *before* the big value exists:

* the binary operators ``*``, ``**``, ``+`` and ``%`` (`bounded_binop`),
* the ``~`` concatenation (`bounded_join`),
* calls of string methods that pad or repeat (``center``, ``ljust``, ``zfill``, ``replace``,
  ``join``, ``format``...) and filters with size arguments (`check_call`, `bounded_filter`),
* ``range()`` (`bounded_range`) and the total iterations of all ``{% for %}`` loops of one
  render (`LoopBudget`),
* the rendered text itself (`MAX_RENDERED_CHARS`, checked by the renderer).

A refusal raises `TemplateTooLarge`, which the renderer turns into a `TemplateError` naming the
template, line and row.
"""

from __future__ import annotations

import contextvars
import functools
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any

from jinja2.exceptions import SecurityError

MAX_VALUE_CHARS = 4_000_000
"""The longest string, list or tuple a template may build (about a million tokens of text)."""

MAX_RENDERED_CHARS = 4_000_000
"""The longest text one template may render."""

MAX_RANGE = 10_000
"""The most items ``range()`` may produce in a template."""

MAX_LOOP_ITERATIONS = 1_000_000
"""The most ``{% for %}`` iterations, all loops together, of one render."""

MAX_INT_BITS = 4_096
"""The largest integer ``**`` and ``*`` may produce (about 1,200 decimal digits)."""

_FORMAT_WIDTH = re.compile(r"\d{7,}")
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_SIZED = (str, list, tuple, bytes)


class TemplateTooLarge(SecurityError):
    """A template tried to build a value or an output over the sandbox's limits."""


def bounded_binop(op: str, left: Any, right: Any) -> Any:
    """Apply a template's binary operator after checking the size of its result."""
    if op == "*":
        _check_repeat(left, right)
        _check_int_product(left, right)
        return operator.mul(left, right)
    if op == "**":
        _check_power(left, right)
        return operator.pow(left, right)
    if op == "+":
        if isinstance(left, _SIZED) and isinstance(right, _SIZED):
            _check_length(len(left) + len(right), "+")
        return operator.add(left, right)
    if op == "%":
        if isinstance(left, str) and _FORMAT_WIDTH.search(left):
            raise TemplateTooLarge(
                f"a format width over {MAX_VALUE_CHARS:,} characters is not allowed"
            )
        result = operator.mod(left, right)
        _check_result(result, "%")
        return result
    raise TemplateTooLarge(f"operator {op!r} is not bounded")  # pragma: no cover


def bounded_join(parts: Iterable[Any]) -> str:
    """The ``~`` concatenation, refusing a result over `MAX_VALUE_CHARS`."""
    texts = [str(part) for part in parts]
    _check_length(sum(len(text) for text in texts), "~")
    return "".join(texts)


def bounded_range(*args: int) -> range:
    """``range()`` for templates: at most `MAX_RANGE` items."""
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateTooLarge(
            f"range() of {len(rng):,} items is too large: templates may loop over at most"
            f" {MAX_RANGE:,} numbers"
        )
    return rng


def check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a call of a string method that would build a value over the limits."""
    method = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format in a formatter
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if not isinstance(owner, str):
        return
    values = [*args, *kwargs.values()]
    if name in _PADDING_METHODS:
        for value in values:
            if isinstance(value, int) and value > MAX_VALUE_CHARS:
                raise TemplateTooLarge(f"{name}({value:,}) would build a value too large")
        if name == "expandtabs":
            size = values[0] if values and isinstance(values[0], int) else 8
            _check_length(len(owner) * max(size, 1), name)
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str):
        old, new = args[0], str(args[1])
        count = len(owner) + 1 if old == "" else owner.count(old)
        _check_length(len(owner) + count * max(0, len(new) - len(old)), "replace")
    elif name == "join":
        items = args[0] if args else ()
        if isinstance(items, list | tuple):
            total = sum(len(item) if isinstance(item, Sized) else 0 for item in items)
            _check_length(total + len(owner) * max(len(items) - 1, 0), "join")
    elif name in {"format", "format_map"} and _FORMAT_WIDTH.search(owner):
        raise TemplateTooLarge(f"a format width over {MAX_VALUE_CHARS:,} characters is not allowed")


def check_result(result: Any, what: str) -> Any:
    """Refuse a value (a call's or a filter's result) over `MAX_VALUE_CHARS`; returns it."""
    _check_result(result, what)
    return result


def bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter so that its size arguments and its result are checked."""

    skip = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(function)  # keeps `jinja_pass_arg`, how Jinja passes context arguments
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value, extras = (args[skip], args[skip + 1 :]) if len(args) > skip else (None, ())
        for extra in (*extras, *kwargs.values()):
            if isinstance(extra, int) and not isinstance(extra, bool) and extra > MAX_VALUE_CHARS:
                raise TemplateTooLarge(f"filter {name}: {extra:,} is too large an argument")
        if name == "format" and isinstance(value, str) and _FORMAT_WIDTH.search(value):
            raise TemplateTooLarge(f"filter {name}: a format width this large is not allowed")
        if name == "replace" and isinstance(value, str) and len(extras) >= 2:
            old, new = str(extras[0]), str(extras[1])
            count = len(value) + 1 if old == "" else value.count(old)
            _check_length(len(value) + count * max(0, len(new) - len(old)), "replace")
        if name == "join" and isinstance(value, list | tuple):
            separator = next((e for e in extras if isinstance(e, str)), "")
            total = sum(len(item) if isinstance(item, Sized) else 0 for item in value)
            _check_length(total + len(separator) * max(len(value) - 1, 0), "join")
        if name in {"center", "indent", "wordwrap"} and isinstance(value, str):
            width = next((e for e in extras if isinstance(e, int)), 0)
            _check_length(len(value) + (value.count("\n") + 1) * max(width, 0), name)
        return check_result(function(*args, **kwargs), f"filter {name}")

    return wrapper


class LoopBudget:
    """Counts the ``{% for %}`` iterations of the render under way (one budget per render)."""

    def __init__(self, limit: int = MAX_LOOP_ITERATIONS) -> None:
        self.left = limit
        self.limit = limit

    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Yield from `iterable`, spending one unit of the budget per item."""
        for item in iterable:
            self.left -= 1
            if self.left < 0:
                raise TemplateTooLarge(
                    f"the loops of this template ran over {self.limit:,} iterations"
                )
            yield item


CURRENT_BUDGET: contextvars.ContextVar[LoopBudget | None] = contextvars.ContextVar(
    "workbench_template_loop_budget", default=None
)


def bounded_iter(iterable: Iterable[Any]) -> Iterable[Any]:
    """What every ``{% for %}`` of a template loops over: `iterable`, within the budget."""
    budget = CURRENT_BUDGET.get()
    if budget is None:  # rendering outside `render_template` (never in the app)
        budget = LoopBudget()
    return budget.iterate(iterable)


def _check_repeat(left: Any, right: Any) -> None:
    for value, times in ((left, right), (right, left)):
        if isinstance(value, _SIZED) and isinstance(times, int):
            _check_length(len(value) * max(times, 0), "*")


def _check_int_product(left: Any, right: Any) -> None:
    bits = abs(left).bit_length() + abs(right).bit_length() if _ints(left, right) else 0
    if bits > MAX_INT_BITS:
        raise TemplateTooLarge(f"a number over {MAX_INT_BITS:,} bits is not allowed")


def _ints(*values: Any) -> bool:
    return all(isinstance(value, int) for value in values)


def _check_power(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        bits = right * math.log2(abs(left))
        if bits > MAX_INT_BITS:
            raise TemplateTooLarge(
                f"{left} ** {right} has about {int(bits * 0.30103):,} digits: numbers in"
                f" templates are limited to {MAX_INT_BITS:,} bits"
            )


def _check_length(length: int, what: str) -> None:
    if length > MAX_VALUE_CHARS:
        raise TemplateTooLarge(
            f"'{what}' would build a value of {length:,} items or characters; templates may"
            f" build at most {MAX_VALUE_CHARS:,}"
        )


def _check_result(result: Any, what: str) -> None:
    if isinstance(result, _SIZED):
        _check_length(len(result), what)
