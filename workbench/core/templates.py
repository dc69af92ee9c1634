"""Jinja2 templates for prompts and personas: sandboxed, strict, and exact.

Every template renders in an `ImmutableSandboxedEnvironment` (the sandbox, plus a ban on methods
that modify lists and dicts, because one row's variables are shared by every render of that row)
with `StrictUndefined`, so a missing variable is an error rather than silently empty text.

Templates render *exactly as written*: autoescape is off (prompts are not HTML),
``keep_trailing_newline`` is on, and ``trim_blocks`` / ``lstrip_blocks`` stay off, so the only
whitespace control is the explicit ``{%-`` / ``-%}`` markers. Line endings are normalised to
``\\n``. Literal braces such as JSON (``{"a": {"b": 1}}``) need no escaping; a literal ``{{``
needs ``{% raw %}...{% endraw %}``.

Every failure raises `workbench.core.errors.TemplateError` naming the template, the line, the
variable and the dataset row when they are known, with a hint for the usual mistakes.

Sizes are bounded too (`workbench.core.template_limits`): operators, concatenation, string
methods, filters, ``range()``, loops and the rendered text all stop at fixed limits, so a
template cannot exhaust memory or time.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import StrictUndefined, meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from workbench.core import template_limits as limits
from workbench.core.errors import TemplateError

# Compiled templates are cached by source alone: the engine renders the same few templates for
# thousands of rows, and compiling costs far more than rendering. The name a caller gives (often
# per row, such as a promptfoo assertion value) only labels errors, so it is not part of the key.
_CACHE_SIZE = 512
# The file name compiled code carries, so that Jinja's rewritten traceback frames can be told
# from the sandbox's own frames when an error is traced back to its template line.
_COMPILED_FILENAME = "<workbench template>"

_UNDEFINED_NAME = re.compile(r"^'(?P<name>[^']+)' is undefined$")
_NO_ATTRIBUTE = re.compile(r"^'(?P<owner>[^']+)' has no attribute '(?P<attribute>[^']+)'$")
_IDENTIFIER_PATH = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with ``~`` going through the size-checked join."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """Compile ``a ~ b`` to `template_limits.bounded_join` (autoescape is always off)."""
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class PromptEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, where ``a.b`` on a mapping reads its key ``b`` before any method ``b``.

    Row data is JSON, and a key called ``items``, ``keys`` or ``values`` is common; plain Jinja
    would return the dict method of that name instead of the data.

    Values are bounded (see `workbench.core.template_limits`): ``*``, ``**``, ``+``, ``%``,
    ``~``, calls, filters and loops refuse to build anything over the limits.
    """

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = limits.bounded_range
        self.filters = {
            name: limits.bounded_filter(name, function) for name, function in self.filters.items()
        }

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Apply ``*``, ``**``, ``+`` or ``%`` after checking the size of the result."""
        return limits.bounded_binop(operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call `__obj` in the sandbox, refusing calls that would build oversized values."""
        limits.check_call(__obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        return limits.check_result(result, getattr(__obj, "__name__", "call"))

    def bounded_join(self, parts: Iterable[Any]) -> str:
        """The ``~`` operator (see `_BoundedCodeGenerator`)."""
        return limits.bounded_join(parts)

    def bounded_iter(self, iterable: Iterable[Any]) -> Iterable[Any]:
        """What a ``{% for %}`` loops over: `iterable`, counted against the render's budget."""
        return limits.bounded_iter(iterable)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Read `attribute` of `obj` in the sandbox, preferring a mapping's key."""
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)


def build_environment() -> PromptEnvironment:
    """A fresh environment configured the way every workbench template is rendered."""
    env = PromptEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    # promptfoo adds ``load`` to Nunjucks: parse a JSON text (``{{ row | load }}``).
    env.filters["load"] = json.loads
    return env


@functools.lru_cache(maxsize=1)
def _environment() -> PromptEnvironment:
    # Built once and never modified afterwards, so sharing it between threads is safe.
    return build_environment()


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compiled(source: str) -> jinja2.Template:
    env = _environment()
    tree = env.parse(source, filename=_COMPILED_FILENAME)
    for loop in tree.find_all(nodes.For):
        # Every loop iterates through the render's budget: no template loops for an hour.
        loop.iter = nodes.Call(
            nodes.EnvironmentAttribute("bounded_iter"),
            [loop.iter],
            [],
            None,
            None,
            lineno=loop.iter.lineno,
        )
    code = env.compile(tree, filename=_COMPILED_FILENAME)
    return env.template_class.from_code(env, code, env.make_globals(None), None)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _undeclared(source: str, name: str) -> frozenset[str]:
    tree = _environment().parse(source, name=name, filename=name)
    return frozenset(meta.find_undeclared_variables(tree))


def template_variables(source: str, *, name: str) -> set[str]:
    """The variables a template reads from its caller (not those it sets or loops over itself).

    Raises:
        TemplateError: the template does not parse; names the template and line.
    """
    try:
        return set(_undeclared(source, name))
    except jinja2.TemplateSyntaxError as error:
        raise _syntax_error(error, name) from error


def render_template(
    source: str, variables: Mapping[str, Any], *, name: str, row: str | None = None
) -> str:
    """Render `source` with `variables` in the sandbox.

    Args:
        source: the Jinja2 template text.
        variables: the values the template may read.
        name: how errors name the template, for example ``order-tracking@v2:user``.
        row: the dataset row id being rendered, named in errors.

    Raises:
        TemplateError: syntax error, missing variable or attribute, forbidden operation in the
            sandbox, or any other failure while rendering; names template, line, variable, row.
    """
    try:
        template = _compiled(source)
    except jinja2.TemplateSyntaxError as error:
        raise _syntax_error(error, name, row=row) from error
    budget = limits.CURRENT_BUDGET.set(limits.LoopBudget())
    try:
        return _render_bounded(template, variables, name, row)
    except TemplateError:
        raise
    except limits.TemplateTooLarge as error:
        raise TemplateError(
            f"too large: {error}",
            template=name,
            line=_template_line(error.__traceback__),
            row=row,
        ) from error
    except SecurityError as error:
        raise TemplateError(
            f"not allowed in a template: {error}"
            " Templates run in a sandbox that blocks private attributes and changes to data.",
            template=name,
            line=_template_line(error.__traceback__),
            row=row,
        ) from error
    except jinja2.UndefinedError as error:
        raise _undefined_error(error, source, variables, name, row) from error
    except jinja2.TemplateError as error:
        raise TemplateError(
            str(error.message or error),
            template=name,
            line=_template_line(error.__traceback__),
            row=row,
        ) from error
    except Exception as error:  # any failure inside a user's template is bad input
        raise TemplateError(
            f"{type(error).__name__}: {error}",
            template=name,
            line=_template_line(error.__traceback__),
            row=row,
        ) from error
    finally:
        limits.CURRENT_BUDGET.reset(budget)


def _render_bounded(
    template: jinja2.Template, variables: Mapping[str, Any], name: str, row: str | None
) -> str:
    """Render like `Template.render`, stopping once the text passes `MAX_RENDERED_CHARS`."""
    context = template.new_context(dict(variables))
    chunks: list[str] = []
    size = 0
    try:
        generator = template.root_render_func(context)
        for chunk in generator:
            size += len(chunk)
            if size > limits.MAX_RENDERED_CHARS:
                frame = getattr(generator, "gi_frame", None)
                line = None if frame is None else template.get_corresponding_lineno(frame.f_lineno)
                raise TemplateError(
                    f"the rendered text passed {limits.MAX_RENDERED_CHARS:,} characters;"
                    " a prompt this long is a mistake (a loop or a repeated value?)",
                    template=name,
                    line=line,
                    row=row,
                )
            chunks.append(chunk)
    except TemplateError:
        raise
    except Exception:
        template.environment.handle_exception()  # rewrites the traceback to template lines
    return "".join(chunks)


def _template_line(traceback: TracebackType | None) -> int | None:
    """The innermost template line in a traceback Jinja has rewritten to template positions."""
    line: int | None = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == _COMPILED_FILENAME:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _syntax_error(
    error: jinja2.TemplateSyntaxError, name: str, *, row: str | None = None
) -> TemplateError:
    message = (error.message or "syntax error").rstrip(".")
    hint = ""
    if "'}'" in message or "end of print statement" in message:
        hint = (
            " Check that every '{{' is closed by '}}'. To write literal '{{' or '{%' (for example"
            " a JSON example), wrap that text in {% raw %}...{% endraw %}."
        )
    elif "Unexpected end of template" in message:
        hint = " A block tag such as {% if %} or {% for %} is not closed."
    return TemplateError(
        f"syntax error: {message}.{hint}", template=name, line=error.lineno, row=row
    )


def _undefined_error(
    error: jinja2.UndefinedError,
    source: str,
    variables: Mapping[str, Any],
    name: str,
    row: str | None,
) -> TemplateError:
    message = str(error.message or error)
    line = _template_line(error.__traceback__)
    undefined = _UNDEFINED_NAME.match(message)
    if undefined:
        variable = undefined.group("name")
        return TemplateError(
            f"'{variable}' is undefined.{_closest_hint(variable, variables.keys(), 'variables')}",
            template=name,
            line=line,
            variable=variable,
            row=row,
        )
    missing = _NO_ATTRIBUTE.match(message)
    if missing:
        attribute = missing.group("attribute")
        path = _attribute_path(source, line, attribute)
        if path is None:
            path, text = attribute, f"{message}."
        else:
            parent = path.rsplit(".", 1)[0]
            text = f"'{parent}' has no key or attribute '{attribute}'."
            if missing.group("owner") == "None":
                text = f"'{parent}' is empty (None), so it has no '{attribute}'."
        owner = _resolve(variables, path.split(".")[:-1])
        if isinstance(owner, Mapping):
            text += _closest_hint(attribute, owner.keys(), "keys")
        return TemplateError(
            text,
            template=name,
            line=line,
            variable=path,
            row=row,
        )
    return TemplateError(message, template=name, line=line, row=row)


def _attribute_path(source: str, line: int | None, attribute: str) -> str | None:
    """Find how the template wrote the failing lookup (``order.items`` or ``order['items']``)."""
    if line is None:
        return None
    lines = source.splitlines()
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1]
    name = re.escape(attribute)
    for pattern in (
        rf"({_IDENTIFIER_PATH})\.{name}\b",
        rf"({_IDENTIFIER_PATH})\[\s*['\"]{name}['\"]\s*\]",
    ):
        found = re.search(pattern, text)
        if found:
            return f"{found.group(1)}.{attribute}"
    return None


def _resolve(variables: Mapping[str, Any], parts: list[str]) -> Any:
    value: Any = variables
    for part in parts:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _closest_hint(wanted: str, available: Iterable[Any], what: str) -> str:
    names = sorted(str(key) for key in available)
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
    if close:
        return f" Did you mean '{close[0]}'?"
    if not names:
        return f" No {what} are available here."
    shown = ", ".join(names[:12])
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    return f" Available {what}: {shown}{more}."
