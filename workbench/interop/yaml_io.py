"""Canonical YAML out, and YAML in with line numbers.

`dump_yaml` writes the one text a given value has: block style, keys in the order given (never
sorted), multi-line strings as ``|`` literal blocks, unicode kept as is, no anchors, no line
folding. The same value always gives the same bytes, which keeps exported files stable in git.

`load_yaml` reads with ``yaml.safe_load`` semantics and also returns the node tree, so an error
found later (a bad field, a duplicate id) can be reported at the line of the key involved.

It is bounded against hostile files (`BoundedLoader`): aliases may expand to at most
`MAX_ALIAS_NODES` nodes in all (a kilobyte of "billion laughs" anchors would otherwise stand for
gigabytes), nesting stops at `MAX_DEPTH`, a key given twice in one mapping is refused instead of
the last one silently winning, and an integer too long to convert is an error at its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from workbench.core.errors import FileFormatError

MAX_DEPTH = 100
"""The deepest nesting of mappings and sequences a workspace file may have."""

MAX_ALIAS_NODES = 100_000
"""How many nodes all the aliases (``*name``) of one file may stand for, counted expanded."""


class BoundedLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` with bounds on nesting and alias expansion, and no duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._alias_nodes = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node, counting nesting depth and what each alias expands to."""
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            node = super().compose_node(parent, index)
            if node is not None:
                self._alias_nodes += self._expanded_size(node)
                if self._alias_nodes > MAX_ALIAS_NODES:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"aliases (*name) expand to more than {MAX_ALIAS_NODES:,} values: a file"
                        ' this repetitive is refused (a "billion laughs" bomb?)',
                        mark,
                    )
            return node
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.constructor.ConstructorError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _expanded_size(self, node: yaml.Node) -> int:
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._expanded_size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(
                self._expanded_size(key) + self._expanded_size(value) for key, value in node.value
            )
        self._sizes[id(node)] = size
        return size

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key given twice (merge keys ``<<`` may still override)."""
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {key!r} is given twice (the second would silently replace the first)",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """An integer, or an error at its line when it is too long to convert."""
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            digits = sum(ch.isdigit() for ch in str(node.value))
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"an integer of {digits:,} digits is too long to read (at most 4,300)",
                node.start_mark,
            ) from None


BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)


def safe_load(text: str, *, path: str | Path) -> Any:
    """`yaml.safe_load`, bounded (see `BoundedLoader`); errors name file and line."""
    return load_yaml(text, path=path)[0]


# Wide enough that PyYAML never folds a long line: folding would make the text depend on width.
_NO_FOLDING = 1_000_000


class _CanonicalDumper(yaml.SafeDumper):
    """Safe dumper with literal blocks for multi-line text and without anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        # Two equal lists in one file must be written out twice, not as &id001 / *id001.
        return True


# Unicode line breaks that YAML readers turn into "\n" unless they are escaped.
_UNICODE_BREAKS = frozenset("\x85\u2028\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A literal block only when there is visible text and a line break. PyYAML itself falls back
    # to a double-quoted scalar when a block cannot hold the text exactly (trailing spaces on a
    # line, tabs, carriage returns), so every string still reads back unchanged.
    style: str | None = "|" if "\n" in value and value.strip() else None
    if _UNICODE_BREAKS.intersection(value):
        style = '"'  # PyYAML would write them raw in other styles, and read them back as "\n"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_tuple(dumper: yaml.SafeDumper, value: tuple[Any, ...]) -> yaml.SequenceNode:
    return dumper.represent_list(list(value))


_CanonicalDumper.add_representer(str, _represent_str)
_CanonicalDumper.add_representer(tuple, _represent_tuple)


def dump_yaml(data: Any) -> str:
    """The canonical YAML text of `data` (plain dicts, lists, strings, numbers, booleans, None)."""
    text = yaml.dump(
        data,
        Dumper=_CanonicalDumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=_NO_FOLDING,
        indent=2,
        line_break="\n",
    )
    assert isinstance(text, str)
    return text


def load_yaml(
    text: str, *, path: str | Path, loader_class: type[BoundedLoader] | None = None
) -> tuple[Any, yaml.Node | None]:
    """Parse `text` safely; return the data and its node tree (None for an empty document).

    `loader_class` changes how scalars resolve (promptfoo's YAML 1.2 booleans); it is a
    `BoundedLoader`, so alias expansion, nesting and duplicate keys stay checked.

    Raises:
        FileFormatError: naming the file, line and column of a YAML syntax error.
    """
    loader = (loader_class or BoundedLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = " ".join(str(part) for part in (error.context, error.problem) if part)
        start = error.context_mark
        if start is not None and mark is not None and start.line != mark.line:
            reason += f" (the construct started on line {start.line + 1})"
        raise FileFormatError(
            f"not valid YAML: {reason or error}",
            path=str(path),
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as error:
        raise FileFormatError(f"not valid YAML: {error}", path=str(path)) from None
    except RecursionError:
        raise FileFormatError(
            f"not valid YAML: nested too deeply (more than {MAX_DEPTH} levels)", path=str(path)
        ) from None
    finally:
        loader.dispose()
    return data, node


def locate(root: yaml.Node | None, keys: Sequence[str | int]) -> tuple[int, int] | None:
    """The 1-based (line, column) of the deepest node found along `keys`, or None.

    Mapping steps use string keys and point at the key itself; sequence steps use indices.
    A path that leaves the tree stops at the last node found, which is still the nearest place
    to look.
    """
    if root is None:
        return None
    found: yaml.Node = root
    mark = root.start_mark
    for key in keys:
        step = _child(found, key)
        if step is None:
            break
        mark, found = step
    return mark.line + 1, mark.column + 1


def line_of(root: yaml.Node | None, keys: Sequence[str | int]) -> int | None:
    """The 1-based line of `locate`, or None."""
    place = locate(root, keys)
    return place[0] if place else None


def _child(node: yaml.Node, key: str | int) -> tuple[yaml.Mark, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return key_node.start_mark, value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        item = node.value[key]
        return item.start_mark, item
    return None
