"""Turn a bundle's Jinja2 templates into portable text other tools render the same way.

Exports need the prompt with the persona already composed in (the persona is fixed for a
bundle) and only the dataset variables left to fill. The template is parsed with the same
environment the workbench renders with, then printed back from its syntax tree:

* ``persona`` is a constant: ``{{ persona }}`` becomes the persona section itself and an
  ``{% if persona %}`` is decided now; a prompt without ``{{ persona }}`` gets the section
  prepended to its system message, exactly as `workbench.core.compose.render_messages` does;
* whitespace control (``{%-``) has already been applied by the parser, so the printed text needs
  none; literal text holding ``{{``, ``{%`` or ``{#`` is wrapped in ``{% raw %}``;
* what remains is the subset Jinja2 and Nunjucks (promptfoo's engine) read alike: text,
  variables (``a.b``, ``a["b"]``), ``if``/``elif``/``else`` on comparisons, ``and``/``or``/``not``,
  simple ``for`` loops, and a few filters both define the same way. Anything else (method calls
  such as ``.strip()``, ``{% set %}``, macros, tests, other filters) is reported as a
  `TemplateIssue` naming the template and line, never silently changed.

A template is *simple* when it is only text and variables: then it can also be written in
Langfuse's ``{{variable}}`` form or rendered by plain string substitution.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from jinja2 import nodes
from jinja2.nodes import EvalContext, Impossible

from workbench.core.compose import PERSONA_VARIABLE, prompt_templates
from workbench.core.errors import KnownError
from workbench.core.llm import Role
from workbench.core.models import PromptContent
from workbench.core.templates import build_environment, template_variables

# Filters whose Jinja2 and Nunjucks definitions give the same text on strings and lists.
PORTABLE_FILTERS = frozenset(
    {"upper", "lower", "trim", "capitalize", "length", "join", "first", "last", "default"}
)
_COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "lteq": "<=", "gt": ">", "gteq": ">="}
_SPECIAL = ("{{", "{%", "{#")


@dataclass(frozen=True)
class TemplateIssue:
    """A construct that cannot be exported as is."""

    template: str
    line: int | None
    problem: str

    def __str__(self) -> str:
        where = self.template if self.line is None else f"{self.template}, line {self.line}"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class Var:
    """A variable substitution in a simple template (``path`` may be dotted: ``order.id``)."""

    path: str


@dataclass(frozen=True)
class PortableTemplate:
    """One message template with the persona composed in.

    Attributes:
        name: the template's name (``order-tracking@v3:system``).
        role: the chat role.
        source: Jinja2/Nunjucks text (the persona inlined, raw blocks where needed).
        parts: for a simple template, its literal texts and `Var` substitutions in order;
            None when it has logic.
        printed: variables whose value is printed directly.
        tested: variables used in conditions, loops or filters.
        issues: constructs Nunjucks cannot render the same way (see the module docstring).
        logic: (line, construct) of each condition, loop or expression beyond a variable.
    """

    name: str
    role: Role
    source: str
    parts: tuple[str | Var, ...] | None
    printed: frozenset[str] = frozenset()
    tested: frozenset[str] = frozenset()
    issues: tuple[TemplateIssue, ...] = ()
    logic: tuple[tuple[int | None, str], ...] = ()

    @property
    def simple(self) -> bool:
        """Only text and variable substitutions."""
        return self.parts is not None

    @property
    def variables(self) -> frozenset[str]:
        """Top-level dataset variables the template reads."""
        return self.printed | self.tested


class TemplateExportError(KnownError):
    """Templates that cannot be exported to a format; lists every issue with its line."""

    def __init__(self, target: str, issues: list[TemplateIssue]) -> None:
        self.issues = issues
        listed = "\n".join(f"  - {issue}" for issue in issues)
        super().__init__(f"cannot export to {target}:\n{listed}")


def portable_messages(
    prompt: PromptContent, *, prompt_name: str, persona_section: str | None
) -> list[PortableTemplate]:
    """The prompt's messages with the persona composed in, printed portably."""
    templates = list(prompt_templates(prompt, prompt_name))
    uses_persona = any(
        PERSONA_VARIABLE in template_variables(source, name=name) for name, _, source in templates
    )
    constants = {PERSONA_VARIABLE: persona_section or ""} if uses_persona else {}
    printed = [_print(source, name, role, constants) for name, role, source in templates]
    # A system message that is only whitespace is not sent (as in render_messages).
    printed = [
        t
        for t in printed
        if not (t.role == "system" and t.parts is not None and not _text(t.parts).strip())
    ]
    section = (persona_section or "").strip()
    if uses_persona or not section:
        return printed
    for index, template in enumerate(printed):
        if template.role == "system":
            printed[index] = _prefixed(template, f"{section}\n\n")
            return printed
    first = PortableTemplate(
        name=f"{prompt_name}:persona", role="system", source=_literal(section), parts=(section,)
    )
    return [first, *printed]


def mustache_text(template: PortableTemplate, *, target: str, spaces: bool = False) -> str:
    """The template in ``{{variable}}`` form (no logic, no dotted names, no literal braces).

    Raises:
        TemplateExportError: the template has logic, dotted variables or literal ``{{``.
    """
    issues: list[TemplateIssue] = []
    if template.parts is None:
        issues.extend(
            TemplateIssue(template.name, line, f"{construct}: {target} has no template logic")
            for line, construct in template.logic or ((None, "template logic"),)
        )
        raise TemplateExportError(target, issues)
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, Var):
            if "." in part.path:
                issues.append(
                    TemplateIssue(
                        template.name, None, f"'{part.path}' reads a field; {target} has none"
                    )
                )
            out.append(f"{{{{ {part.path} }}}}" if spaces else f"{{{{{part.path}}}}}")
        else:
            if "{{" in part or "}}" in part:
                issues.append(
                    TemplateIssue(
                        template.name,
                        None,
                        f"literal '{{{{' or '}}}}' in the text cannot be written in {target}",
                    )
                )
            out.append(part)
    if issues:
        raise TemplateExportError(target, issues)
    return "".join(out)


def _text(parts: tuple[str | Var, ...]) -> str:
    return "".join(p for p in parts if isinstance(p, str))


def _literal(text: str) -> str:
    if any(marker in text for marker in _SPECIAL):
        return f"{{% raw %}}{text}{{% endraw %}}"
    return text


def _prefixed(template: PortableTemplate, prefix: str) -> PortableTemplate:
    parts = None if template.parts is None else (prefix, *template.parts)
    return PortableTemplate(
        name=template.name,
        role=template.role,
        source=_literal(prefix) + template.source,
        parts=_merge(parts) if parts is not None else None,
        printed=template.printed,
        tested=template.tested,
        issues=template.issues,
        logic=template.logic,
    )


def _merge(parts: tuple[str | Var, ...]) -> tuple[str | Var, ...]:
    merged: list[str | Var] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        elif part != "":
            merged.append(part)
    return tuple(merged)


class _Unportable(Exception):
    def __init__(self, problem: str) -> None:
        self.problem = problem


@dataclass
class _Printer:
    name: str
    constants: Mapping[str, Any]
    issues: list[TemplateIssue] = field(default_factory=list)
    parts: list[str | Var] = field(default_factory=list)
    simple: bool = True
    printed: set[str] = field(default_factory=set)
    tested: set[str] = field(default_factory=set)
    loop_names: set[str] = field(default_factory=set)
    logic: list[tuple[int | None, str]] = field(default_factory=list)

    def body(self, body: list[nodes.Node]) -> str:
        return "".join(self.node(node) for node in body)

    def node(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.Output):
            return "".join(self.output(child) for child in node.nodes)
        if isinstance(node, nodes.If):
            return self.branch(node)
        if isinstance(node, nodes.For):
            return self.loop(node)
        label = {
            "Assign": "{% set %}",
            "AssignBlock": "{% set %} block",
            "Macro": "a macro",
            "CallBlock": "{% call %}",
            "FilterBlock": "{% filter %} block",
            "With": "{% with %}",
            "Include": "{% include %}",
            "Import": "{% import %}",
            "FromImport": "{% from ... import %}",
            "Extends": "{% extends %}",
            "Block": "{% block %}",
        }.get(type(node).__name__, type(node).__name__)
        self.issue(node, f"{label} is not exported (only text, variables, if and for are)")
        return ""

    def issue(self, node: nodes.Node, problem: str) -> None:
        self.simple = False
        self.logic.append((getattr(node, "lineno", None), problem))
        self.issues.append(TemplateIssue(self.name, getattr(node, "lineno", None), problem))

    def output(self, child: nodes.Expr) -> str:
        if isinstance(child, nodes.TemplateData):
            self.parts.append(child.data)
            return _literal(child.data)
        path = self.path(child)
        if path is not None and path.split(".")[0] in self.constants:
            value = self.constant(child)
            self.parts.append(value)
            return _literal(value)
        if path is not None:
            self.parts.append(Var(path))
            top = path.split(".")[0]
            if top not in self.loop_names:
                self.printed.add(top)
            return f"{{{{ {self.expr(child)} }}}}"
        self.simple = False
        self.logic.append((child.lineno, "an expression beyond a plain variable"))
        try:
            return f"{{{{ {self.expr(child, logic=True)} }}}}"
        except _Unportable as error:
            self.issue(child, error.problem)
            return ""

    def branch(self, node: nodes.If) -> str:
        self.simple = False
        decided = self.decide(cast(nodes.Expr, node.test))
        if decided is not None:
            if decided:
                return self.body(node.body)
            if node.elif_:
                first, *rest = node.elif_
                return self.branch(nodes.If(first.test, first.body, rest, node.else_))
            return self.body(node.else_)
        self.logic.append((node.lineno, "{% if %}"))
        try:
            text = f"{{% if {self.expr(cast(nodes.Expr, node.test), logic=True)} %}}" + self.body(
                node.body
            )
            for clause in node.elif_:
                text += f"{{% elif {self.expr(cast(nodes.Expr, clause.test), logic=True)} %}}"
                text += self.body(clause.body)
            if node.else_:
                text += "{% else %}" + self.body(node.else_)
            return text + "{% endif %}"
        except _Unportable as error:
            self.issue(node, error.problem)
            return ""

    def loop(self, node: nodes.For) -> str:
        self.simple = False
        self.logic.append((node.lineno, "{% for %}"))
        if node.recursive or node.test is not None or not isinstance(node.target, nodes.Name):
            self.issue(node, "only plain '{% for x in items %}' loops are exported")
            return ""
        try:
            items = self.expr(cast(nodes.Expr, node.iter), logic=True)
            head = f"{{% for {node.target.name} in {items} %}}"
        except _Unportable as error:
            self.issue(node, error.problem)
            return ""
        self.loop_names.update({node.target.name, "loop"})
        text = head + self.body(node.body)
        if node.else_:
            text += "{% else %}" + self.body(node.else_)
        return text + "{% endfor %}"

    def decide(self, test: nodes.Expr) -> bool | None:
        """The value of a condition that reads only constants (``persona``), else None."""
        found = [test, *test.find_all(nodes.Name)]  # find_all skips the node itself
        names = {n.name for n in found if isinstance(n, nodes.Name)}
        if not names or not names <= set(self.constants):
            return None
        try:
            value = _with_constants(test, self.constants).as_const(EvalContext(build_environment()))
        except Impossible:
            return None
        return bool(value)

    def constant(self, expr: nodes.Expr) -> str:
        value = _with_constants(expr, self.constants).as_const(EvalContext(build_environment()))
        return str(value)

    def path(self, expr: nodes.Expr) -> str | None:
        if isinstance(expr, nodes.Name):
            return expr.name
        if isinstance(expr, nodes.Getattr):
            inner = self.path(expr.node)
            return None if inner is None else f"{inner}.{expr.attr}"
        if (
            isinstance(expr, nodes.Getitem)
            and isinstance(expr.arg, nodes.Const)
            and isinstance(expr.arg.value, str)
            and expr.arg.value.isidentifier()
        ):
            inner = self.path(expr.node)
            return None if inner is None else f"{inner}.{expr.arg.value}"
        return None

    def expr(self, expr: nodes.Expr, *, logic: bool = False) -> str:
        if isinstance(expr, nodes.Name):
            if expr.name in self.constants:
                return json.dumps(str(self.constants[expr.name]), ensure_ascii=False)
            if logic and expr.name not in self.loop_names:
                self.tested.add(expr.name)
            return expr.name
        if isinstance(expr, nodes.Const):
            return _const(expr.value)
        if isinstance(expr, nodes.Getattr):
            return f"{self.expr(expr.node, logic=logic)}.{expr.attr}"
        if isinstance(expr, nodes.Getitem) and isinstance(expr.arg, nodes.Const):
            return f"{self.expr(expr.node, logic=logic)}[{_const(expr.arg.value)}]"
        if isinstance(expr, nodes.Not):
            return f"not {self.wrapped(expr.node)}"
        if isinstance(expr, nodes.And | nodes.Or):
            word = "and" if isinstance(expr, nodes.And) else "or"
            return f"({self.wrapped(expr.left)} {word} {self.wrapped(expr.right)})"
        if isinstance(expr, nodes.Compare) and all(op.op in _COMPARISONS for op in expr.ops):
            text = self.wrapped(expr.expr)
            for operand in expr.ops:
                text += f" {_COMPARISONS[operand.op]} {self.wrapped(operand.expr)}"
            return text
        if isinstance(expr, nodes.Filter):
            return self.filter(expr)
        raise _Unportable(_describe(expr))

    def wrapped(self, expr: nodes.Expr) -> str:
        return self.expr(expr, logic=True)

    def filter(self, expr: nodes.Filter) -> str:
        if expr.name not in PORTABLE_FILTERS or expr.node is None:
            raise _Unportable(
                f"the '{expr.name}' filter is not exported (portable filters:"
                f" {', '.join(sorted(PORTABLE_FILTERS))})"
            )
        if expr.kwargs or expr.dyn_args or expr.dyn_kwargs:
            raise _Unportable(f"keyword arguments to the '{expr.name}' filter are not exported")
        args = ", ".join(self.wrapped(arg) for arg in expr.args)
        base = self.wrapped(expr.node)
        return f"{base} | {expr.name}" + (f"({args})" if expr.args else "")


def _const(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return repr(value)
    raise _Unportable(f"the constant {value!r} is not exported")


def _describe(expr: nodes.Expr) -> str:
    if isinstance(expr, nodes.Call):
        callee = expr.node
        if isinstance(callee, nodes.Getattr):
            return f"the method call '.{callee.attr}()' exists only in Python/Jinja"
        return "function calls exist only in Jinja"
    if isinstance(expr, nodes.Test):
        return f"the test 'is {expr.name}' is not exported"
    if isinstance(expr, nodes.Concat):
        return "'~' concatenation is not exported; write the parts side by side"
    if isinstance(expr, nodes.CondExpr):
        return "inline 'a if b else c' is not exported; use {% if %}"
    if isinstance(expr, nodes.Compare):
        return "'in' and 'not in' comparisons are not exported"
    if isinstance(expr, nodes.BinExpr | nodes.UnaryExpr):
        return "arithmetic in a template is not exported"
    return f"the expression {type(expr).__name__} is not exported"


def _with_constants(expr: nodes.Expr, constants: Mapping[str, Any]) -> nodes.Expr:
    """A copy of `expr` where the constant names are `Const` nodes."""
    if isinstance(expr, nodes.Name) and expr.name in constants:
        return nodes.Const(constants[expr.name], lineno=expr.lineno)
    copy = object.__new__(type(expr))
    for name in expr.fields + expr.attributes:
        value = getattr(expr, name, None)
        if isinstance(value, nodes.Node):
            value = _with_constants(value, constants)  # type: ignore[arg-type]
        elif isinstance(value, list):
            value = [
                _with_constants(v, constants) if isinstance(v, nodes.Expr) else v for v in value
            ]
        object.__setattr__(copy, name, value)
    return copy


def _print(source: str, name: str, role: Role, constants: Mapping[str, Any]) -> PortableTemplate:
    tree = build_environment().parse(source, name=name, filename=name)
    printer = _Printer(name, constants)
    text = printer.body(tree.body)
    return PortableTemplate(
        name=name,
        role=role,
        source=text,
        parts=_merge(tuple(printer.parts)) if printer.simple else None,
        printed=frozenset(printer.printed),
        tested=frozenset(printer.tested),
        issues=tuple(printer.issues),
        logic=tuple(printer.logic),
    )


def iter_issues(templates: list[PortableTemplate]) -> Iterator[TemplateIssue]:
    """Every issue of every template, in message order."""
    for template in templates:
        yield from template.issues
