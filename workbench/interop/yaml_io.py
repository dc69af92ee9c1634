"""Canonical YAML out, and YAML in with line numbers.

`dump_yaml` writes the one text a given value has: block style, keys in the order given (never
sorted), multi-line strings as ``|`` literal blocks, unicode kept as is, no anchors, no line
folding. The same value always gives the same bytes, which keeps exported files stable in git.

`load_yaml` reads with ``yaml.safe_load`` semantics and also returns the node tree, so an error
found later (a bad field, a duplicate id) can be reported at the line of the key involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from workbench.core.errors import FileFormatError

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
    text: str, *, path: str | Path, loader_class: type[yaml.SafeLoader] = yaml.SafeLoader
) -> tuple[Any, yaml.Node | None]:
    """Parse `text` safely; return the data and its node tree (None for an empty document).

    Raises:
        FileFormatError: naming the file, line and column of a YAML syntax error.
    """
    loader = loader_class(text)
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
